package dev.flowmatching.metric;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import dev.flowmatching.runtime.Rng;

/**
 * Where an {@link ImageClassifier} draws its training batches from, when the images are not one array in
 * memory (e.g. augmented on the fly). A batch is {@code NDList(images (B, C, H, W) float32 in [-1, 1],
 * labels (B) int32)}, created on {@code manager} (the training step's sub-manager, closed after the step).
 *
 * <pre>{@code
 * LabelledBatches batches = (m, b, rng) -> myData.batch(m, b, rng);
 * classifier.train(batches, 2000, rng);
 * }</pre>
 */
@FunctionalInterface
public interface LabelledBatches {
    NDList sample(NDManager manager, int batchSize, Rng rng);
}
