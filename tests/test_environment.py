"""environment.yml (conda, Binder) and requirements.txt (the venv) describe the same environment."""
import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def requirement_pins():
    pins = {}
    with open(os.path.join(ROOT, "requirements.txt")) as f:
        for line in f:
            line = line.split("#")[0].strip()
            if line:
                name, version = line.split("==")
                pins[name.lower()] = version
    return pins


def environment():
    with open(os.path.join(ROOT, "environment.yml")) as f:
        return yaml.safe_load(f)


def test_conda_and_venv_pin_the_same_python_packages():
    env = environment()
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    conda_pins = dict(p.lower().split("==") for p in pip)
    assert conda_pins == requirement_pins()
    assert all(re.fullmatch(r"[\w.]+", v) for v in conda_pins.values()), "every package is pinned to a version"


def test_conda_has_the_java_toolchain_and_python():
    deps = [d for d in environment()["dependencies"] if isinstance(d, str)]
    assert "python=3.11" in deps
    assert "openjdk=17" in deps
    assert any(d.startswith("maven") for d in deps)


def test_binder_uses_the_same_environment_and_builds_the_kernel():
    binder_env = os.path.join(ROOT, "binder", "environment.yml")
    with open(binder_env) as a, open(os.path.join(ROOT, "environment.yml")) as b:
        assert a.read() == b.read()
    with open(os.path.join(ROOT, "binder", "postBuild")) as f:
        post = f.read()
    assert "mvn" in post and "tools/install_kernel.py" in post
    assert os.access(os.path.join(ROOT, "binder", "postBuild"), os.X_OK)
