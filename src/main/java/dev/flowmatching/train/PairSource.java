package dev.flowmatching.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import dev.flowmatching.coupling.Coupling;
import dev.flowmatching.data.Distribution;
import dev.flowmatching.runtime.Rng;

/** Where the training pairs (x0, x1) come from: one batch of sources and one of targets per step. */
@FunctionalInterface
public interface PairSource {
    /** {@code NDList(x0, x1)}, each of shape (batch, ...), in {@code manager}. */
    NDList sample(NDManager manager, int batch, Rng rng);

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
