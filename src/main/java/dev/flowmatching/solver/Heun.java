package dev.flowmatching.solver;

import ai.djl.ndarray.NDArray;

/**
 * Heun's method (explicit trapezoid, Heun 1900): an Euler predictor x' = x_t + h k1, then the average of the
 * velocities at both ends, x_{t+h} = x_t + h/2 (k1 + v(x', t + h)) with k1 = v(x_t, t). Second order: the
 * error quarters when the steps double. 2 NFE per step (Hairer, Nørsett and Wanner, Solving ODEs I, II.1).
 */
public final class Heun extends FixedStepSolver {
    @Override
    protected NDArray step(VelocityField v, NDArray x, double t, double h, Counter nfe) {
        NDArray k1 = eval(v, x, t, nfe);
        NDArray k2 = eval(v, x.add(k1.mul(h)), t + h, nfe);
        return x.add(k1.add(k2).muli(h / 2));
    }

    @Override
    public String name() {
        return "Heun";
    }
}
