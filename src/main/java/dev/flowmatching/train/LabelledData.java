package dev.flowmatching.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import dev.flowmatching.runtime.Rng;

/**
 * Data with class labels, drawn a batch at a time: what a class-conditional flow is trained on. An image
 * data set's batch sampler fits as a method reference ({@code PairSource.labelled(mnist::sample)}).
 */
@FunctionalInterface
public interface LabelledData {
    /** {@code NDList(x (batch, ...), labels (batch))}, labels as int class ids, in {@code manager}. */
    NDList sample(NDManager manager, int batch, Rng rng);
}
