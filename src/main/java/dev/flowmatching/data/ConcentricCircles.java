package dev.flowmatching.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Rng;

/**
 * Two concentric rings around the origin, as scikit-learn's {@code make_circles}: each point picks the inner
 * or the outer ring with probability 1/2, an angle theta ~ U[0, 2 pi), and gets Gaussian noise of standard
 * deviation {@code noise} on each coordinate:
 * <pre>
 *   x = R (cos theta, sin theta) + noise z,    R = innerRadius or outerRadius
 * </pre>
 * The rings get equal shares (as in make_circles), so the inner ring is the denser per unit length.
 * make_circles(factor=f, noise=e) scaled by c is {@code new ConcentricCircles(f c, c, e c)}.
 *
 * <pre>{@code
 * Distribution target = new ConcentricCircles();          // radii 2 and 4, noise 0.2
 * }</pre>
 */
public final class ConcentricCircles implements Distribution {
    public static final double DEFAULT_INNER_RADIUS = 2;
    public static final double DEFAULT_OUTER_RADIUS = 4;
    public static final double DEFAULT_NOISE = 0.2;

    private final double innerRadius;
    private final double outerRadius;
    private final double noise;

    public ConcentricCircles() {
        this(DEFAULT_INNER_RADIUS, DEFAULT_OUTER_RADIUS, DEFAULT_NOISE);
    }

    public ConcentricCircles(double innerRadius, double outerRadius, double noise) {
        if (!(innerRadius > 0) || !(outerRadius > innerRadius) || !Double.isFinite(outerRadius) || !(noise >= 0)
                || !Double.isFinite(noise)) {
            throw new IllegalArgumentException("concentric circles need 0 < inner radius < outer radius < infinity and "
                    + "noise >= 0, got inner radius=" + innerRadius + ", outer radius=" + outerRadius + ", noise=" + noise);
        }
        this.innerRadius = innerRadius;
        this.outerRadius = outerRadius;
        this.noise = noise;
    }

    public double innerRadius() {
        return innerRadius;
    }

    public double outerRadius() {
        return outerRadius;
    }

    public double noise() {
        return noise;
    }

    @Override
    public NDArray sample(NDManager manager, int n, Rng rng) {
        NDArray u = rng.uniform(manager, 0f, 1f, new Shape(n, 2));
        NDArray outer = u.get(":, 0").mul(2f).floor().clip(0, 1);
        NDArray radius = outer.mul((float) (outerRadius - innerRadius)).add((float) innerRadius);
        NDArray theta = u.get(":, 1").mul((float) (2 * Math.PI));
        NDArray z = rng.normal(manager, new Shape(n, 2));
        return theta.cos().stack(theta.sin(), 1).mul(radius.expandDims(1)).add(z.mul((float) noise));
    }

    @Override
    public long[] sampleShape() {
        return new long[] {2};
    }

    @Override
    public String name() {
        return "circles";
    }
}
