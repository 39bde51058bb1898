package dev.flowmatching.coupling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

import dev.flowmatching.runtime.Rng;

/**
 * The plain flow-matching coupling (Lipman et al. 2023): x0[i] is paired with x1[i] as drawn. When the two
 * batches are drawn independently, that is a uniformly random pairing, i.e. the product coupling
 * q(x0) q(x1). Returns the inputs themselves; costs nothing.
 */
public final class IndependentCoupling implements Coupling {
    @Override
    public NDList pair(NDArray x0, NDArray x1, Rng rng) {
        Batches.checkPair(x0, x1);
        return new NDList(x0, x1);
    }

    @Override
    public String name() {
        return "independent";
    }
}
