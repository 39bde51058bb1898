package dev.flowmatching.coupling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

import dev.flowmatching.metric.Assignment;
import dev.flowmatching.runtime.Rng;

/**
 * Exact minibatch optimal transport (Pooladian et al. 2023, "Multisample flow matching"; Tong et al. 2024,
 * "Improving and generalizing flow-based generative models with minibatch optimal transport"): the
 * permutation s of the batch that minimises the squared Euclidean transport cost
 * <pre>
 *   sum_i |x0_i - x1_s(i)|^2
 * </pre>
 * and the pairs (x0_i, x1_s(i)). Between two uniform batches of equal size an optimal plan is a permutation
 * (Birkhoff), so this is the exact OT plan of the two empirical measures, solved as a linear assignment
 * problem by Jonker-Volgenant shortest augmenting paths ({@link Assignment}). Deterministic: {@code rng} is
 * not used.
 *
 * <p>Cost: O(B^2 d) for the cost matrix of B points of dimension d, O(B^3) time in the worst case and O(B^2)
 * memory for the assignment, once per training step, so the batch is limited to {@value #MAX_BATCH}; above it
 * {@link SinkhornCoupling} (O(B^2) per iteration) or a smaller batch is the way.
 */
public final class ExactOtCoupling implements Coupling {
    /**
     * The largest batch this coupling accepts. Measured per call on one core of a busy machine (2D points,
     * between two standard normals or from a normal to two or eight separated blobs): B = 256 takes 5-8 ms,
     * B = 1024 0.1-0.2 s and B = 2048 0.6-1.1 s, nearly all in the assignment (the Hungarian method used
     * before took 2.4-5 s at 1024 and 34 s at 2048 on the blobs).
     */
    public static final int MAX_BATCH = 1024;

    @Override
    public NDList pair(NDArray x0, NDArray x1, Rng rng) {
        Batches.checkPair(x0, x1);
        int b = (int) x0.getShape().get(0);
        if (b > MAX_BATCH) {
            throw new IllegalArgumentException("exact OT coupling is O(B^3): at most " + MAX_BATCH
                    + " pairs per batch, got a batch of " + b + " (use a smaller batch or SinkhornCoupling)");
        }
        double[][] cost = Batches.squaredDistances(Batches.rows(x0, "x0"), Batches.rows(x1, "x1"));
        return Batches.reorderTargets(x0, x1, Assignment.solve(cost));
    }

    @Override
    public String name() {
        return "exact OT";
    }
}
