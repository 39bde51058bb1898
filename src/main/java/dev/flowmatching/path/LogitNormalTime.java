package dev.flowmatching.path;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

import dev.flowmatching.runtime.Rng;

/** t = sigmoid(m + s z) with z ~ N(0, 1): logit(t) is normal with mean m and standard deviation s. */
public final class LogitNormalTime implements TimeSampler {
    private final double m;
    private final double s;

    public LogitNormalTime(double m, double s) {
        if (!(s > 0) || !Double.isFinite(m) || !Double.isFinite(s)) {
            throw new IllegalArgumentException("logit-normal needs a finite m and s > 0, got m=" + m + ", s=" + s);
        }
        this.m = m;
        this.s = s;
    }

    @Override
    public NDArray sample(NDManager manager, int batch, Rng rng) {
        NDArray z = rng.normal(manager, new Shape(batch));
        return Activation.sigmoid(z.mul((float) s).add((float) m));
    }

    @Override
    public String name() {
        return String.format("logit-normal(%s, %s)", m, s);
    }
}
