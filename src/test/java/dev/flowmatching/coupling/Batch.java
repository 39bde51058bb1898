package dev.flowmatching.coupling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Test helpers: random clouds, reading pairs back, costs and the brute-force optimum. */
final class Batch {
    private Batch() {
    }

    static float[][] cloud(Random r, int n, int d, double scale) {
        float[][] x = new float[n][d];
        for (float[] row : x) {
            for (int k = 0; k < d; k++) {
                row[k] = (float) (r.nextGaussian() * scale);
            }
        }
        return x;
    }

    /** The rows of a (B, ...) array, flattened, as float arrays. */
    static float[][] rows(NDArray x) {
        int n = (int) x.getShape().get(0);
        float[] flat = x.toFloatArray();
        int d = flat.length / n;
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = Arrays.copyOfRange(flat, i * d, (i + 1) * d);
        }
        return out;
    }

    static double squaredDistance(float[] a, float[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            double diff = (double) a[k] - b[k];
            s += diff * diff;
        }
        return s;
    }

    /** sum_i |a_i - b_i|^2: the cost of pairing row i with row i. */
    static double pairedCost(float[][] a, float[][] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += squaredDistance(a[i], b[i]);
        }
        return s;
    }

    static double[][] costMatrix(float[][] a, float[][] b) {
        double[][] c = new double[a.length][b.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                c[i][j] = squaredDistance(a[i], b[j]);
            }
        }
        return c;
    }

    /** The minimum of sum_i |a_i - b_s(i)|^2 over all n! permutations s. */
    static double bruteForceOtCost(float[][] a, float[][] b) {
        return dev.flowmatching.metric.Permutations.minCost(costMatrix(a, b));
    }

    private static void swap(int[] p, int i, int j) {
        int t = p[i];
        p[i] = p[j];
        p[j] = t;
    }

    /** The rows as sorted strings: equal lists mean equal multisets of rows. */
    static List<String> multiset(float[][] rows) {
        List<String> out = new ArrayList<>();
        for (float[] r : rows) {
            out.add(Arrays.toString(r));
        }
        out.sort(null);
        return out;
    }

    /** The pairs (a_i, b_i) as a sorted list of strings: equal lists mean the same set of pairs. */
    static List<String> pairs(float[][] a, float[][] b) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < a.length; i++) {
            out.add(Arrays.toString(a[i]) + "->" + Arrays.toString(b[i]));
        }
        out.sort(null);
        return out;
    }

    static NDArray array(NDManager m, float[][] x) {
        return m.create(x);
    }

    /** The rows of x in a random order. */
    static float[][] shuffled(float[][] x, Random r) {
        List<float[]> list = new ArrayList<>(Arrays.asList(x));
        java.util.Collections.shuffle(list, r);
        return list.toArray(float[][]::new);
    }
}
