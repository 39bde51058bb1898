package dev.flowmatching.solver;

import ai.djl.ndarray.NDArray;

/**
 * Integrates dx/dt = v(x, t) from t0 to t1 starting at x (a batch). Every solver counts its function
 * evaluations and can record the trajectory.
 *
 * <pre>{@code
 * Solution s = new Euler().solve(model::velocity, noise, 0, 1, 100, false);
 * }</pre>
 */
public interface OdeSolver {
    /**
     * @param steps number of steps (a fixed-step solver takes exactly this many; adaptive ones treat it as
     *              the first guess)
     * @param record keep the state after every step in {@link Solution#trajectory()}
     */
    Solution solve(VelocityField v, NDArray x, double t0, double t1, int steps, boolean record);

    /** From t = 0 (source) to t = 1 (target). */
    default Solution solve(VelocityField v, NDArray x, int steps) {
        return solve(v, x, 0, 1, steps, false);
    }

    String name();
}
