package dev.flowmatching.coupling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

import dev.flowmatching.runtime.Rng;

/**
 * How the sources x0 of a batch are paired with its targets x1. Flow matching trains on pairs (x0[i], x1[i]);
 * drawn independently, the straight lines between them cross, and the network learns their average: curved
 * paths that need many solver steps. Pairing each x0 with a nearby x1 inside the batch (minibatch optimal
 * transport: Pooladian et al. 2023, "Multisample flow matching"; Tong et al. 2024, "Improving and generalizing
 * flow-based generative models with minibatch optimal transport") makes the lines cross less, so the learned
 * flow is straighter and the loss lower.
 *
 * <p>A coupling never changes a point: it returns the rows of the batches re-ordered, {@code NDList(x0', x1')}
 * with the shapes of x0 and x1, on their device. The variants here keep x0 as it is and re-order x1 (a
 * permutation, except {@link SinkhornCoupling}, which draws x0_i's partner from the plan, so targets may
 * repeat); the pairing itself is computed on the CPU in double precision from the points read back, which
 * costs one transfer of both batches per call.
 *
 * <pre>{@code
 * Coupling ot = Coupling.exactOt();
 * NDList pairs = ot.pair(source.sample(m, 256, rng), target.sample(m, 256, rng), rng);
 * PairSource training = PairSource.coupled(source, target, ot);
 * }</pre>
 */
public interface Coupling {
    /**
     * Pairs the rows of x0 (B, ...) with the rows of x1 (B, ...), which must have the same shape; returns
     * {@code NDList(x0', x1')} of those shapes. {@code rng} serves the couplings that draw.
     */
    NDList pair(NDArray x0, NDArray x1, Rng rng);

    String name();

    /**
     * The coupling called {@code name}, for a notebook's parameters cell: "independent", "ot" (exact
     * minibatch OT), "sinkhorn" (epsilon 0.05 of the mean cost) or "sort".
     */
    static Coupling named(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (key) {
            case "independent" -> independent();
            case "ot", "exact-ot" -> exactOt();
            case "sinkhorn" -> sinkhorn(0.05);
            case "sort" -> sort();
            default -> throw new IllegalArgumentException("unknown coupling '" + name
                    + "'; valid: independent, ot, sinkhorn, sort");
        };
    }

    /** Pairs as drawn: x0[i] with x1[i] (for independent draws, a random pairing). */
    static Coupling independent() {
        return new IndependentCoupling();
    }

    /** The exact minibatch OT pairing on squared Euclidean distance, up to {@link ExactOtCoupling#MAX_BATCH}. */
    static Coupling exactOt() {
        return new ExactOtCoupling();
    }

    /** Entropic OT by Sinkhorn with epsilon relative to the mean cost, and pairs drawn from the plan. */
    static Coupling sinkhorn(double epsilon) {
        return new SinkhornCoupling(epsilon);
    }

    /** Pairs by rank along the first coordinate: exact OT in one dimension. */
    static Coupling sort() {
        return new SortCoupling();
    }
}
