"""Benchmark: Java (DJL) against PyTorch in Python on the 2D flow-matching workloads, side by side.

Runs bench/FlowBench.java and bench/flow_bench.py with the same thread count and allocator (jemalloc
preloaded where installed, as the kernelspec does), then prints median and p90 of each and the Java/Python
ratio. A benchmark, not a test: it prints figures and asserts nothing.

    bench/run.sh [--threads N] [--steps 500] [--runs 30] [--repeat 3] [--allocator jemalloc|glibc]

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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import install_kernel  # noqa: E402


def quantile(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def run(cmd, env):
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd[:3])} ... failed:\n{out.stdout}\n{out.stderr}")
    return {r["name"]: r["ms"] for r in map(json.loads, (l for l in out.stdout.splitlines() if l.startswith("{")))}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--steps", type=int, default=500)
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--allocator", choices=["jemalloc", "glibc"], default="jemalloc",
                   help="jemalloc (as the kernelspec preloads it, where installed) or glibc's malloc")
    args = p.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    env.pop("LD_PRELOAD", None)
    lib = install_kernel.jemalloc() if args.allocator == "jemalloc" else None
    if lib:
        env.update(LD_PRELOAD=lib, MALLOC_CONF=install_kernel.MALLOC_CONF)
    cp = os.pathsep.join([os.path.join(ROOT, "target", "flow-matching.jar")]
                         + sorted(glob.glob(os.path.join(ROOT, "target", "lib", "*.jar"))))
    java_cmd = ["java", f"-Dai.djl.pytorch.num_threads={args.threads}", "-Dai.djl.pytorch.num_interop_threads=1",
                "-Dai.djl.offline=true", "-cp", cp, os.path.join(ROOT, "bench", "FlowBench.java"),
                str(args.steps), str(args.runs)]
    python_cmd = [sys.executable, os.path.join(ROOT, "bench", "flow_bench.py"), str(args.steps), str(args.runs),
                  str(args.threads)]
    java, python = {}, {}
    for _ in range(args.repeat):
        for pooled, cmd in ((java, java_cmd), (python, python_cmd)):
            for name, ms in run(cmd, env).items():
                pooled.setdefault(name, []).extend(ms)
    import torch  # only to print its version
    print(f"threads {args.threads}, allocator {args.allocator if lib else 'glibc'}, PyTorch {torch.__version__}, "
          f"{args.repeat} x ({args.steps} training steps, {args.runs} sampling runs) per language")
    print(f"{'workload':30} {'Java median':>12} {'Java p90':>9} {'p90/med':>8} {'Py median':>10} {'Py p90':>8} {'Java/Py':>8}")
    for name in java:
        j, py = java[name], python[name]
        jm, jp, pm, pp = statistics.median(j), quantile(j, 0.9), statistics.median(py), quantile(py, 0.9)
        print(f"{name:30} {jm:10.3f}ms {jp:7.3f}ms {jp / jm:8.2f} {pm:8.3f}ms {pp:6.3f}ms {jm / pm:8.2f}")


if __name__ == "__main__":
    main()
