package dev.flowmatching.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import dev.flowmatching.runtime.Rng;

/** A distribution that can be sampled in batches: the source or the target of a flow. */
public interface Distribution {
    /** {@code n} independent samples, shape (n, dim...). */
    NDArray sample(NDManager manager, int n, Rng rng);

    /** The shape of one sample, e.g. {2} for points in the plane. */
    long[] sampleShape();

    String name();
}
