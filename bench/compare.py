"""Benchmark: Java (DJL) against PyTorch in Python on the 2D flow-matching workloads, side by side.

Runs bench/FlowBench.java and bench/flow_bench.py with the same thread count and allocator (jemalloc
preloaded where installed, as the kernelspec does), then prints median and p90 of each and the Java/Python
ratio. A benchmark, not a test: it prints figures and asserts nothing.

    bench/run.sh [--threads N] [--blocks 12] [--steps 100] [--runs 3] [--warmup 45] [--allocator jemalloc|glibc]
    bench/run.sh unet [--threads N] [--blocks 8] [--steps 5] [--runs 1] [--memory-steps 2000]
    bench/run.sh flowers-unet [--threads N] [--blocks 4] [--steps 2] [--runs 1] [--model small]

`unet`: the MNIST notebook's UNet (bench/UNetBench.java against its PyTorch twin bench/unet.py): a training
step at batch 64 and Euler sampling (10 steps, batch 64) of the "small" UNet; both parameter counts, checked
equal; v of the Java UNet against the twin given the same random weights; and the Java process's resident
memory over --memory-steps training steps of the "tiny" UNet.

`flowers-unet`: the same for the Flowers notebook's CPU UNet (UNetConfig.flowers("small", 64, 0), 1.88M
parameters; --model base for the GPU one): a training step at batch 32 on 3 x 64 x 64 images and Euler sampling
(10 steps, batch 32); both parameter counts and v on the same random weights checked as for `unet`; no memory trace.

Both sides run where the project's code runs: on GPU 0 when there is one (CUDA_VISIBLE_DEVICES= keeps both on
the CPU). The JVM is $JAVA_HOME/bin/java where JAVA_HOME is set; --classes names benchmark classes compiled
beforehand (for a Java runtime without javac).

Both processes start once, run their workloads for --warmup seconds (default 45; Java's JIT compiles for ~20-40 s
and, on two cores, takes a core from libtorch while it does; Java goes on until a round of its warm-up in which the
JIT compiled for under 20 ms, as a method called once per step is compiled by C2 only after thousands of
steps), then take turns, --blocks turns each, the first
language alternating, each turn --steps training steps and --runs sampling runs (bench/BenchServer.java and
bench/serve.py). Drift in the machine's speed (a shared 2-core VM moves by +-30% from minute to minute) then
falls on both alike. Printed: pooled median and p90 per language, the ratio of the pooled medians, and the
ratio per pair of adjacent turns (median, range and a bootstrap 95% confidence interval of the median), which
cancels the drift between turns.
"""
import argparse
import glob
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import install_kernel  # noqa: E402


def quantile(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def records(cmd, env):
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd[:3])} ... failed:\n{out.stdout}\n{out.stderr}")
    return [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]


class Server:
    """A benchmark process (BenchServer.java or serve.py) that runs workloads on command and answers in JSON."""

    def __init__(self, cmd, env):
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, text=True, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.answer()  # "ready"

    def ask(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.answer()

    def answer(self):
        got = []
        for line in self.proc.stdout:
            if line.startswith("{"):
                r = json.loads(line)
                got.append(r)
                if r["name"] in ("done", "ready"):
                    return got
        sys.exit(f"bench: {' '.join(self.cmd[:3])} ... stopped:\n{self.proc.stderr.read()}")

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", nargs="?", choices=["flow", "unet", "flowers-unet"], default="flow",
                   help="flow: notebook 01's 2D workloads (default); unet: the MNIST UNet; flowers-unet: the "
                        "64 x 64 Flowers UNet")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--blocks", type=int, help="turns per language (flow 12, unet 8, flowers-unet 4)")
    p.add_argument("--steps", type=int, help="training steps per turn (flow 100, unet 5, flowers-unet 2)")
    p.add_argument("--runs", type=int, help="sampling runs per turn (flow 3, unet 1, flowers-unet 1)")
    p.add_argument("--warmup", type=int, default=45,
                   help="seconds each process runs its workloads before the first turn (Java: at least; on until its JIT "
                        "is quiet)")
    p.add_argument("--model", help="unet / flowers-unet: the UNet size (tiny, small, base; default small)")
    p.add_argument("--classes", help="folder of bench/*.java compiled beforehand (default: javac into a temp folder)")
    p.add_argument("--memory-steps", type=int, default=2000, help="unet: training steps of the RSS trace")
    p.add_argument("--allocator", choices=["jemalloc", "glibc"], default="jemalloc",
                   help="jemalloc (as the kernelspec preloads it, where installed) or glibc's malloc")
    args = p.parse_args()
    unet = args.mode in ("unet", "flowers-unet")
    model = ("flowers-" if args.mode == "flowers-unet" else "") + (args.model or "small")
    defaults = {"flow": (12, 100, 3), "unet": (8, 5, 1), "flowers-unet": (4, 2, 1)}[args.mode]
    args.blocks = args.blocks or defaults[0]
    args.steps = args.steps or defaults[1]
    args.runs = args.runs or defaults[2]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    env.pop("LD_PRELOAD", None)
    lib = install_kernel.jemalloc() if args.allocator == "jemalloc" else None
    if lib:
        env.update(LD_PRELOAD=lib, MALLOC_CONF=install_kernel.MALLOC_CONF)
    classes = args.classes or tempfile.mkdtemp(prefix="bench-classes-")
    cp = os.pathsep.join([classes, os.path.join(ROOT, "target", "flow-matching.jar")]
                         + sorted(glob.glob(os.path.join(ROOT, "target", "lib", "*.jar"))))
    jdk = os.path.join(os.environ["JAVA_HOME"], "bin") if os.environ.get("JAVA_HOME") else ""
    if not args.classes:
        subprocess.run([os.path.join(jdk, "javac"), "-d", classes, "-cp", cp] + [os.path.join(ROOT, "bench", f) for f in
                       ("BenchServer.java", "FlowBench.java", "UNetBench.java")], check=True)
    jvm = [os.path.join(jdk, "java"), f"-Dai.djl.pytorch.num_threads={args.threads}",
           "-Dai.djl.pytorch.num_interop_threads=1", "-Dai.djl.offline=true", "-cp", cp]
    if unet:
        same_unet(jvm, env, model)
        java = Server(jvm + ["UNetBench", "serve", model], env)
        python = Server([sys.executable, os.path.join(ROOT, "bench", "unet.py"), str(args.threads), model], env)
    else:
        java = Server(jvm + ["FlowBench"], env)
        python = Server([sys.executable, os.path.join(ROOT, "bench", "flow_bench.py"), str(args.threads)], env)
    batch = 32 if args.mode == "flowers-unet" else 64
    names = (f"train_step_{model}_batch_{batch}", f"euler_10_steps_batch_{batch}") if unet else \
        ("train_step", "euler_100_steps_2000_points")
    counts = {names[0]: args.steps, names[1]: args.runs}
    java_warmup = next(r for r in java.ask(f"warmup {args.warmup}") if r["name"] == "warmup")
    python.ask(f"warmup {args.warmup}")
    java.ask(f"{names[0]} 1")  # the compile time reported next covers the timed turns only
    blocks = {"Java": [], "PyTorch": []}  # per turn: name -> (wall ms, CPU ms)
    jit_ms = 0
    for b in range(args.blocks):
        order = (("Java", java), ("PyTorch", python)) if b % 2 == 0 else (("PyTorch", python), ("Java", java))
        for language, server in order:
            turn = {}
            for name in names:
                for r in server.ask(f"{name} {counts[name]}"):
                    if r["name"] == name:
                        turn[name] = (r["ms"], r["cpu_ms"])
                    elif r["name"] == "done" and "jit_ms" in r:
                        jit_ms += r["jit_ms"]
            blocks[language].append(turn)
    java.close()
    python.close()
    import torch  # only to print its version
    print(f"threads {args.threads}, allocator {args.allocator if lib else 'glibc'}, PyTorch {torch.__version__}; "
          f"after warm-ups of {args.warmup} s (PyTorch) and {java_warmup['seconds']:.0f} s (Java: "
          f"{'until its JIT was quiet' if java_warmup['quiet'] else 'its limit, the JIT still compiling'}), "
          f"{args.blocks} turns per language, alternating, of {args.steps} "
          f"training steps and {args.runs} sampling runs; 1-minute load average at the end {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores; Java's JIT compiled for {jit_ms} ms during the turns")
    report(names, blocks, 0, "wall time")
    if unet:
        # CPU time of each process (all its threads): on a shared machine it moves far less than wall time.
        report(names, blocks, 1, "CPU time")
    if args.mode == "unet" and args.memory_steps > 0:  # --memory-steps 0 skips the trace
        memory(jvm[:1] + ["-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"] + jvm[1:]
               + ["UNetBench", "memory", str(args.memory_steps)], env)


def report(names, blocks, which, title):
    """Pooled median and p90 per language; the Java/PyTorch ratio of pooled medians and per pair of adjacent turns."""
    print(f"{title}: {'workload':34} {'Java median':>12} {'Java p90':>10} {'p90/med':>8} {'Py median':>10} "
          f"{'Py p90':>9} {'p90/med':>8} {'Java/Py':>8} {'per turn: median (range)':>26}")
    for name in names:
        j = [v for turn in blocks["Java"] for v in turn[name][which]]
        py = [v for turn in blocks["PyTorch"] for v in turn[name][which]]
        jm, jp, pm, pp = statistics.median(j), quantile(j, 0.9), statistics.median(py), quantile(py, 0.9)
        turns = sorted(statistics.median(a[name][which]) / statistics.median(b[name][which])
                       for a, b in zip(blocks["Java"], blocks["PyTorch"]))
        lo, hi = bootstrap_median(turns)
        print(f"{'':{len(title) + 2}}{name:34} {jm:10.3f}ms {jp:8.3f}ms {jp / jm:8.2f} {pm:8.3f}ms {pp:7.3f}ms "
              f"{pp / pm:8.2f} {jm / pm:8.2f} {statistics.median(turns):14.2f} ({turns[0]:.2f}-{turns[-1]:.2f}; "
              f"95% CI of the median {lo:.2f}-{hi:.2f})")
    if len(blocks["Java"][0][names[0]][which]) >= 10:
        # The tail without the machine's drift between turns: each step against its own turn's median.
        figures = []
        for language in ("Java", "PyTorch"):
            turns = [t[names[0]][which] for t in blocks[language]]
            within = statistics.median(quantile(t, 0.9) / statistics.median(t) for t in turns)
            relative = quantile([v / statistics.median(t) for t in turns for v in t], 0.9)
            figures.append(f"{language} {within:.2f} ({relative:.2f})")
        print(f"{'':{len(title) + 2}}{names[0]}: p90/median within a turn, median over turns (p90 of every step over "
              f"its turn's median): {', '.join(figures)}")


def bootstrap_median(values, resamples=2000):
    """A 95% confidence interval of the median of values (percentile bootstrap, seeded): whether a ratio per pair
    of turns is told apart from 1 on this machine, or lies within its noise."""
    rng = random.Random(0)
    medians = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(resamples))
    return medians[int(0.025 * resamples)], medians[int(0.975 * resamples) - 1]


def same_unet(jvm, env, model):
    """Exits unless the Java UNet and the PyTorch twin have equal parameter counts and give the same v."""
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "unet.bin")
        exported = records(jvm + ["UNetBench", "export", f, model], env)
        check = records([sys.executable, os.path.join(ROOT, "bench", "unet.py"), "check", f, model], env)[0]
    counts = next(r["value"] for r in exported if r["name"] == "params"), check["params"]
    if counts[0] != counts[1]:
        sys.exit(f"bench: the Java UNet has {counts[0]} parameters, the PyTorch twin {counts[1]}")
    gpu = next(r["value"] for r in exported if r["name"] == "device").startswith("gpu")
    print(f"UNet '{model}': {counts[0]:,} parameters in Java and in PyTorch; same random weights, largest |v| difference "
          f"{check['max_abs_diff']:.2e} (|v| up to {check['max_abs_v']:.2f}; Java on the {'GPU' if gpu else 'CPU'}, "
          f"PyTorch on the CPU)")
    tolerance = 1e-3 * max(1.0, check["max_abs_v"])
    if gpu and "gpu_vs_cpu_diff" in check:
        print(f"  for scale: PyTorch's own GPU result differs from its CPU one by {check['gpu_vs_cpu_diff']:.2e}")
        tolerance = max(tolerance, 2 * check["gpu_vs_cpu_diff"])
    if not check["max_abs_diff"] <= tolerance:
        sys.exit("bench: the Java UNet and its PyTorch twin disagree: the comparison would not be like for like")


def memory(cmd, env):
    r = next(r for r in records(cmd, env) if r["name"].startswith("rss_mb"))
    steps, rss = r["step"], r["mb"]
    print(f"Java resident memory (heap fixed at 512 MB and pre-touched, so changes are native) over {steps[-1]} "
          f"training steps of the tiny UNet (batch 16; {r['seconds']:.0f} s, {r['cpu_seconds']:.0f} CPU-s), MB at step:")
    print("  " + ", ".join(f"{s}: {m:.0f}" for s, m in zip(steps, rss) if s % 500 == 0 or s == steps[-1]))
    later = [m for s, m in zip(steps, rss) if s >= 200]
    print(f"  from step 200 on: min {min(later):.0f} MB, max {max(later):.0f} MB, last - first {later[-1] - later[0]:+.0f} MB")


if __name__ == "__main__":
    main()
