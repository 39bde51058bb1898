import java.io.DataInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;

import dev.flowmatching.coupling.SinkhornCoupling;
import dev.flowmatching.metric.Assignment;

/**
 * Times exact OT ({@link Assignment}) and log-domain Sinkhorn on the cost matrices written by
 * bench/couplings.py, for it to set beside POT. After a warm-up for the JIT (30 calls or 3 s, whichever ends
 * first: one call is not enough, the solver at B = 256 reaches its steady speed after about 25), each is timed
 * REPS times; prints one JSON line per (method, batch) with the median, minimum and maximum milliseconds.
 *
 *   java -cp ... bench/CouplingBench.java REPS FILE [FILE ...]   (FILE: int32 B, then B*B float64 costs, little-endian)
 */
public final class CouplingBench {
    public static void main(String[] args) throws IOException {
        int reps = Integer.parseInt(args[0]);
        double epsilon = 0.05;
        for (String file : Arrays.copyOfRange(args, 1, args.length)) {
            double[][] cost = read(file);
            int b = cost.length;
            warmUp(() -> Assignment.solve(cost));
            warmUp(() -> new SinkhornCoupling(epsilon).plan(cost));
            double[] exactMs = new double[reps];
            int[] match = null;
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                match = Assignment.solve(cost);
                exactMs[r] = (System.nanoTime() - t0) / 1e6;
            }
            double total = 0;
            for (int i = 0; i < b; i++) {
                total += cost[i][match[i]];
            }
            double[] sinkMs = new double[reps];
            SinkhornCoupling.Plan plan = null;
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                plan = new SinkhornCoupling(epsilon).plan(cost);
                sinkMs[r] = (System.nanoTime() - t0) / 1e6;
            }
            System.out.println(String.format(Locale.ROOT, "{\"method\": \"exact\", \"batch\": %d, %s, \"cost\": %.6f}",
                    b, timings(exactMs), total / b));
            System.out.println(String.format(Locale.ROOT,
                    "{\"method\": \"sinkhorn\", \"batch\": %d, %s, \"iterations\": %d}", b, timings(sinkMs),
                    plan.iterations()));
        }
    }

    /** Calls {@code f} 30 times or for 3 s, whichever ends first (couplings.py warms POT up alike). */
    private static void warmUp(Runnable f) {
        long end = System.nanoTime() + 3_000_000_000L;
        for (int k = 0; k < 30 && System.nanoTime() < end; k++) {
            f.run();
        }
    }

    /** "ms" (the median), "min" and "max" of the timings, as JSON fields. */
    private static String timings(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        return String.format(Locale.ROOT, "\"ms\": %.3f, \"min\": %.3f, \"max\": %.3f", median, s[0], s[s.length - 1]);
    }

    private static double[][] read(String file) throws IOException {
        try (DataInputStream in = new DataInputStream(new FileInputStream(file))) {
            byte[] all = in.readAllBytes();
            ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
            int b = buf.getInt();
            double[][] cost = new double[b][b];
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < b; j++) {
                    cost[i][j] = buf.getDouble();
                }
            }
            return cost;
        }
    }
}
