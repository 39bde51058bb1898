#!/usr/bin/env bash
# The performance benchmark (not a test): Java/DJL vs PyTorch on notebook 01's workloads. Installs PyTorch
# 2.7.1 (the libtorch version DJL uses) into .venv on first use, for this benchmark only.
set -euo pipefail
cd "$(dirname "$0")/.."
FM_SETUP_ONLY=1 ./setup.sh --cpu >/dev/null
.venv/bin/python -c 'import torch' 2>/dev/null || .venv/bin/python -m pip install -q torch==2.7.1
exec .venv/bin/python bench/compare.py "$@"
