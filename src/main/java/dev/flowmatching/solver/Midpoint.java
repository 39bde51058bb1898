package dev.flowmatching.solver;

import ai.djl.ndarray.NDArray;

/**
 * Explicit midpoint (Runge 1895): an Euler half step to the midpoint, then the full step with the velocity
 * there, x_{t+h} = x_t + h v(x_t + h/2 v(x_t, t), t + h/2). Second order: the error quarters when the steps
 * double. 2 NFE per step (Hairer, Nørsett and Wanner, Solving ODEs I, section II.1).
 */
public final class Midpoint extends FixedStepSolver {
    @Override
    protected NDArray step(VelocityField v, NDArray x, double t, double h, Counter nfe) {
        NDArray mid = x.add(eval(v, x, t, nfe).mul(h / 2));
        return x.add(eval(v, mid, t + h / 2, nfe).mul(h));
    }

    @Override
    public String name() {
        return "Midpoint";
    }
}
