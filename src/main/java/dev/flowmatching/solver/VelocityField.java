package dev.flowmatching.solver;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** A time-dependent vector field v(x, t): what an ODE solver integrates. */
@FunctionalInterface
public interface VelocityField {
    /** The velocity at points x (shape (B, ...)) and times t (shape (B)); same shape as x. */
    NDArray at(NDArray x, NDArray t);

    /**
     * The velocity at points x and one time t shared by the whole batch, as every solver step asks. By default t is
     * broadcast to shape (B) (float64 for a float64 state, so it keeps its precision); a field that can use a shared
     * time more cheaply overrides this (an MLP embeds it once instead of once per point).
     */
    default NDArray at(NDArray x, double t) {
        return at(x, times(x, t));
    }

    /** t repeated for each row of x, shape (B): float64 for a float64 state (t keeps its precision), else float32. */
    static NDArray times(NDArray x, double t) {
        Shape batch = new Shape(x.getShape().get(0));
        return x.getDataType() == DataType.FLOAT64
                ? x.getManager().zeros(batch, DataType.FLOAT64).addi(t)
                : x.getManager().full(batch, (float) t);
    }
}
