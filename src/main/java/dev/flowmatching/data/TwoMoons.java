package dev.flowmatching.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Rng;

/**
 * Two interleaved half circles, as scikit-learn's {@code make_moons}: the upper arc (cos theta, sin theta) and
 * the lower arc (1 - cos theta, 1/2 - sin theta), theta in [0, pi], each of radius 1. Here each point picks an
 * arc with probability 1/2 and theta ~ U[0, pi] (make_moons splits the points evenly and spaces theta evenly),
 * the pair is centred on the arcs' common centroid (1/2, 1/4), multiplied by {@code scale}, and Gaussian noise
 * of standard deviation {@code noise} (in the units of the samples) is added to each coordinate:
 * <pre>
 *   x = scale (arc(theta) - (1/2, 1/4)) + noise z
 * </pre>
 * make_moons' noise is in the arcs' unit radius, so make_moons(noise=e) scaled by c matches
 * {@code new TwoMoons(c, e c)} up to the shift. (torchcfm's moons, torchdyn's {@code generate_moons} mapped by
 * 3 x - 1, are not Gaussian: that "noise" moves each point along the diagonal (1, 1) by U[0, 0.2).)
 *
 * <pre>{@code
 * Distribution target = new TwoMoons();      // scale 3, noise 0.3: arcs of radius 3, centred on 0
 * Distribution thin = new TwoMoons(3, 0.05);
 * }</pre>
 */
public final class TwoMoons implements Distribution {
    public static final double DEFAULT_SCALE = 3;
    public static final double DEFAULT_NOISE = 0.3;
    /** The centroid of the two unit arcs: the mean of the upper arc (0, 2/pi) and the lower (1, 1/2 - 2/pi). */
    static final double CENTRE_X = 0.5;
    static final double CENTRE_Y = 0.25;

    private final double scale;
    private final double noise;

    public TwoMoons() {
        this(DEFAULT_SCALE, DEFAULT_NOISE);
    }

    /** Arcs of radius {@code scale}, centred on the origin, with Gaussian noise of std {@code noise}. */
    public TwoMoons(double scale, double noise) {
        if (!(scale > 0) || !Double.isFinite(scale) || !(noise >= 0) || !Double.isFinite(noise)) {
            throw new IllegalArgumentException("two moons need a finite scale > 0 and noise >= 0, got scale="
                    + scale + ", noise=" + noise);
        }
        this.scale = scale;
        this.noise = noise;
    }

    public double scale() {
        return scale;
    }

    public double noise() {
        return noise;
    }

    @Override
    public NDArray sample(NDManager manager, int n, Rng rng) {
        NDArray u = rng.uniform(manager, 0f, 1f, new Shape(n, 2));
        NDArray lower = u.get(":, 0").mul(2f).floor().clip(0, 1);   // 0: upper arc, 1: lower arc
        NDArray theta = u.get(":, 1").mul((float) Math.PI);
        NDArray cos = theta.cos();
        NDArray sin = theta.sin();
        // upper: (cos, sin); lower: (1 - cos, 1/2 - sin); blended by the 0/1 choice
        NDArray x = cos.add(lower.mul(cos.mul(-2f).add(1f))).sub((float) CENTRE_X);
        NDArray y = sin.add(lower.mul(sin.mul(-2f).add(0.5f))).sub((float) CENTRE_Y);
        NDArray z = rng.normal(manager, new Shape(n, 2));
        return x.stack(y, 1).mul((float) scale).add(z.mul((float) noise));
    }

    @Override
    public long[] sampleShape() {
        return new long[] {2};
    }

    @Override
    public String name() {
        return "moons";
    }
}
