package dev.flowmatching.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

class WassersteinTest {

    /** The minimum over all n! permutations, by brute force. */
    static double bruteForceW2(float[][] a, float[][] b) {
        return Math.sqrt(Permutations.minCost(Wasserstein.squaredDistances(a, b)) / a.length);
    }

    static float[][] cloud(Random r, int n, int d) {
        float[][] x = new float[n][d];
        for (float[] row : x) {
            for (int k = 0; k < d; k++) {
                row[k] = (float) (r.nextGaussian() * 2);
            }
        }
        return x;
    }

    @Test
    void equalsBruteForceOverAllPermutationsForSmallClouds() {
        Random r = new Random(1);
        for (int n = 1; n <= 8; n++) {
            for (int trial = 0; trial < 5; trial++) {
                float[][] a = cloud(r, n, 2);
                float[][] b = cloud(r, n, 2);
                assertEquals(bruteForceW2(a, b), Wasserstein.w2(a, b), 1e-9, "n=" + n + " trial " + trial);
            }
        }
    }

    @Test
    void equalsTheSortedClosedFormIn1D() {
        // In 1D the optimal plan matches the i-th smallest of a with the i-th smallest of b.
        Random r = new Random(2);
        int n = 300;
        float[][] a = cloud(r, n, 1);
        float[][] b = cloud(r, n, 1);
        double[] sa = Arrays.stream(a).mapToDouble(p -> p[0]).sorted().toArray();
        double[] sb = Arrays.stream(b).mapToDouble(p -> p[0]).sorted().toArray();
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += (sa[i] - sb[i]) * (sa[i] - sb[i]);
        }
        assertEquals(Math.sqrt(s / n), Wasserstein.w2(a, b), 1e-9);
    }

    @Test
    void aCloudAndItsShiftAreTheShiftApart() {
        Random r = new Random(3);
        float[][] a = cloud(r, 50, 2);
        float[][] b = Arrays.stream(a).map(p -> new float[] {p[0] + 3, p[1] - 4}).toArray(float[][]::new);
        assertEquals(0, Wasserstein.w2(a, a), 1e-12);
        assertEquals(5, Wasserstein.w2(a, b), 1e-5);
    }

    @Test
    void badInputIsNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Wasserstein.w2(new float[2][2], new float[3][2]))
                .getMessage().contains("equal size"));
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> Wasserstein.w2(new float[][] {{0, 0}, {1, Float.NaN}}, new float[2][2]));
        assertTrue(nan.getMessage().contains("NaN at row 1"), nan.getMessage());
        int tooMany = Wasserstein.MAX_POINTS + 1;
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Wasserstein.w2(new float[tooMany][1], new float[tooMany][1])).getMessage().contains("at most"));
    }
}
