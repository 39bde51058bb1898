package dev.flowmatching.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDManager;

import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;

class GaussianTest {

    @Test
    void samplesHaveTheRequestedMeanAndCovariance() {
        double[] mean = {5, -2};
        double[][] cov = {{2.0, 0.8}, {0.8, 0.5}};
        int n = 200_000;
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            float[] x = new Gaussian(mean, cov).sample(m, n, new Rng(9)).toFloatArray();
            double[] mu = new double[2];
            for (int i = 0; i < n; i++) {
                mu[0] += x[2 * i];
                mu[1] += x[2 * i + 1];
            }
            mu[0] /= n;
            mu[1] /= n;
            double[][] c = new double[2][2];
            for (int i = 0; i < n; i++) {
                for (int a = 0; a < 2; a++) {
                    for (int b = 0; b < 2; b++) {
                        c[a][b] += (x[2 * i + a] - mu[a]) * (x[2 * i + b] - mu[b]) / n;
                    }
                }
            }
            assertEquals(5, mu[0], 0.015);
            assertEquals(-2, mu[1], 0.01);
            assertEquals(2.0, c[0][0], 0.03);
            assertEquals(0.8, c[0][1], 0.02);
            assertEquals(0.5, c[1][1], 0.01);
        }
    }

    @Test
    void choleskyReproducesTheMatrix() {
        double[][] a = {{4, 2, 0.4}, {2, 3, 0.5}, {0.4, 0.5, 1}};
        double[][] l = Gaussian.cholesky(a);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double s = 0;
                for (int k = 0; k < 3; k++) {
                    s += l[i][k] * l[j][k];
                }
                assertEquals(a[i][j], s, 1e-12);
            }
        }
    }

    @Test
    void badCovariancesAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new Gaussian(new double[] {0, 0}, new double[][] {{1, 2}, {2, 1}})).getMessage().contains("positive definite"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new Gaussian(new double[] {0, 0}, new double[][] {{1, 0}})).getMessage().contains("2x2"));
    }
}
