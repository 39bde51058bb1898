import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
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
 *   <li>{@code warmup SECONDS}: runs every workload in turn for that long, printing nothing (on two cores the
 *       JIT compiles for the first ~20 s and takes a core from libtorch's threads while it does).</li>
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
                warmUp(workloads, n);
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

    /**
     * Runs the workloads in turn, three rounds, each an equal share of {@code seconds}: the JIT then also sees the
     * switches between them (code compiled for one may be recompiled once the other has run).
     */
    private static void warmUp(Map<String, Workload> workloads, int seconds) {
        for (int round = 0; round < WARMUP_ROUNDS; round++) {
            for (Workload w : workloads.values()) {
                long end = System.nanoTime() + seconds * 1_000_000_000L / (WARMUP_ROUNDS * workloads.size());
                while (System.nanoTime() < end) {
                    w.run(1);
                }
            }
        }
    }

    private static String join(double[] values) {
        return String.join(",", Arrays.stream(values).mapToObj(v -> String.format(Locale.ROOT, "%.4f", v)).toList());
    }
}
