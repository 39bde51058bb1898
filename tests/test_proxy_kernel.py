"""The proxy kernel (tools/proxy_kernel.py): a client on IPC sockets (as Colab is) runs Java cells through
it, sees the same messages as a client talking TCP to JJava directly, can interrupt, shuts it down without
leaving a process behind, and gets a clear error, not a hang, when the kernel behind the proxy cannot start."""
import json
import os
import re
import signal
import subprocess
import sys
import time

import jupyter_client
import psutil
import pytest
from jupyter_client import KernelManager

import install_proxy_kernel
from kernel_client import execute

KERNEL = "java-flow-matching"
PROXY = "java-flow-matching-proxy"
TEST_LIMIT_S = 240

CELLS = {
    "println": 'System.out.println("hello from java");',
    "image": "dev.flowmatching.notebook.Display.show(new java.awt.image.BufferedImage(4, 4, 1));",
    "update": 'String id = dev.flowmatching.notebook.Display.showUpdatable("a");\n'
              'dev.flowmatching.notebook.Display.update(id, "b");',
    "error": 'throw new IllegalStateException("boom");',
}


@pytest.fixture(autouse=True)
def time_limit():
    """Fails a test that runs past TEST_LIMIT_S instead of hanging the run (no pytest-timeout here)."""
    def expire(signum, frame):
        raise TimeoutError(f"test ran past {TEST_LIMIT_S} s")
    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TEST_LIMIT_S)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="module")
def jupyter_path(tmp_path_factory):
    """A JUPYTER_PATH holding the proxy kernelspec and two broken kernels (the real one stays in sys.prefix)."""
    prefix = tmp_path_factory.mktemp("prefix")
    install_proxy_kernel.install(prefix=str(prefix))
    kernels = prefix / "share" / "jupyter" / "kernels"
    exits = kernels / "exits-at-once"
    exits.mkdir()
    (exits / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", "import sys; print('cannot start', file=sys.stderr); sys.exit(3)",
                 "{connection_file}"],
        "display_name": "exits at once", "language": "java", "interrupt_mode": "message"}))
    install_proxy_kernel.install(prefix=str(prefix), name="proxy-to-exits", kernel="exits-at-once")
    install_proxy_kernel.install(prefix=str(prefix), name="proxy-to-missing", kernel="no-such-kernel")
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(prefix / "share" / "jupyter")
    yield prefix
    if old is None:
        del os.environ["JUPYTER_PATH"]
    else:
        os.environ["JUPYTER_PATH"] = old


def start_proxied(tmp_dir, name=PROXY, **kw):
    km = KernelManager(kernel_name=name, transport="ipc", connection_file=str(tmp_dir / "kernel.json"))
    km.start_kernel(cwd=str(tmp_dir), **kw)
    kc = km.client()
    kc.start_channels()
    return km, kc


def tree(km):
    """The proxy and every process below it (JJava's launcher and its JVM)."""
    proxy = psutil.Process(km.provisioner.process.pid)
    return [proxy] + proxy.children(recursive=True)


def gone(procs, timeout):
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    return [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]


@pytest.fixture(scope="module")
def proxied(jupyter_path, tmp_path_factory):
    km, kc = start_proxied(tmp_path_factory.mktemp("ipc"))
    try:
        kc.wait_for_ready(timeout=120)
    except Exception:
        km.shutdown_kernel(now=True)
        raise
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def direct():
    km, kc = jupyter_client.manager.start_new_kernel(kernel_name=KERNEL, startup_timeout=120)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def outputs(msgs, kind):
    return [m for m in msgs if m["msg_type"] == kind]


def test_the_client_talks_ipc_and_the_kernel_is_jjava(proxied):
    km, kc = proxied
    info = km.get_connection_info()
    assert info["transport"] == "ipc"
    assert os.path.exists(f"{info['ip']}-{info['shell_port']}"), "shell is an IPC socket file"
    kc.kernel_info()
    reply = kc.get_shell_msg(timeout=30)
    assert reply["msg_type"] == "kernel_info_reply"
    assert reply["content"]["language_info"]["name"].lower() == "java"
    deadline = time.time() + 15  # the heartbeat channel counts as beating after its first echo
    while not kc.hb_channel.is_beating() and time.time() < deadline:
        time.sleep(0.2)
    assert kc.hb_channel.is_beating(), "the kernel's heartbeat echoes through the proxy"


def test_println(proxied):
    reply, msgs = execute(proxied[1], CELLS["println"])
    assert reply["content"]["status"] == "ok", reply["content"]
    streams = outputs(msgs, "stream")
    assert "".join(m["content"]["text"] for m in streams) == "hello from java\n"
    assert {m["content"]["name"] for m in streams} == {"stdout"}


def test_image_display(proxied):
    reply, msgs = execute(proxied[1], CELLS["image"])
    assert reply["content"]["status"] == "ok", reply["content"]
    displays = outputs(msgs, "display_data")
    assert len(displays) == 1 and "image/png" in displays[0]["content"]["data"]


def test_display_update_keeps_its_id(proxied):
    reply, msgs = execute(proxied[1], CELLS["update"])
    assert reply["content"]["status"] == "ok", reply["content"]
    kinds = [m["msg_type"] for m in msgs if m["msg_type"] in ("display_data", "update_display_data")]
    assert kinds == ["display_data", "update_display_data"]
    first, update = [m for m in msgs if m["msg_type"] in kinds]
    assert first["content"]["transient"]["display_id"] == update["content"]["transient"]["display_id"]
    assert update["content"]["data"]["text/plain"] == "b"


def test_error_with_traceback(proxied):
    reply, msgs = execute(proxied[1], CELLS["error"])
    content = reply["content"]
    assert content["status"] == "error"
    # JJava reports ename "RuntimeException", evalue "java.lang.IllegalStateException, boom"
    assert "IllegalStateException" in content["ename"] + content["evalue"], content
    assert "boom" in content["evalue"], content
    errors = outputs(msgs, "error")
    assert len(errors) == 1 and errors[0]["content"]["traceback"], "the traceback reaches the client"


def normalized(msgs, reply):
    """Message types and contents, less what differs between any two kernels (ids, counts)."""
    def clean(content):
        c = {k: v for k, v in content.items() if k != "execution_count"}
        if "transient" in c:
            c["transient"] = {k: "ID" for k in c["transient"]}
        if "traceback" in c:  # JJava numbers its snippets per kernel: "at .(#19:1)"
            c["traceback"] = [re.sub(r"#\d+:", "#N:", line) for line in c["traceback"]]
        return c
    return [(m["msg_type"], clean(m["content"])) for m in msgs] + [("reply", clean(reply["content"]))]


def test_the_proxy_changes_nothing(proxied, direct):
    for name, code in CELLS.items():
        via_proxy = normalized(*reversed(execute(proxied[1], code)))
        straight = normalized(*reversed(execute(direct[1], code)))
        assert via_proxy == straight, name


def test_interrupt_message_stops_a_cell_and_control_comes_back(proxied):
    km, kc = proxied
    started = time.time()
    reply, _ = execute(kc, "while (true) { Thread.sleep(10); }", timeout=30,
                       on_sent=lambda: (time.sleep(3), km.interrupt_kernel()))
    assert time.time() - started < 15, "the interrupt ends the cell within seconds"
    assert reply["content"]["status"] in ("error", "aborted"), reply["content"]
    reply, msgs = execute(kc, 'System.out.println("after");')
    assert reply["content"]["status"] == "ok"
    assert "after" in "".join(m["content"]["text"] for m in outputs(msgs, "stream"))


def test_sigint_to_the_proxy_interrupts_too(proxied):
    km, kc = proxied
    pid = km.provisioner.process.pid
    started = time.time()
    reply, _ = execute(kc, "while (true) { Thread.sleep(10); }", timeout=30,
                       on_sent=lambda: (time.sleep(3), os.kill(pid, signal.SIGINT)))
    assert time.time() - started < 15
    assert reply["content"]["status"] in ("error", "aborted"), reply["content"]
    assert km.is_alive(), "SIGINT interrupts; it does not end the kernel"
    reply, _ = execute(kc, "int x = 1;")
    assert reply["content"]["status"] == "ok"


def test_shutdown_leaves_no_process(jupyter_path, tmp_path):
    km, kc = start_proxied(tmp_path)
    try:
        kc.wait_for_ready(timeout=120)
        procs = tree(km)
        assert any("java" in " ".join(p.cmdline()) for p in procs[1:]), "the proxy runs JJava"
        assert len(procs) >= 3, procs  # proxy, launcher, JVM
        execute(kc, "int y = 2;")
        started = time.time()
        km.shutdown_kernel()  # a shutdown_request through the proxy; the kernel exits, then the proxy
        took = time.time() - started
        assert gone(procs, timeout=10) == []
        assert took < km.shutdown_wait_time, "the proxy exits on its own, before jupyter_client kills it"
        assert km.provisioner is None or km.provisioner.process is None or km.provisioner.process.poll() == 0
    finally:
        kc.stop_channels()
        if km.has_kernel:
            km.shutdown_kernel(now=True)


def test_sigterm_to_the_proxy_alone_ends_the_kernel(jupyter_path, tmp_path):
    km, kc = start_proxied(tmp_path)
    try:
        kc.wait_for_ready(timeout=120)
        procs = tree(km)
        assert len(procs) >= 3, procs
        os.kill(procs[0].pid, signal.SIGTERM)  # the proxy's pid only, not its process group
        assert gone(procs, timeout=15) == []
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_sigkill_to_the_proxy_alone_ends_the_kernel(jupyter_path, tmp_path):
    km, kc = start_proxied(tmp_path)
    try:
        kc.wait_for_ready(timeout=120)
        procs = tree(km)
        assert len(procs) >= 3, procs
        os.kill(procs[0].pid, signal.SIGKILL)  # no clean-up in the proxy: PR_SET_PDEATHSIG on the launcher
        assert gone(procs, timeout=15) == []
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.mark.parametrize("name, message", [
    ("proxy-to-exits", "proxy_kernel: the kernel 'exits-at-once' exited with code 3"),
    ("proxy-to-missing", "proxy_kernel: no kernelspec named 'no-such-kernel'"),
])
def test_a_kernel_that_cannot_start_gives_a_clear_error(jupyter_path, tmp_path, name, message):
    started = time.time()
    km, kc = start_proxied(tmp_path, name=name, stderr=subprocess.PIPE)
    try:
        with pytest.raises(RuntimeError, match="died"):
            kc.wait_for_ready(timeout=60)
        assert time.time() - started < 20, "an error within seconds, not a hang"
        err = km.provisioner.process.stderr.read().decode()
        assert message in err, err
        assert km.provisioner.process.poll() != 0
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_the_proxy_kernelspec(tmp_path):
    target, spec = install_proxy_kernel.install(prefix=str(tmp_path))
    with open(os.path.join(target, "kernel.json")) as f:
        assert json.load(f) == spec
    assert spec["argv"] == [sys.executable, install_proxy_kernel.PROXY, "-f", "{connection_file}",
                            "--kernel", "java-flow-matching"]
    assert os.path.isfile(spec["argv"][1])
    assert spec["display_name"] == "Java (flow matching, via proxy)"
    assert spec["language"] == "java" and spec["interrupt_mode"] == "message"
    install_proxy_kernel.install(prefix=str(tmp_path))  # re-running replaces it in place
    assert os.listdir(os.path.dirname(target)) == ["java-flow-matching-proxy"]
