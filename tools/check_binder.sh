#!/usr/bin/env bash
# Runs binder/postBuild as Binder would, without Docker, and checks the kernel it installs.
#
#   tools/check_binder.sh        (KEEP=1 keeps the scratch folder)
#
# A fresh venv in a scratch folder with the pins of requirements.txt (what environment.yml's pip section
# installs), `python` on PATH being that venv's, a fresh git clone of this checkout (committed files only),
# then `bash binder/postBuild` in the clone. Checks that the kernelspec java-flow-matching landed in that venv
# and that a cell runs on it through jupyter_client. The JDK and Maven are the host's (conda's on Binder).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/check-binder.XXXXXX")
[ "${KEEP:-0}" = 1 ] && echo "check_binder: scratch folder $WORK" || trap 'rm -rf "$WORK"' EXIT
unset JUPYTER_PATH JUPYTER_DATA_DIR JUPYTER_CONFIG_DIR VIRTUAL_ENV

echo "==> venv with the pins of requirements.txt"
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q -r "$ROOT/requirements.txt"
git clone -q "$ROOT" "$WORK/repo"
export PATH="$WORK/venv/bin:$PATH"

echo "==> bash binder/postBuild"
(cd "$WORK/repo" && bash binder/postBuild)

SPEC="$WORK/venv/share/jupyter/kernels/java-flow-matching/kernel.json"
[ -f "$SPEC" ] || { echo "check_binder: no kernelspec at $SPEC" >&2; exit 1; }

echo "==> a cell on the installed kernel"
python - "$WORK/venv" <<'PY'
import sys
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import start_new_kernel
venv = sys.argv[1]
spec = KernelSpecManager().get_kernel_spec("java-flow-matching")
assert spec.resource_dir.startswith(venv), f"kernelspec found outside the venv: {spec.resource_dir}"
km, kc = start_new_kernel(kernel_name="java-flow-matching", startup_timeout=120)
try:
    out = []
    reply = kc.execute_interactive("System.out.println(1 + 1);", timeout=60,
                                   output_hook=lambda m: out.append(m["content"].get("text", "")))
    assert reply["content"]["status"] == "ok", reply["content"]
    assert "".join(out) == "2\n", out
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
print("check_binder: ok, the cell printed 2 on", spec.resource_dir)
PY
