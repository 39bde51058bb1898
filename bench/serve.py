"""The PyTorch side of BenchServer.java: the command loop by which bench/compare.py drives a benchmark in turns.

Commands on standard input, one per line: "NAME N" runs workload NAME N times and prints one JSON line with every
timing; "warmup SECONDS" runs the workloads in turn, three rounds, for that long in all. Every answer ends with {"name": "done"}.
"""
import json
import sys
import time


def each(n, once):
    """Wall and process CPU milliseconds of n calls of once()."""
    ms, cpu = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        once()
        ms.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    return ms, cpu


def serve(workloads):
    """workloads: name -> function(n) returning (wall ms, CPU ms) of n repetitions."""
    print(json.dumps({"name": "ready"}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            break
        name, n = line.split()
        if name == "warmup":  # as BenchServer.java: the workloads in turn, three rounds
            for _ in range(3):
                for run in workloads.values():
                    end = time.perf_counter() + int(n) / (3 * len(workloads))
                    while time.perf_counter() < end:
                        run(1)
        elif name in workloads:
            ms, cpu = workloads[name](int(n))
            print(json.dumps({"name": name, "ms": ms, "cpu_ms": cpu}))
        else:
            sys.exit(f"serve: unknown command {line.strip()!r}; workloads: {sorted(workloads)}")
        print(json.dumps({"name": "done"}), flush=True)
