package dev.flowmatching.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Rng;

/**
 * Eight Gaussians on a circle: an equal mixture of N(mu_k, s^2 I) with means mu_k = r (cos(k pi/4),
 * sin(k pi/4)), k = 0..7. Sampled as k ~ U{0..7}, x = mu_k + s z with z standard normal.
 *
 * <p>The default is the "8 Gaussians" of torchcfm's examples ({@code sample_8gaussians}: scale 5, var 0.1):
 * r = 5 and s = 0.1^(1/4) = 0.562, because torchcfm passes sqrt(var) as the covariance matrix, so its
 * per-coordinate standard deviation is var^(1/4), not sqrt(var).
 *
 * <pre>{@code
 * Distribution target = new EightGaussians();          // r = 5, s = 0.562, as torchcfm
 * Distribution sharp = new EightGaussians(4, 0.2);
 * }</pre>
 */
public final class EightGaussians implements Distribution {
    public static final double DEFAULT_RADIUS = 5;
    public static final double DEFAULT_STD = Math.pow(0.1, 0.25);

    private final double radius;
    private final double std;

    public EightGaussians() {
        this(DEFAULT_RADIUS, DEFAULT_STD);
    }

    /** Modes on the circle of radius {@code radius}, each with standard deviation {@code std} per coordinate. */
    public EightGaussians(double radius, double std) {
        if (!(radius > 0) || !Double.isFinite(radius) || !(std >= 0) || !Double.isFinite(std)) {
            throw new IllegalArgumentException("8 Gaussians need a finite radius > 0 and std >= 0, got radius="
                    + radius + ", std=" + std);
        }
        this.radius = radius;
        this.std = std;
    }

    public double radius() {
        return radius;
    }

    public double std() {
        return std;
    }

    /** The mean of mode k (0..7): r (cos(k pi/4), sin(k pi/4)). */
    public double[] mode(int k) {
        if (k < 0 || k > 7) {
            throw new IllegalArgumentException("mode must be in 0..7, got " + k);
        }
        double a = k * Math.PI / 4;
        return new double[] {radius * Math.cos(a), radius * Math.sin(a)};
    }

    @Override
    public NDArray sample(NDManager manager, int n, Rng rng) {
        NDArray k = rng.uniform(manager, 0f, 8f, new Shape(n)).floor().clip(0, 7);
        NDArray angle = k.mul((float) (Math.PI / 4));
        NDArray means = angle.cos().stack(angle.sin(), 1).mul((float) radius);
        return means.add(rng.normal(manager, new Shape(n, 2)).mul((float) std));
    }

    @Override
    public long[] sampleShape() {
        return new long[] {2};
    }

    @Override
    public String name() {
        return "8gaussians";
    }
}
