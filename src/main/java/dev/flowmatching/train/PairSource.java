package dev.flowmatching.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.coupling.Coupling;
import dev.flowmatching.data.Distribution;
import dev.flowmatching.runtime.Rng;

/**
 * Where the training pairs (x0, x1) come from: one batch of sources and one of targets per step, plus the
 * targets' class labels for a class-conditional model.
 */
@FunctionalInterface
public interface PairSource {
    /**
     * {@code NDList(x0, x1)}, each of shape (batch, ...), or {@code NDList(x0, x1, labels)} with int class ids
     * of shape (batch), in {@code manager}.
     */
    NDList sample(NDManager manager, int batch, Rng rng);

    /**
     * Labelled targets from {@code data} with standard normal noise x0 of the same shape (drawn after the
     * data, from the same {@link Rng}): {@code NDList(x0, x1, labels)}.
     */
    static PairSource labelled(LabelledData data) {
        return (manager, batch, rng) -> {
            NDList xy = data.sample(manager, batch, rng);
            if (xy.size() != 2) {
                throw new IllegalArgumentException("labelled data must give NDList(x, labels), got " + xy.size()
                        + " arrays");
            }
            NDArray x1 = xy.get(0);
            NDArray labels = xy.get(1);
            if (x1.getShape().dimension() < 1 || x1.getShape().get(0) != batch
                    || !labels.getShape().equals(new Shape(batch))) {
                throw new IllegalArgumentException("labelled data must give x (" + batch + ", ...) and labels ("
                        + batch + "), got " + x1.getShape() + " and " + labels.getShape());
            }
            return new NDList(rng.normal(manager, x1.getShape()), x1, labels);
        };
    }

    /** x0 and x1 drawn independently (the plain flow-matching coupling). */
    static PairSource independent(Distribution source, Distribution target) {
        return (manager, batch, rng) -> new NDList(source.sample(manager, batch, rng), target.sample(manager, batch, rng));
    }

    /**
     * x0 and x1 drawn independently, then paired by {@code coupling} within the batch (e.g. minibatch OT,
     * {@link Coupling#exactOt()}): the pairs of one step come from one draw of each distribution.
     */
    static PairSource coupled(Distribution source, Distribution target, Coupling coupling) {
        return (manager, batch, rng) -> coupling.pair(source.sample(manager, batch, rng),
                target.sample(manager, batch, rng), rng);
    }
}
