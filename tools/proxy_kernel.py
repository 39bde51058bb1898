"""A proxy kernel: lets a client that speaks IPC (Colab) use the Java kernel, which speaks only TCP.

    python tools/proxy_kernel.py -f CONNECTION_FILE [--kernel java-flow-matching]

The client starts the proxy with its connection file (transport "ipc" or "tcp"). The proxy binds the five
channels the client expects, writes a second connection file with fresh loopback TCP ports and the same key
and signature scheme, starts the real kernel from the kernelspec named by --kernel (its argv and env, as
jupyter_client would) and forwards every message both ways without decoding it, frame for frame, so the
HMAC signatures stay valid:

    shell, control, stdin   client DEALER -> proxy ROUTER ... proxy DEALER -> kernel ROUTER
                            (the ROUTER's identity frame travels in the envelope, which is not signed, and
                            comes back on the reply; the backend DEALERs share one identity, so the kernel's
                            input_request, addressed to the shell requester, reaches the stdin DEALER)
    iopub                   kernel PUB -> proxy SUB (subscribed to everything) -> proxy PUB -> client SUB
    heartbeat               client REQ -> proxy ROUTER ... proxy DEALER -> kernel: the kernel itself echoes,
                            so a hung or dead kernel stops the heartbeat as it would without the proxy

Interrupts: the Java kernelspec says interrupt_mode "message", so a client's interrupt_request comes on the
control channel and is forwarded like any message. A SIGINT sent to the proxy (a client using signal mode,
Ctrl-C in a terminal) becomes an interrupt_request that the proxy signs with the session key and sends on
its own control connection (the reply is dropped); the kernel is never sent SIGINT, since a JVM exits on it.

Lifetime: the proxy exits when the kernel exits (after a shutdown_request it forwarded, with the kernel's
code; otherwise with a message on stderr and a non-zero code, so the client reports that the kernel died).
On SIGTERM or SIGHUP it terminates the kernel's whole process tree (JJava's launcher and the JVM it starts),
SIGKILLs what is left after a few seconds, and exits. The kernel stays in the proxy's process group, so a
client that signals the group (jupyter_client does) reaches it directly, and the kernel's launcher gets
SIGTERM through PR_SET_PDEATHSIG if the proxy is SIGKILLed alone. A missing kernelspec, a bad connection
file or a kernel that exits at once: a clear line on stderr and exit code 2 (setup) or the kernel's code.
"""
import argparse
import json
import os
import re
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import time
import uuid

import zmq

DEFAULT_KERNEL = "java-flow-matching"
ROUTED = ("shell", "control", "stdin", "hb")
TERM_GRACE_S = 5.0


def log(msg):
    print(f"proxy_kernel: {msg}", file=sys.stderr, flush=True)


class SetupError(Exception):
    """Something that stops the proxy before the kernel runs: reported on stderr, exit code 2."""


def url(info, channel):
    port = info[f"{channel}_port"]
    if info.get("transport", "tcp") == "ipc":
        return f"ipc://{info['ip']}-{port}"
    return f"tcp://{info['ip']}:{port}"


def read_connection_file(path):
    try:
        with open(path) as f:
            info = json.load(f)
    except (OSError, ValueError) as e:
        raise SetupError(f"cannot read the connection file {path}: {e}") from e
    missing = [k for k in ("ip", "key") + tuple(f"{c}_port" for c in ROUTED + ("iopub",)) if k not in info]
    if missing:
        raise SetupError(f"connection file {path} lacks {', '.join(missing)}")
    if info.get("transport", "tcp") not in ("tcp", "ipc"):
        raise SetupError(f"connection file {path}: unknown transport {info['transport']!r}")
    return info


def find_kernelspec(name):
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    try:
        return KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise SetupError(f"no kernelspec named {name!r} (`jupyter kernelspec list` shows the installed ones; "
                         f"python tools/install_kernel.py installs the Java one)") from None


def kernel_command(spec, connection_file):
    ns = {"connection_file": connection_file, "resource_dir": spec.resource_dir, "prefix": sys.prefix}
    pat = re.compile(r"\{([A-Za-z0-9_]+)\}")
    cmd = [pat.sub(lambda m: str(ns.get(m.group(1), m.group(0))), arg) for arg in spec.argv]
    if cmd and cmd[0] in ("python", "python3", "python%i.%i" % sys.version_info[:2]):
        cmd[0] = sys.executable
    env = dict(os.environ)
    env.update({k: string.Template(str(v)).safe_substitute(os.environ) for k, v in (spec.env or {}).items()})
    return cmd, env


def _die_with_parent():
    """In the kernel's process, before exec: SIGTERM it when the proxy dies, even by SIGKILL (Linux only)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort, not on every platform
        pass


# --- process tree (Linux /proc; elsewhere only the direct child is known) ---

def _stat(pid):
    """(ppid, start time, state) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[1]), fields[19], fields[0]
    except (OSError, IndexError, ValueError):
        return None


def descendants(pid):
    """{pid: start time} of every live process below pid."""
    children = {}
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return {}
    stats = {p: _stat(p) for p in pids}
    for p, st in stats.items():
        if st:
            children.setdefault(st[0], []).append(p)
    found, todo = {}, [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in found:
                found[c] = stats[c][1]
                todo.append(c)
    return found


def _alive(pid, start):
    st = _stat(pid)
    if st is None:
        return False
    return st[1] == start and st[2] not in ("Z", "X")


class Proxy:
    def __init__(self, connection_file, kernel_name):
        self.connection_file = connection_file
        self.kernel_name = kernel_name
        self.info = read_connection_file(connection_file)
        self.spec = find_kernelspec(kernel_name)
        self.ctx = zmq.Context()
        self.child = None
        self.tree = {}          # pid -> start time of every process seen below the proxy
        self.stop_signal = None
        self.interrupts = 0
        self.shutdown_seen = False
        self.workdir = None

    # --- sockets ---

    def bind_frontend(self):
        self.front = {}
        for ch in ROUTED:
            s = self.ctx.socket(zmq.ROUTER)
            s.linger = 1000
            s.bind(url(self.info, ch))
            self.front[ch] = s
        s = self.ctx.socket(zmq.PUB)
        s.linger = 1000
        s.bind(url(self.info, "iopub"))
        self.front["iopub"] = s

    def connect_backend(self, kinfo):
        identity = f"proxy-{uuid.uuid4()}".encode()
        self.back = {}
        for ch in ROUTED:
            s = self.ctx.socket(zmq.DEALER)
            s.linger = 0
            if ch != "hb":
                s.identity = identity  # one identity: input_request on stdin goes to the shell requester
            s.connect(url(kinfo, ch))
            self.back[ch] = s
        s = self.ctx.socket(zmq.SUB)
        s.linger = 0
        s.setsockopt(zmq.SUBSCRIBE, b"")
        s.connect(url(kinfo, "iopub"))
        self.back["iopub"] = s
        # The proxy's own control connection, for SIGINT -> interrupt_request; its replies are dropped.
        self.own_control = self.ctx.socket(zmq.DEALER)
        self.own_control.linger = 0
        self.own_control.connect(url(kinfo, "control"))
        from jupyter_client.session import Session
        self.session = Session(key=self.info["key"].encode(),
                               signature_scheme=self.info.get("signature_scheme", "hmac-sha256"),
                               username="proxy_kernel")

    # --- the kernel ---

    def start_kernel(self):
        from jupyter_client.connect import write_connection_file
        self.workdir = tempfile.mkdtemp(prefix="proxy-kernel-")
        kfile = os.path.join(self.workdir, "kernel.json")
        _, kinfo = write_connection_file(
            kfile, ip="127.0.0.1", transport="tcp", key=self.info["key"].encode(),
            signature_scheme=self.info.get("signature_scheme", "hmac-sha256"), kernel_name=self.kernel_name)
        self.connect_backend(kinfo)
        cmd, env = kernel_command(self.spec, kfile)
        try:
            self.child = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        except OSError as e:
            raise SetupError(f"cannot start the kernel {self.kernel_name!r} ({cmd[0]}): {e}") from e
        self.tree[self.child.pid] = _stat(self.child.pid)[1] if _stat(self.child.pid) else None

    def remember_tree(self):
        if self.child is not None:
            self.tree.update(descendants(os.getpid()))

    def terminate_tree(self):
        """SIGTERM the kernel and everything below it, then SIGKILL what is left after TERM_GRACE_S."""
        self.remember_tree()
        live = {p: t for p, t in self.tree.items() if t is not None and _alive(p, t)}
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for p in live:
                try:
                    os.kill(p, sig)
                except OSError:
                    pass
            deadline = time.time() + (TERM_GRACE_S if sig == signal.SIGTERM else 2)
            while time.time() < deadline:
                if self.child is not None:
                    self.child.poll()  # reap the direct child
                live = {p: t for p, t in live.items() if _alive(p, t)}
                if not live:
                    return
                time.sleep(0.05)
        if live:
            log(f"processes still alive after SIGKILL: {sorted(live)}")

    # --- forwarding ---

    def _peek_shutdown(self, frames):
        # A shutdown_request's header (the frame after the delimiter and signature) names its type; only read.
        try:
            i = frames.index(b"<IDS|MSG>")
            if b'"shutdown_request"' in frames[i + 2]:
                self.shutdown_seen = True
        except (ValueError, IndexError):
            pass

    def forward(self, source, target, channel, budget=1000):
        for _ in range(budget):
            try:
                frames = source.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            if channel == "control" and source is self.front["control"]:
                self._peek_shutdown(frames)
            try:
                target.send_multipart(frames, zmq.NOBLOCK)
            except zmq.Again:
                log(f"{channel}: queue full, one message dropped")

    def send_interrupt(self):
        log("SIGINT: sending interrupt_request to the kernel")
        self.session.send(self.own_control, "interrupt_request", {})

    def run(self):
        routes = []  # (source, target, channel)
        for ch in ROUTED:
            routes.append((self.front[ch], self.back[ch], ch))
            routes.append((self.back[ch], self.front[ch], ch))
        routes.append((self.back["iopub"], self.front["iopub"], "iopub"))
        poller = zmq.Poller()
        for src, _, _ in routes:
            poller.register(src, zmq.POLLIN)
        poller.register(self.own_control, zmq.POLLIN)
        by_source = {src: (dst, ch) for src, dst, ch in routes}
        backs = set(self.back.values())
        next_scan = 0.0
        while True:
            if self.stop_signal is not None:
                log(f"signal {self.stop_signal}: terminating the kernel")
                self.terminate_tree()
                return 128 + self.stop_signal
            if self.interrupts:
                self.interrupts = 0
                self.send_interrupt()
            events = dict(poller.poll(100))
            for sock in events:
                if sock is self.own_control:
                    try:
                        sock.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        pass
                    continue
                dst, ch = by_source[sock]
                if sock in backs and self.workdir:
                    # The kernel answers, so it has read its connection file: remove it (and its key) now.
                    shutil.rmtree(self.workdir, ignore_errors=True)
                    self.workdir = None
                self.forward(sock, dst, ch)
            if time.time() >= next_scan:
                self.remember_tree()
                next_scan = time.time() + 1.0
            rc = self.child.poll()
            if rc is not None:
                # Pass on what the kernel sent before it exited (the shutdown_reply, its last status).
                deadline = time.time() + 0.5
                while time.time() < deadline:
                    for sock in dict(poller.poll(50)):
                        if sock is not self.own_control and sock in backs:
                            dst, ch = by_source[sock]
                            self.forward(sock, dst, ch)
                self.terminate_tree()  # anything the kernel left running (a JVM orphaned by its launcher)
                if self.shutdown_seen:
                    return rc
                log(f"the kernel {self.kernel_name!r} exited with code {rc} without being asked to shut down "
                    f"(command: {' '.join(self.child.args)})")
                return rc if rc else 1

    def close(self):
        for group in (getattr(self, "front", {}), getattr(self, "back", {})):
            for s in group.values():
                s.close()
        if hasattr(self, "own_control"):
            self.own_control.close()
        self.ctx.term()
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-f", "--connection-file", required=True, help="the client's connection file (ipc or tcp)")
    p.add_argument("--kernel", default=DEFAULT_KERNEL, help="the kernelspec of the real kernel")
    args = p.parse_args(argv)
    proxy = None
    try:
        proxy = Proxy(args.connection_file, args.kernel)
        proxy.bind_frontend()

        def on_stop(signum, frame):
            proxy.stop_signal = signum

        def on_interrupt(signum, frame):
            proxy.interrupts += 1

        signal.signal(signal.SIGTERM, on_stop)
        signal.signal(signal.SIGHUP, on_stop)
        signal.signal(signal.SIGINT, on_interrupt)
        proxy.start_kernel()
        log(f"forwarding {proxy.info.get('transport', 'tcp')} ({proxy.info['ip']}) to kernel "
            f"{args.kernel!r} (pid {proxy.child.pid}) over tcp")
        code = proxy.run()
    except SetupError as e:
        log(str(e))
        code = 2
    except zmq.ZMQError as e:
        log(f"cannot open the client's sockets: {e}")
        code = 2
    finally:
        if proxy is not None:
            if proxy.child is not None and proxy.child.poll() is None:
                proxy.terminate_tree()
            proxy.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
