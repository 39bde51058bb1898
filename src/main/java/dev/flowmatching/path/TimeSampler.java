package dev.flowmatching.path;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import dev.flowmatching.runtime.Rng;

/** How training draws the time t in [0, 1] of each sample. */
public interface TimeSampler {
    /** {@code batch} times, shape (batch). */
    NDArray sample(NDManager manager, int batch, Rng rng);

    String name();

    /** "uniform" or "logit-normal" (m = 0, s = 1), for a notebook's parameters cell. */
    static TimeSampler named(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (key) {
            case "uniform" -> uniform();
            case "logit-normal", "logitnormal" -> logitNormal(0, 1);
            default -> throw new IllegalArgumentException("unknown time sampler '" + name + "'; valid: uniform, logit-normal");
        };
    }

    /** t ~ U[0, 1): every time weighted equally (t = 1 itself is never drawn). */
    static TimeSampler uniform() {
        return new UniformTime();
    }

    /**
     * t = sigmoid(m + s z), z ~ N(0, 1): more weight on the middle times, where the velocity is hardest to
     * predict (Esser et al. 2024, "Scaling Rectified Flow Transformers", found m = 0, s = 1 best).
     */
    static TimeSampler logitNormal(double m, double s) {
        return new LogitNormalTime(m, s);
    }
}
