"""binder/postBuild, run as Binder would but without Docker (tools/check_binder.sh): a fresh venv with the pins
of requirements.txt, a fresh clone of this checkout (its committed files), then postBuild; the kernelspec lands
in that venv and a cell runs on it. About 70 s on a 2-core VM with ~/.m2 and pip's cache warm, so it runs in CI."""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.skipif(not (shutil.which("mvn") and shutil.which("java") and shutil.which("git")),
                    reason="needs a JDK, Maven and git")
def test_post_build_installs_a_kernel_that_runs_a_cell():
    p = subprocess.run(["bash", os.path.join(ROOT, "tools", "check_binder.sh")], cwd=ROOT, timeout=420,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert p.returncode == 0, p.stdout[-4000:]
    assert "check_binder: ok, the cell printed 2" in p.stdout
