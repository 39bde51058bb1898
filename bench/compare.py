"""Benchmark: Java (DJL) against PyTorch in Python on the 2D flow-matching workloads, side by side.

Runs bench/FlowBench.java and bench/flow_bench.py with the same thread count and allocator (jemalloc
preloaded where installed, as the kernelspec does), then prints median and p90 of each and the Java/Python
ratio. A benchmark, not a test: it prints figures and asserts nothing.

    bench/run.sh [--threads N] [--steps 500] [--runs 30] [--repeat 3] [--allocator jemalloc|glibc]
    bench/run.sh unet [--threads N] [--steps 30] [--runs 10] [--repeat 2] [--memory-steps 2000]
    bench/run.sh flowers-unet [--threads N] [--steps 10] [--runs 2] [--repeat 2]

`unet`: the MNIST notebook's UNet (bench/UNetBench.java against its PyTorch twin bench/unet.py): a training
step at batch 64 and Euler sampling (10 steps, batch 64) of the "small" UNet; both parameter counts, checked
equal; v of the Java UNet against the twin given the same random weights; and the Java process's resident
memory over --memory-steps training steps of the "tiny" UNet.

`flowers-unet`: the same for the Flowers notebook's CPU UNet (UNetConfig.flowers("small", 64, 0), 1.88M
parameters): a training step at batch 32 on 3 x 64 x 64 images and Euler sampling (10 steps, batch 32); both
parameter counts and v on the same random weights checked as for `unet`; no memory trace.

Java and Python alternate, --repeat times each, so that drift in the machine's speed (a shared 2-core VM
moves by +-30% from minute to minute) falls on both alike; every timing of every repeat is pooled.
"""
import argparse
import glob
import json
import os
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


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", nargs="?", choices=["flow", "unet", "flowers-unet"], default="flow",
                   help="flow: notebook 01's 2D workloads (default); unet: the MNIST UNet; flowers-unet: the "
                        "64 x 64 Flowers UNet")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--steps", type=int, help="training steps timed per run (flow 500, unet 30, flowers-unet 10)")
    p.add_argument("--runs", type=int, help="sampling runs timed per run (flow 30, unet 10, flowers-unet 2)")
    p.add_argument("--repeat", type=int, help="runs per language (flow 3, unet and flowers-unet 2)")
    p.add_argument("--memory-steps", type=int, default=2000, help="unet: training steps of the RSS trace")
    p.add_argument("--allocator", choices=["jemalloc", "glibc"], default="jemalloc",
                   help="jemalloc (as the kernelspec preloads it, where installed) or glibc's malloc")
    args = p.parse_args()
    unet = args.mode in ("unet", "flowers-unet")
    model = "flowers-small" if args.mode == "flowers-unet" else "small"
    defaults = {"flow": (500, 30, 3), "unet": (30, 10, 2), "flowers-unet": (10, 2, 2)}[args.mode]
    args.steps = args.steps or defaults[0]
    args.runs = args.runs or defaults[1]
    args.repeat = args.repeat or defaults[2]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    env.pop("LD_PRELOAD", None)
    lib = install_kernel.jemalloc() if args.allocator == "jemalloc" else None
    if lib:
        env.update(LD_PRELOAD=lib, MALLOC_CONF=install_kernel.MALLOC_CONF)
    cp = os.pathsep.join([os.path.join(ROOT, "target", "flow-matching.jar")]
                         + sorted(glob.glob(os.path.join(ROOT, "target", "lib", "*.jar"))))
    jvm = ["java", f"-Dai.djl.pytorch.num_threads={args.threads}", "-Dai.djl.pytorch.num_interop_threads=1",
           "-Dai.djl.offline=true", "-cp", cp]
    if unet:
        java_cmd = jvm + [os.path.join(ROOT, "bench", "UNetBench.java"), "time", str(args.steps), str(args.runs), model]
        python_cmd = [sys.executable, os.path.join(ROOT, "bench", "unet.py"), str(args.steps), str(args.runs),
                      str(args.threads), model]
        same_unet(jvm, env, model)
    else:
        java_cmd = jvm + [os.path.join(ROOT, "bench", "FlowBench.java"), str(args.steps), str(args.runs)]
        python_cmd = [sys.executable, os.path.join(ROOT, "bench", "flow_bench.py"), str(args.steps), str(args.runs),
                      str(args.threads)]
    java, python, java_cpu, python_cpu = {}, {}, {}, {}
    for _ in range(args.repeat):
        for pooled, cpu, cmd in ((java, java_cpu, java_cmd), (python, python_cpu, python_cmd)):
            for r in records(cmd, env):
                if "ms" in r:
                    pooled.setdefault(r["name"], []).extend(r["ms"])
                if "cpu_ms" in r:
                    cpu.setdefault(r["name"], []).extend(r["cpu_ms"])
    import torch  # only to print its version
    print(f"threads {args.threads}, allocator {args.allocator if lib else 'glibc'}, PyTorch {torch.__version__}, "
          f"{args.repeat} x ({args.steps} training steps, {args.runs} sampling runs) per language, "
          f"1-minute load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'workload':34} {'Java median':>12} {'Java p90':>9} {'p90/med':>8} {'Py median':>10} {'Py p90':>8} {'Java/Py':>8}")
    for name in java:
        j, py = java[name], python[name]
        jm, jp, pm, pp = statistics.median(j), quantile(j, 0.9), statistics.median(py), quantile(py, 0.9)
        print(f"{name:34} {jm:10.3f}ms {jp:7.3f}ms {jp / jm:8.2f} {pm:8.3f}ms {pp:6.3f}ms {jm / pm:8.2f}")
    if java_cpu:
        # CPU time of each process (all its threads): on a shared machine it moves far less than wall time.
        print(f"{'CPU time':34} {'Java median':>12} {'Java p90':>9} {'':>8} {'Py median':>10} {'Py p90':>8} {'Java/Py':>8}")
        for name in java_cpu:
            j, py = java_cpu[name], python_cpu[name]
            jm, jp, pm, pp = statistics.median(j), quantile(j, 0.9), statistics.median(py), quantile(py, 0.9)
            print(f"{name:34} {jm:10.3f}ms {jp:7.3f}ms {'':>8} {pm:8.3f}ms {pp:6.3f}ms {jm / pm:8.2f}")
    if args.mode == "unet" and args.memory_steps > 0:  # --memory-steps 0 skips the trace
        memory(jvm[:1] + ["-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"] + jvm[1:]
               + [os.path.join(ROOT, "bench", "UNetBench.java"), "memory", str(args.memory_steps)], env)


def same_unet(jvm, env, model):
    """Exits unless the Java UNet and the PyTorch twin have equal parameter counts and give the same v."""
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "unet.bin")
        exported = records(jvm + [os.path.join(ROOT, "bench", "UNetBench.java"), "export", f, model], env)
        check = records([sys.executable, os.path.join(ROOT, "bench", "unet.py"), "check", f, model], env)[0]
    counts = next(r["value"] for r in exported if r["name"] == "params"), check["params"]
    if counts[0] != counts[1]:
        sys.exit(f"bench: the Java UNet has {counts[0]} parameters, the PyTorch twin {counts[1]}")
    print(f"UNet '{model}': {counts[0]:,} parameters in Java and in PyTorch; same random weights, largest |v| difference "
          f"{check['max_abs_diff']:.2e} (|v| up to {check['max_abs_v']:.2f})")
    if not check["max_abs_diff"] <= 1e-3 * max(1.0, check["max_abs_v"]):
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
