#!/usr/bin/env bash
# The test command: unit tests (JUnit, then the Python tooling's pytest), then every notebook executed
# headless through the real Java kernel with CI's small settings. Sets up first (quick when already done).
set -euo pipefail
cd "$(dirname "$0")"
FM_SETUP_ONLY=1 ./setup.sh --cpu
echo "==> unit tests (mvn verify)"
mvn -B verify
echo "==> tooling tests (pytest)"
.venv/bin/python -m pytest -q tests
echo "==> notebooks"
.venv/bin/python tools/run_notebooks.py
