"""Benchmark: the project's couplings (Java) against POT (Python Optimal Transport) on the same cost matrices.

For batches of 256 and 1,024 it draws x0 ~ N(0, I) and x1 from eight Gaussians in 2D, writes the squared
distance matrix, and times exact OT (Java: Jonker-Volgenant shortest augmenting paths; POT: ot.emd, network
simplex) and entropic OT (Java: log-domain Sinkhorn; POT: ot.sinkhorn with method='sinkhorn_log'), epsilon =
0.05 x the mean cost, stopping at a marginal error of 1e-4. Each side is timed REPS times (default 5) after a
warm-up of 30 calls or 3 s, whichever ends first (the JIT needs it: one call is not steady state), on the same
machine in one run; prints the medians, their Java/POT ratio and each side's min-max spread. Not a test.

    bench/run.sh couplings    (or .venv/bin/python bench/couplings.py REPS, after mvn package)
"""
import glob
import json
import os
import struct
import subprocess
import sys
import tempfile
import statistics
import time

import numpy as np
import ot

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def costs(b, rng):
    x0 = rng.standard_normal((b, 2))
    angles = rng.integers(0, 8, b) * np.pi / 4
    x1 = 5 * np.stack([np.cos(angles), np.sin(angles)], 1) + 0.5 * rng.standard_normal((b, 2))
    return ((x0[:, None, :] - x1[None, :, :]) ** 2).sum(-1)


def timed(f, reps):
    """(median, min, max) milliseconds of f() over reps calls, after a warm-up as CouplingBench's (30 calls or 3 s)."""
    end = time.perf_counter() + 3
    for _ in range(30):
        f()
        if time.perf_counter() > end:
            break
    ms = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        ms.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ms), min(ms), max(ms)


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    rng = np.random.default_rng(0)
    batches = [256, 1024]
    matrices = {b: costs(b, rng) for b in batches}
    tmp = tempfile.mkdtemp()
    files = []
    for b, m in matrices.items():
        path = os.path.join(tmp, f"cost{b}.bin")
        with open(path, "wb") as f:
            f.write(struct.pack("<i", b))
            f.write(m.astype("<f8").tobytes())
        files.append(path)
    cp = os.pathsep.join([os.path.join(ROOT, "target", "flow-matching.jar")]
                         + sorted(glob.glob(os.path.join(ROOT, "target", "lib", "*.jar"))))
    out = subprocess.run(["java", "-cp", cp, os.path.join(ROOT, "bench", "CouplingBench.java"), str(reps), *files],
                         capture_output=True, text=True, check=True).stdout
    java = {(r["method"], r["batch"]): r for r in map(json.loads, (l for l in out.splitlines() if l.startswith("{")))}
    print(f"POT {ot.__version__}, numpy {np.__version__}; median of {reps} runs after a warm-up, [min-max]")
    print(f"{'method':10} {'batch':>6} {'Java ms':>10} {'POT ms':>10} {'Java/POT':>9}  "
          f"{'Java spread':>17} {'POT spread':>17}  notes")

    def row(method, b, j, p, note):
        spread = lambda lo, hi: f"[{lo:.1f}-{hi:.1f}]"
        print(f"{method:10} {b:6d} {j['ms']:10.2f} {p[0]:10.2f} {j['ms'] / p[0]:9.2f}  "
              f"{spread(j['min'], j['max']):>17} {spread(p[1], p[2]):>17}  {note}")

    for b, m in matrices.items():
        a = np.full(b, 1.0 / b)
        plan = ot.emd(a, a, m)
        j = java[("exact", b)]
        row("exact", b, j, timed(lambda: ot.emd(a, a, m), reps),
            f"mean cost Java {j['cost']:.4f}, POT {(plan * m).sum():.4f}")
        reg = 0.05 * m.mean()
        j = java[("sinkhorn", b)]
        row("sinkhorn", b, j, timed(lambda: ot.sinkhorn(a, a, m, reg, method="sinkhorn_log", stopThr=1e-4,
                                                        numItermax=1000), reps),
            f"Java iterations {j['iterations']}")


if __name__ == "__main__":
    main()
