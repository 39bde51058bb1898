"""The notebook runner: injection, outputs checked, notebooks never rewritten, clear kernel errors."""
import hashlib
import json
import os
import subprocess
import sys
import time

import nbformat
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNNER = os.path.join(ROOT, "tools", "run_notebooks.py")
KERNEL = "java-flow-matching"


def notebook(path, *cells):
    nb = nbformat.v4.new_notebook()
    for src, tags in cells:
        c = nbformat.v4.new_code_cell(src)
        if tags:
            c.metadata["tags"] = tags
        nb.cells.append(c)
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Java (flow matching)", "language": "java"}
    nbformat.write(nb, str(path))
    return path


def run(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, RUNNER, *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout)


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_injects_settings_after_parameters_cell_and_leaves_notebook_unchanged(tmp_path):
    nb = notebook(tmp_path / "tiny.ipynb", ("int n = 1;", ["parameters"]), ('System.out.println("n=" + n);', []))
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"tiny.ipynb": ["n = 5;"]}))
    before = digest(nb)
    r = run(nb, "--params", params, "--out", tmp_path / "out")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 passed, 0 failed" in r.stdout
    assert digest(nb) == before
    executed = nbformat.read(str(tmp_path / "out" / "tiny.ipynb"), 4)
    printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert "n=5" in printed


def test_cell_error_fails_the_run_and_names_the_cell(tmp_path):
    nb = notebook(tmp_path / "bad.ipynb", ("int x = 1;", []), ('throw new IllegalStateException("boom");', []))
    r = run(nb, "--out", tmp_path / "out")
    assert r.returncode == 1
    assert "cell 1 failed" in r.stdout and "boom" in r.stdout


def test_figure_cell_without_png_fails(tmp_path):
    nb = notebook(tmp_path / "nofig.ipynb", ('System.out.println("no picture here");', ["figure"]))
    r = run(nb, "--out", tmp_path / "out")
    assert r.returncode == 1
    assert "tagged 'figure' but shows no image/png" in r.stdout


def test_settings_for_a_notebook_without_parameters_cell_are_an_error(tmp_path):
    nb = notebook(tmp_path / "noparams.ipynb", ("int n = 1;", []))
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"noparams.ipynb": ["n = 5;"]}))
    r = run(nb, "--params", params, "--out", tmp_path / "out")
    assert r.returncode == 1
    assert "no code cell tagged 'parameters'" in r.stdout


def test_kernel_that_never_starts_fails_clearly_and_in_time(tmp_path):
    spec_dir = tmp_path / "jupyter" / "kernels" / "never"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps(
        {"argv": ["sleep", "600"], "display_name": "never", "language": "java"}))
    nb = notebook(tmp_path / "x.ipynb", ("int n = 1;", []))
    env = dict(os.environ, JUPYTER_PATH=str(tmp_path / "jupyter"))
    started = time.time()
    r = run(nb, "--kernel", "never", "--startup-timeout", "5", "--out", tmp_path / "out", env=env, timeout=120)
    assert time.time() - started < 90
    assert r.returncode == 1
    assert "did not start within 5 s" in r.stdout and "./setup.sh" in r.stdout, r.stdout


def test_unknown_kernel_names_the_setup_command(tmp_path):
    nb = notebook(tmp_path / "x.ipynb", ("int n = 1;", []))
    r = run(nb, "--kernel", "no-such-kernel", "--out", tmp_path / "out")
    assert r.returncode == 1
    assert "no-such-kernel" in r.stdout and "./setup.sh" in r.stdout, r.stdout


def test_kernel_without_the_jar_fails_on_the_first_cell_naming_setup(tmp_path):
    # JJava's own kernelspec "java" has no class path of ours: the set-up notebook must say what to do.
    src = os.path.join(ROOT, "notebooks", "00-setup.ipynb")
    r = run(src, "--kernel", "java", "--out", tmp_path / "out")
    assert r.returncode == 1
    assert "helper jar is not on this kernel's class path" in r.stdout and "./setup.sh" in r.stdout, r.stdout
