"""Benchmark: the project's couplings (Java) against POT (Python Optimal Transport) on the same cost matrices.

For batches of 256 and 1,024 it draws x0 ~ N(0, I) and x1 from eight Gaussians in 2D, writes the squared
distance matrix, and times exact OT (Java: Hungarian method; POT: ot.emd, network simplex) and entropic OT
(Java: log-domain Sinkhorn; POT: ot.sinkhorn with method='sinkhorn_log'), epsilon = 0.05 x the mean cost,
stopping at a marginal error of 1e-4. One run each, same machine; prints the Java/POT ratio. Not a test.

    bench/run.sh couplings
"""
import glob
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import ot

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def costs(b, rng):
    x0 = rng.standard_normal((b, 2))
    angles = rng.integers(0, 8, b) * np.pi / 4
    x1 = 5 * np.stack([np.cos(angles), np.sin(angles)], 1) + 0.5 * rng.standard_normal((b, 2))
    return ((x0[:, None, :] - x1[None, :, :]) ** 2).sum(-1)


def main():
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
    out = subprocess.run(["java", "-cp", cp, os.path.join(ROOT, "bench", "CouplingBench.java"), *files],
                         capture_output=True, text=True, check=True).stdout
    java = {(r["method"], r["batch"]): r for r in map(json.loads, (l for l in out.splitlines() if l.startswith("{")))}
    print(f"POT {ot.__version__}, numpy {np.__version__}; one run each after one warm-up")
    print(f"{'method':10} {'batch':>6} {'Java ms':>10} {'POT ms':>10} {'Java/POT':>9}  notes")
    for b, m in matrices.items():
        a = np.full(b, 1.0 / b)
        ot.emd(a, a, m)
        t0 = time.perf_counter()
        plan = ot.emd(a, a, m)
        emd_ms = (time.perf_counter() - t0) * 1e3
        j = java[("exact", b)]
        note = f"mean cost Java {j['cost']:.4f}, POT {(plan * m).sum():.4f}"
        print(f"{'exact':10} {b:6d} {j['ms']:10.2f} {emd_ms:10.2f} {j['ms'] / emd_ms:9.2f}  {note}")
        reg = 0.05 * m.mean()
        ot.sinkhorn(a, a, m, reg, method="sinkhorn_log", stopThr=1e-4, numItermax=1000)
        t0 = time.perf_counter()
        ot.sinkhorn(a, a, m, reg, method="sinkhorn_log", stopThr=1e-4, numItermax=1000)
        sk_ms = (time.perf_counter() - t0) * 1e3
        j = java[("sinkhorn", b)]
        print(f"{'sinkhorn':10} {b:6d} {j['ms']:10.2f} {sk_ms:10.2f} {j['ms'] / sk_ms:9.2f}  Java iterations {j['iterations']}")


if __name__ == "__main__":
    main()
