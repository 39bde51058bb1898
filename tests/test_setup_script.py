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
