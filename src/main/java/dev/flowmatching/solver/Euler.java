package dev.flowmatching.solver;

import ai.djl.ndarray.NDArray;

/** Explicit Euler: x_{t+h} = x_t + h v(x_t, t). First order: the error halves when the steps double. */
public final class Euler extends FixedStepSolver {
    @Override
    protected NDArray step(VelocityField v, NDArray x, double t, double h, Counter nfe) {
        return x.add(eval(v, x, t, nfe).mul(h)); // not muli: v may be a view of x
    }

    @Override
    public String name() {
        return "Euler";
    }
}
