package dev.flowmatching.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.data.Distribution;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.solver.OdeSolver;
import dev.flowmatching.solver.VelocityField;

/**
 * Reflow (Liu et al. 2023, "Flow Straight and Fast", the "rectified flow" procedure): draw x0 from the
 * source, push it through a trained flow to get x1 = ODE(x0), and train a new flow on these pairs instead of
 * independent ones. The pairs no longer cross, so the new flow's paths are straighter and few-step sampling
 * improves; repeating it ("k-rectified flow") straightens further.
 *
 * <pre>{@code
 * NDList pairs = Reflow.pairs(model, source, 20_000, new RungeKutta4(), 50, manager, rng);
 * new FlowMatchingTrainer(model2, path, Reflow.fromPairs(pairs)).train(2000, rng);
 * }</pre>
 */
public final class Reflow {
    private Reflow() {
    }

    /** {@code n} pairs (x0, x1) with x0 from {@code source} and x1 its image under the flow {@code v}. */
    public static NDList pairs(VelocityField v, Distribution source, int n, OdeSolver solver, int steps,
            NDManager manager, Rng rng) {
        if (n < 1) {
            throw new IllegalArgumentException("reflow needs n >= 1 pairs, got " + n);
        }
        NDArray x0 = source.sample(manager, n, rng);
        NDArray x1 = solver.solve(v, x0, steps).x();
        return new NDList(x0, x1);
    }

    /** A pair source that draws random rows (with replacement) of fixed pairs, same rows in x0 and x1. */
    public static PairSource fromPairs(NDList pairs) {
        NDArray x0 = pairs.get(0);
        NDArray x1 = pairs.get(1);
        if (!x0.getShape().equals(x1.getShape())) {
            throw new IllegalArgumentException("reflow pairs must have equal shapes, got " + x0.getShape() + " and "
                    + x1.getShape());
        }
        long n = x0.getShape().get(0);
        return (manager, batch, rng) -> {
            NDArray idx = rng.uniform(manager, 0f, n, new Shape(batch)).floor().toType(DataType.INT64, false)
                    .clip(0, n - 1);
            return new NDList(x0.get(idx), x1.get(idx));
        };
    }
}
