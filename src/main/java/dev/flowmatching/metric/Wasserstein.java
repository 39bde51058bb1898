package dev.flowmatching.metric;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import dev.flowmatching.data.Distribution;
import dev.flowmatching.runtime.Rng;

/**
 * The exact 2-Wasserstein distance between two point clouds of equal size n with uniform weights:
 * <pre>
 *   W2(a, b) = sqrt( min over permutations s of (1/n) sum_i |a_i - b_s(i)|^2 )
 * </pre>
 * For equal-size uniform clouds an optimal plan is a permutation (Birkhoff), so it is found exactly by
 * {@link Assignment}: O(n^3) time and O(n^2) memory, which limits n to {@value #MAX_POINTS} (about a second
 * at 1000 points, up to tens of seconds at 2000 for clouds far apart).
 *
 * <p>Two finite samples of the same distribution are not at distance 0: {@link #noiseFloor} measures how
 * far apart two independent samples of the target are, which is the best a model can be shown to reach.
 */
public final class Wasserstein {
    public static final int MAX_POINTS = 2000;

    private Wasserstein() {
    }

    /** W2 between two (n, d) clouds. */
    public static double w2(float[][] a, float[][] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("W2 needs clouds of equal size, got " + a.length + " and " + b.length);
        }
        if (a.length == 0) {
            throw new IllegalArgumentException("W2 of empty clouds is undefined");
        }
        if (a.length > MAX_POINTS) {
            throw new IllegalArgumentException("exact W2 is O(n^3): at most " + MAX_POINTS + " points, got "
                    + a.length + " (use a subsample)");
        }
        double[][] cost = squaredDistances(a, b);
        int[] match = Assignment.solve(cost);
        double total = 0;
        for (int i = 0; i < match.length; i++) {
            total += cost[i][match[i]];
        }
        return Math.sqrt(total / a.length);
    }

    /** W2 between two (n, d) NDArrays. */
    public static double w2(NDArray a, NDArray b) {
        return w2(rows(a), rows(b));
    }

    /** W2 between two independent n-point samples of {@code target}: the floor a perfect model would show. */
    public static double noiseFloor(Distribution target, int n, NDManager manager, Rng rng) {
        try (NDManager sub = manager.newSubManager()) {
            return w2(target.sample(sub, n, rng), target.sample(sub, n, rng));
        }
    }

    static double[][] squaredDistances(float[][] a, float[][] b) {
        int n = a.length;
        int d = a[0].length;
        double[][] cost = new double[n][n];
        for (int i = 0; i < n; i++) {
            if (a[i].length != d || b[i].length != d) {
                throw new IllegalArgumentException("all points must have dimension " + d);
            }
            checkFinite(a[i], "first", i);
            checkFinite(b[i], "second", i);
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < d; k++) {
                    double diff = a[i][k] - b[j][k];
                    s += diff * diff;
                }
                cost[i][j] = s;
            }
        }
        return cost;
    }

    /** The assignment would never finish on NaN costs: say where the bad point is instead. */
    private static void checkFinite(float[] p, String cloud, int row) {
        for (float v : p) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("W2 needs finite points: the " + cloud + " cloud has " + v
                        + " at row " + row + " (did sampling diverge?)");
            }
        }
    }

    /** The rows of a (n, d) array as Java arrays. */
    public static float[][] rows(NDArray x) {
        if (x.getShape().dimension() != 2) {
            throw new IllegalArgumentException("expected a point cloud of shape (n, d), got " + x.getShape());
        }
        int n = (int) x.getShape().get(0);
        int d = (int) x.getShape().get(1);
        float[] flat = x.toFloatArray();
        float[][] out = new float[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * d, out[i], 0, d);
        }
        return out;
    }
}
