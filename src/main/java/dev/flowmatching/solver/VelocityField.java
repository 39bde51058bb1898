package dev.flowmatching.solver;

import ai.djl.ndarray.NDArray;

/** A time-dependent vector field v(x, t): what an ODE solver integrates. */
@FunctionalInterface
public interface VelocityField {
    /** The velocity at points x (shape (B, ...)) and times t (shape (B)); same shape as x. */
    NDArray at(NDArray x, NDArray t);
}
