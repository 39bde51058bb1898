"""The Colab bootstrap (tools/colab_setup.py), run here without apt and GPU: it leaves a proxy kernelspec that a
client on IPC sockets (as Colab is) starts and runs a Java cell on; it would build with Maven, picking the
flavour from nvidia-smi; a failing step names itself and shows its output."""
import json
import os
import re
import subprocess
import sys

from jupyter_client import KernelManager

import colab_setup

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "tools", "colab_setup.py")
BASE = ["--skip-apt", "--project", ROOT]


def setup(*args, path_dirs=(), **kw):
    env = dict(os.environ, PATH=os.pathsep.join([*map(str, path_dirs), os.environ["PATH"]]))
    env.pop("JUPYTER_PATH", None)
    return subprocess.run([sys.executable, SCRIPT, *args], env=env, text=True, timeout=300,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def fake(bin_dir, name, script):
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / name).write_text("#!/bin/sh\n" + script + "\n")
    (bin_dir / name).chmod(0o755)


def test_pins_are_those_of_requirements():
    with open(os.path.join(ROOT, "requirements.txt")) as f:
        pins = {line.split("==")[0]: line.strip() for line in f if "==" in line}
    for pin in colab_setup.PINNED["pip"]:
        assert pins[pin.split("==")[0]] == pin


def test_dry_run_would_install_build_and_pick_the_flavour(tmp_path):
    out = setup("--dry-run", "--project", ROOT, "--prefix", str(tmp_path)).stdout
    assert "apt-get install -y -qq openjdk-17-jdk-headless maven" in out
    assert "pip install -q jjava==1.0a8 jupyter_client==8.10.0" in out
    assert "mvn -B -q -Dstyle.color=never -Pcpu -DskipTests package" in out
    assert "install_kernel.py --flavour cpu --prefix " + str(tmp_path) in out
    assert "install_proxy_kernel.py --prefix " + str(tmp_path) in out
    assert not (tmp_path / "share").exists(), "a dry run writes nothing"
    fake(tmp_path / "bin", "nvidia-smi", "echo 'GPU 0: NVIDIA A100 (UUID: GPU-x)'")
    gpu = setup("--dry-run", *BASE, path_dirs=[tmp_path / "bin"]).stdout
    assert "-Pgpu" in gpu and "--flavour gpu" in gpu
    forced = setup("--dry-run", "--cpu", *BASE, path_dirs=[tmp_path / "bin"]).stdout
    assert "-Pcpu" in forced and "apt-get" not in forced


def test_a_failing_step_names_itself_and_its_output(tmp_path):
    fake(tmp_path / "bin", "mvn", "echo 'BUILD FAILURE: marker 42'; exit 1")
    p = setup("--cpu", *BASE, "--prefix", str(tmp_path / "prefix"), path_dirs=[tmp_path / "bin"])
    assert p.returncode == 2
    assert re.search(r"step 'build the helper jar' failed \(exit 1\): mvn .*-Pcpu", p.stderr), p.stderr
    assert "BUILD FAILURE: marker 42" in p.stderr
    assert not (tmp_path / "prefix" / "share" / "jupyter" / "kernels" / "java-flow-matching").exists()


def test_the_placeholder_repository_is_refused(tmp_path):
    p = setup("--skip-apt", "--cpu", "--prefix", str(tmp_path))
    assert p.returncode == 2 and "REPO_URL is the placeholder" in p.stderr


def test_it_leaves_a_proxy_kernel_that_runs_a_cell_over_ipc(tmp_path, monkeypatch):
    prefix = tmp_path / "prefix"
    p = setup("--cpu", "--skip-build", *BASE, "--prefix", str(prefix), cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Runtime -> Change runtime type -> Java (flow matching, via proxy)" in p.stdout
    monkeypatch.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
    # The proxy carries the name the notebooks' metadata asks for; the TCP kernel sits behind it.
    spec = json.loads((prefix / "share" / "jupyter" / "kernels" / "java-flow-matching" / "kernel.json").read_text())
    assert "proxy_kernel" in " ".join(spec["argv"]) and "java-flow-matching-tcp" in spec["argv"], spec["argv"]
    assert (prefix / "share" / "jupyter" / "kernels" / "java-flow-matching-tcp" / "kernel.json").is_file()
    km = KernelManager(kernel_name="java-flow-matching", transport="ipc",
                       connection_file=str(tmp_path / "kernel.json"))
    assert km.kernel_spec.resource_dir.startswith(str(prefix))
    km.start_kernel(cwd=str(tmp_path))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        out = []
        reply = kc.execute_interactive("System.out.println(1 + 1);", timeout=60,
                                       output_hook=lambda m: out.append(m["content"].get("text", "")))
        assert reply["content"]["status"] == "ok", reply["content"]
        assert "".join(out) == "2\n"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
