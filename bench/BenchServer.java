import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import dev.flowmatching.runtime.Rng;
import dev.flowmatching.train.FlowMatchingTrainer;
import dev.flowmatching.train.StepInfo;

/**
 * The loop by which bench/compare.py drives a Java benchmark in turns with its PyTorch twin (bench/serve.py). Both
 * processes stay up and warm and take turns at short blocks of work, so that the shared machine's drift (+-30%
 * from minute to minute) falls on both alike and each block's Java/PyTorch ratio compares like with like.
 *
 * <p>Commands on standard input, one per line:
 * <ul>
 *   <li>{@code NAME N}: runs workload NAME N times, prints one JSON line with every timing;</li>
 *   <li>{@code warmup SECONDS}: runs every workload in turn for at least that long, then on in further rounds
 *       until a round in which the JIT compiled for under {@value #QUIET_JIT_MS} ms (at most
 *       {@value #WARMUP_LIMIT} times SECONDS), and prints how long that took. Why: on two cores the JIT takes a
 *       core from libtorch's threads while it compiles, and a method called once per training step reaches C2's
 *       threshold (thousands of calls) only after minutes of steps; a compile of the optimizer's step during a
 *       turn made that turn's steps slower and the pooled p90 a measure of the JIT. The rounds also format
 *       timings as the answers do, so that code too is compiled before the first turn.</li>
 * </ul>
 * Every answer ends with {@code {"name": "done", "jit_ms": X}}: the JIT's compile time since the previous answer,
 * which covers the other process's turn too, so a reader sees whether Java was quiet while Python ran.
 */
final class BenchServer {
    /** Wall and process CPU time of each repetition, in milliseconds. */
    record Timings(double[] ms, double[] cpuMs) {
    }

    /** A workload that runs n repetitions and times each. */
    interface Workload {
        Timings run(int n);
    }

    private static final int WARMUP_ROUNDS = 3;

    /** A warm-up round in which the JIT compiled for less than this many milliseconds ends the warm-up. */
    static final int QUIET_JIT_MS = 20;

    /** The warm-up stops after this many times the seconds asked for, quiet or not. */
    static final int WARMUP_LIMIT = 6;

    private BenchServer() {
    }

    static void serve(Map<String, Workload> workloads) throws IOException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        long mark = jit.getTotalCompilationTime();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("{\"name\": \"ready\"}");
        for (String line; (line = in.readLine()) != null && !line.isBlank(); ) {
            String[] words = line.trim().split("\\s+");
            int n = Integer.parseInt(words[1]);
            if (words[0].equals("warmup")) {
                System.out.println(warmUp(workloads, jit, n).json());
            } else if (workloads.containsKey(words[0])) {
                Timings t = workloads.get(words[0]).run(n);
                System.out.println("{\"name\": \"" + words[0] + "\", \"ms\": [" + join(t.ms()) + "], \"cpu_ms\": ["
                        + join(t.cpuMs()) + "]}");
            } else {
                throw new IllegalArgumentException("unknown command '" + line + "'; workloads: " + workloads.keySet());
            }
            long now = jit.getTotalCompilationTime();
            System.out.println("{\"name\": \"done\", \"jit_ms\": " + (now - mark) + "}");
            System.out.flush();
            mark = now;
        }
    }

    /** Times {@code once} n times. */
    static Timings each(int n, Runnable once) {
        double[] ms = new double[n];
        double[] cpu = new double[n];
        for (int k = 0; k < n; k++) {
            long t0 = System.nanoTime();
            long c0 = cpuNanos();
            once.run();
            ms[k] = (System.nanoTime() - t0) / 1e6;
            cpu[k] = (cpuNanos() - c0) / 1e6;
        }
        return new Timings(ms, cpu);
    }

    /** Times n training steps, each from the end of the step before (as a notebook's progress display sees them). */
    static Timings steps(FlowMatchingTrainer trainer, Rng rng, int n) {
        double[] ms = new double[n];
        double[] cpu = new double[n];
        long[] last = {System.nanoTime(), cpuNanos()};
        int[] i = {0};
        trainer.train(n, rng, (StepInfo info) -> {
            long now = System.nanoTime();
            long cpuNow = cpuNanos();
            ms[i[0]] = (now - last[0]) / 1e6;
            cpu[i[0]++] = (cpuNow - last[1]) / 1e6;
            last[0] = now;
            last[1] = cpuNow;
        });
        return new Timings(ms, cpu);
    }

    /** CPU time of the whole process (all threads): unlike wall time, it barely moves when other jobs share the cores. */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** How a warm-up ended: its length, and whether the JIT was quiet (or the limit was reached). */
    record Warmup(double seconds, boolean quiet) {
        String json() {
            return "{\"name\": \"warmup\", \"seconds\": " + seconds + ", \"quiet\": " + quiet + "}";
        }
    }

    /**
     * Runs the workloads in turn, in rounds, each workload an equal share of a third of {@code seconds} per round
     * (the JIT then also sees the switches between them: code compiled for one may be recompiled once the other
     * has run), at least three rounds and on until the JIT is quiet (see the class comment).
     */
    private static Warmup warmUp(Map<String, Workload> workloads, CompilationMXBean jit, int seconds) {
        long start = System.nanoTime();
        long perWorkload = seconds * 1_000_000_000L / (WARMUP_ROUNDS * workloads.size());
        for (int round = 0; ; round++) {
            long compiled = jit.getTotalCompilationTime();
            for (Workload w : workloads.values()) {
                long end = System.nanoTime() + perWorkload;
                while (System.nanoTime() < end) {
                    Timings t = w.run(1);
                    join(t.ms()).length(); // the answers' formatting, compiled now rather than in a turn
                }
            }
            long elapsed = System.nanoTime() - start;
            boolean quiet = jit.getTotalCompilationTime() - compiled < QUIET_JIT_MS;
            if (round + 1 >= WARMUP_ROUNDS && (quiet || elapsed >= WARMUP_LIMIT * seconds * 1_000_000_000L)) {
                return new Warmup(elapsed / 1e9, quiet);
            }
        }
    }

    /** Comma-separated, to 0.1 microsecond; plain arithmetic, not String.format, which is much more to compile. */
    private static String join(double[] values) {
        StringBuilder out = new StringBuilder();
        for (double v : values) {
            out.append(out.isEmpty() ? "" : ",").append(Math.round(v * 1e4) / 1e4);
        }
        return out.toString();
    }
}
