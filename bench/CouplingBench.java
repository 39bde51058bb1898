import java.io.DataInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

import dev.flowmatching.coupling.SinkhornCoupling;
import dev.flowmatching.metric.Assignment;

/**
 * Times exact OT (the Hungarian method) and log-domain Sinkhorn on the cost matrices written by
 * bench/couplings.py, for it to set beside POT. Prints one JSON line per (method, batch) with milliseconds.
 *
 *   java -cp ... bench/CouplingBench.java FILE [FILE ...]   (FILE: int32 B, then B*B float64 costs, little-endian)
 */
public final class CouplingBench {
    public static void main(String[] args) throws IOException {
        double epsilon = 0.05;
        for (String file : args) {
            double[][] cost = read(file);
            int b = cost.length;
            Assignment.solve(cost); // warm-up (JIT)
            new SinkhornCoupling(epsilon).plan(cost);
            long t0 = System.nanoTime();
            int[] match = Assignment.solve(cost);
            double exactMs = (System.nanoTime() - t0) / 1e6;
            double total = 0;
            for (int i = 0; i < b; i++) {
                total += cost[i][match[i]];
            }
            t0 = System.nanoTime();
            SinkhornCoupling.Plan plan = new SinkhornCoupling(epsilon).plan(cost);
            double sinkMs = (System.nanoTime() - t0) / 1e6;
            System.out.println(String.format(Locale.ROOT, "{\"method\": \"exact\", \"batch\": %d, \"ms\": %.3f, \"cost\": %.6f}",
                    b, exactMs, total / b));
            System.out.println(String.format(Locale.ROOT,
                    "{\"method\": \"sinkhorn\", \"batch\": %d, \"ms\": %.3f, \"iterations\": %d}", b, sinkMs, plan.iterations()));
        }
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
