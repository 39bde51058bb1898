"""The kernelspec: one per name, class path for both kernels, threads, jemalloc, flavour settings."""
import json
import os
import shutil
import sys

import pytest

import install_kernel

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def prefix(tmp_path):
    """A scratch Python prefix holding a copy of the JJava kernel that pip installed into the venv."""
    src = os.path.join(sys.prefix, "share", "jupyter", "kernels", "java")
    dst = tmp_path / "share" / "jupyter" / "kernels" / "java"
    shutil.copytree(src, dst)
    return tmp_path


def test_cpu_kernelspec_puts_the_jar_on_both_kernels_class_paths(prefix):
    target, spec = install_kernel.install("cpu", ROOT, str(prefix))
    with open(os.path.join(target, "kernel.json")) as f:
        on_disk = json.load(f)
    assert on_disk == spec
    env = spec["env"]
    cp = env["JJAVA_CLASSPATH"].split(os.pathsep)
    assert cp[0] == os.path.join(ROOT, "target", "flow-matching.jar")
    assert any("pytorch-native-cpu" in p for p in cp)
    assert env["IJAVA_CLASSPATH"] == env["JJAVA_CLASSPATH"]
    assert f"-Dai.djl.pytorch.num_threads={os.cpu_count()}" in env["JJAVA_JVM_OPTS"]
    assert "-Dai.djl.offline=true" in env["JJAVA_JVM_OPTS"]
    assert spec["display_name"] == "Java (flow matching)"
    # the launcher runs the kernel JVM as "java" from PATH: the JDK of the kernelspec's argv comes first
    assert env["PATH"] == os.path.dirname(spec["argv"][0]) + os.pathsep + "${PATH}"
    assert os.path.isfile(os.path.join(target, "jjava.jar"))
    if install_kernel.jemalloc():
        assert env["LD_PRELOAD"].endswith("libjemalloc.so.2")
        assert env["MALLOC_CONF"] == "dirty_decay_ms:-1,muzzy_decay_ms:-1"


def test_gpu_kernelspec_is_not_offline_and_names_the_cuda_flavour(prefix, monkeypatch):
    monkeypatch.delenv("PYTORCH_FLAVOR", raising=False)
    _, spec = install_kernel.install("gpu", ROOT, str(prefix))
    assert "-Dai.djl.offline" not in spec["env"]["JJAVA_JVM_OPTS"]
    assert spec["env"]["PYTORCH_FLAVOR"] == "cu128"


def test_installing_twice_leaves_one_kernelspec(prefix):
    install_kernel.install("cpu", ROOT, str(prefix))
    install_kernel.install("cpu", ROOT, str(prefix))
    kernels = sorted(os.listdir(prefix / "share" / "jupyter" / "kernels"))
    assert kernels == ["java", "java-flow-matching"]


def test_missing_jjava_is_named(tmp_path):
    (tmp_path / "share" / "jupyter" / "kernels").mkdir(parents=True)
    with pytest.raises(SystemExit, match="pip install jjava"):
        install_kernel.install("cpu", ROOT, str(tmp_path))
