package dev.flowmatching.path;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Rng;

/** t ~ U[0, 1). */
public final class UniformTime implements TimeSampler {
    @Override
    public NDArray sample(NDManager manager, int batch, Rng rng) {
        return rng.uniform(manager, 0f, 1f, new Shape(batch));
    }

    @Override
    public String name() {
        return "uniform";
    }
}
