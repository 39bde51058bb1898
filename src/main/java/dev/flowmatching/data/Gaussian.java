package dev.flowmatching.data;

import java.util.Arrays;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Rng;

/**
 * A multivariate normal N(mean, cov), sampled as {@code mean + L z} with {@code L L^T = cov} (Cholesky) and
 * z standard normal.
 *
 * <pre>{@code
 * Gaussian source = Gaussian.isotropic(new double[] {0, -5}, 1);
 * Gaussian target = new Gaussian(new double[] {5, 0}, new double[][] {{1, 0.5}, {0.5, 1}});
 * }</pre>
 */
public final class Gaussian implements Distribution {
    private final double[] mean;
    private final double[][] cov;
    private final double[][] cholesky;

    public Gaussian(double[] mean, double[][] cov) {
        int d = mean.length;
        if (d == 0 || cov.length != d || Arrays.stream(cov).anyMatch(row -> row.length != d)) {
            throw new IllegalArgumentException("covariance must be " + d + "x" + d + " to match the mean, got "
                    + cov.length + "x" + (cov.length == 0 ? 0 : cov[0].length));
        }
        this.mean = mean.clone();
        this.cov = Arrays.stream(cov).map(double[]::clone).toArray(double[][]::new);
        this.cholesky = cholesky(this.cov);
    }

    /** N(mean, s^2 I). */
    public static Gaussian isotropic(double[] mean, double s) {
        double[][] cov = new double[mean.length][mean.length];
        for (int i = 0; i < mean.length; i++) {
            cov[i][i] = s * s;
        }
        return new Gaussian(mean, cov);
    }

    public double[] mean() {
        return mean.clone();
    }

    public double[][] cov() {
        return Arrays.stream(cov).map(double[]::clone).toArray(double[][]::new);
    }

    @Override
    public NDArray sample(NDManager manager, int n, Rng rng) {
        int d = mean.length;
        NDArray z = rng.normal(manager, new Shape(n, d));
        float[] lt = new float[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                lt[j * d + i] = (float) cholesky[i][j]; // L^T, so that z L^T has rows L z
            }
        }
        float[] mu = new float[d];
        for (int i = 0; i < d; i++) {
            mu[i] = (float) mean[i];
        }
        return z.matMul(manager.create(lt, new Shape(d, d))).add(manager.create(mu));
    }

    @Override
    public long[] sampleShape() {
        return new long[] {mean.length};
    }

    @Override
    public String name() {
        return "N(" + Arrays.toString(mean) + ", " + Arrays.deepToString(cov) + ")";
    }

    /** Lower-triangular L with L L^T = a; a must be symmetric positive definite. */
    static double[][] cholesky(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                if (Math.abs(a[i][j] - a[j][i]) > 1e-12 * (1 + Math.abs(a[i][j]))) {
                    throw new IllegalArgumentException("covariance is not symmetric at (" + i + "," + j + ")");
                }
                double sum = a[i][j];
                for (int k = 0; k < j; k++) {
                    sum -= l[i][k] * l[j][k];
                }
                if (i == j) {
                    if (!(sum > 0)) {
                        throw new IllegalArgumentException("covariance is not positive definite (pivot " + i + " is "
                                + sum + ")");
                    }
                    l[i][i] = Math.sqrt(sum);
                } else {
                    l[i][j] = sum / l[j][j];
                }
            }
        }
        return l;
    }
}
