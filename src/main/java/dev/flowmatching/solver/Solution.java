package dev.flowmatching.solver;

import java.util.List;

import ai.djl.ndarray.NDArray;

/**
 * The end point of an ODE solve, its cost in function evaluations (NFE), and, when recorded, the states at
 * every step: {@code trajectory.get(k)} is the state at {@code times[k]}, from the start point to the end.
 */
public record Solution(NDArray x, int nfe, List<NDArray> trajectory, double[] times) {
    public boolean recorded() {
        return !trajectory.isEmpty();
    }
}
