package dev.flowmatching.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDManager;

import dev.flowmatching.runtime.Torch;

class EnergyDistanceTest {

    static float[][] normal(Random r, int n, int d, double shift) {
        float[][] x = new float[n][d];
        for (float[] p : x) {
            for (int k = 0; k < d; k++) {
                p[k] = (float) (r.nextGaussian() + (k == 0 ? shift : 0));
            }
        }
        return x;
    }

    static float[][] uniform1d(Random r, int n, double low) {
        float[][] x = new float[n][1];
        for (float[] p : x) {
            p[0] = (float) (low + r.nextDouble());
        }
        return x;
    }

    static double dist(float[] a, float[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            s += ((double) a[k] - b[k]) * ((double) a[k] - b[k]);
        }
        return Math.sqrt(s);
    }

    /** The definition spelled out: all ordered pairs, i = j skipped within a cloud, by plain double loops. */
    static double reference(float[][] a, float[][] b, boolean unbiased) {
        double cross = 0;
        for (float[] p : a) {
            for (float[] q : b) {
                cross += dist(p, q);
            }
        }
        cross /= (double) a.length * b.length;
        return 2 * cross - within(a, unbiased) - within(b, unbiased);
    }

    static double within(float[][] x, boolean unbiased) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x.length; j++) {
                if (i != j) {
                    s += dist(x[i], x[j]);
                }
            }
        }
        int n = x.length;
        return unbiased ? (n == 1 ? 0 : s / ((double) n * (n - 1))) : s / ((double) n * n);
    }

    @Test
    void twoPointMassesAreTwiceTheirDistanceApart() {
        float[][] a = {{0, 0}};
        float[][] b = {{3, 4}};
        assertEquals(10, EnergyDistance.squared(a, b), 1e-12);
        // n copies of a and m copies of b: the within terms are 0
        float[][] as = {{1, 1}, {1, 1}, {1, 1}};
        float[][] bs = {{1, 3}, {1, 3}, {1, 3}, {1, 3}, {1, 3}};
        assertEquals(4, EnergyDistance.squared(as, bs), 1e-12);
        assertEquals(0, EnergyDistance.squared(as, new float[][] {{1, 1}}), 0);
    }

    @Test
    void matchesAHandComputedSmallCase() {
        // a = {0, 1}, b = {3, 5}: E|X - Y| = (3 + 5 + 2 + 4) / 4 = 3.5; U-statistics: E|X - X'| = 1, E|Y - Y'| = 2.
        assertEquals(7 - 1 - 2, EnergyDistance.squared(new float[][] {{0}, {1}}, new float[][] {{3}, {5}}), 1e-12);
    }

    @Test
    void equalsThePlainDoubleLoopOfTheDefinition() {
        Random r = new Random(1);
        for (int[] nm : new int[][] {{1, 2}, {2, 1}, {7, 13}, {60, 45}}) {
            float[][] a = normal(r, nm[0], 3, 0.5);
            float[][] b = normal(r, nm[1], 3, 0);
            assertEquals(reference(a, b, true), EnergyDistance.squared(a, b), 1e-10, nm[0] + " x " + nm[1]);
        }
    }

    @Test
    void isSymmetric() {
        Random r = new Random(2);
        float[][] a = normal(r, 300, 2, 1);
        float[][] b = normal(r, 170, 2, 0);
        assertEquals(EnergyDistance.squared(a, b), EnergyDistance.squared(b, a), 1e-12);
    }

    @Test
    void isUnbiasedForTwoSamplesOfOneDistribution() {
        // Over many tiny samples (5 and 7 points) of N(0, I) in 2D, the estimates average to 0. The V-statistic
        // (dividing by n^2) would average to E|X - X'| (1/5 + 1/7) = sqrt(pi) * 12/35 ~ 0.61.
        Random r = new Random(3);
        int reps = 4000;
        double sum = 0;
        double sumSq = 0;
        double vSum = 0;
        for (int k = 0; k < reps; k++) {
            float[][] a = normal(r, 5, 2, 0);
            float[][] b = normal(r, 7, 2, 0);
            double e = EnergyDistance.squared(a, b);
            sum += e;
            sumSq += e * e;
            vSum += reference(a, b, false);
        }
        double mean = sum / reps;
        double se = Math.sqrt((sumSq / reps - mean * mean) / reps);
        assertEquals(0, mean, 4 * se, "mean of " + reps + " estimates (standard error " + se + ")");
        assertEquals(Math.sqrt(Math.PI) * 12 / 35, vSum / reps - mean, 0.03, "the V-statistic's bias");
    }

    @Test
    void fiveThousandPointsOfOneDistributionAreNearZeroInAFewSeconds() {
        Random r = new Random(4);
        float[][] a = normal(r, 5000, 2, 0);
        float[][] b = normal(r, 5000, 2, 0);
        long start = System.nanoTime();
        double same = EnergyDistance.squared(a, b);
        double seconds = (System.nanoTime() - start) / 1e9;
        double shifted = EnergyDistance.squared(a, normal(r, 5000, 2, 0.5));
        System.out.printf("energy distance D^2, 5000 x 5000 points in 2D: %.2e (same distribution, %.2f s), %.4f "
                + "(shifted by 0.5)%n", same, seconds, shifted);
        // under P = Q the estimate's spread is O(1/n): values from -3e-4 to 1.1e-3 were seen for other seeds
        assertEquals(0, same, 3e-3);
        assertTrue(shifted > 0.05, "a shift of 0.5 gives D^2 " + shifted);
    }

    @Test
    void matchesTheClosedFormForShiftedUniformClouds() {
        // X ~ U[0, 1], Y ~ U[s, s + 1]: Y - X = s + W with W triangular on [-1, 1], so for 0 <= s <= 1
        // E|X - Y| = s + (1 - s)^3 / 3 and E|X - X'| = E|Y - Y'| = 1/3, hence D^2 = 2 s + 2 (1 - s)^3 / 3 - 2/3.
        Random r = new Random(5);
        int reps = 30;
        for (double s : new double[] {0, 0.25, 0.5, 1}) {
            double exact = 2 * s + 2 * Math.pow(1 - s, 3) / 3 - 2.0 / 3;
            double sum = 0;
            double sumSq = 0;
            for (int k = 0; k < reps; k++) {
                double e = EnergyDistance.squared(uniform1d(r, 1000, 0), uniform1d(r, 1000, s));
                sum += e;
                sumSq += e * e;
            }
            double mean = sum / reps;
            double se = Math.sqrt((sumSq / reps - mean * mean) / (reps - 1));
            System.out.printf("uniform clouds shifted by %.2f: D^2 %.4f +- %.4f, closed form %.4f%n", s, mean, se, exact);
            assertEquals(exact, mean, 4 * se + 1e-4, "shift " + s);
            assertTrue(se < 0.005, "standard error " + se);
        }
    }

    @Test
    void readsNdArrays() {
        Random r = new Random(6);
        float[][] a = normal(r, 20, 2, 0);
        float[][] b = normal(r, 30, 2, 1);
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            assertEquals(EnergyDistance.squared(a, b), EnergyDistance.squared(m.create(a), m.create(b)), 0);
        }
    }

    @Test
    void badInputIsNamed() {
        float[][] ok = {{0, 0}, {1, 1}};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EnergyDistance.squared(new float[0][2], ok));
        assertTrue(e.getMessage().contains("cloud a is empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EnergyDistance.squared(ok, new float[0][2]));
        assertTrue(e.getMessage().contains("cloud b is empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EnergyDistance.squared(ok, new float[][] {{1, 2, 3}}));
        assertTrue(e.getMessage().contains("dimension 3") && e.getMessage().contains("dimension 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EnergyDistance.squared(new float[][] {{1, 2}, {3}}, ok));
        assertTrue(e.getMessage().contains("point 1 has dimension 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> EnergyDistance.squared(ok, new float[][] {{1, Float.NaN}}));
        assertTrue(e.getMessage().contains("cloud b point 0 is not finite"), e.getMessage());
    }
}
