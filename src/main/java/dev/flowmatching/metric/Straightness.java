package dev.flowmatching.metric;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import dev.flowmatching.solver.Solution;

/**
 * How far the paths of a flow are from straight lines travelled at constant speed (Liu et al. 2023, "Flow
 * Straight and Fast: Learning to Generate and Transfer Data with Rectified Flow"):
 * <pre>
 *   S = integral from 0 to 1 of E |(X_1 - X_0) - v(X_t, t)|^2 dt
 * </pre>
 * S = 0 exactly when every path is a straight segment run at constant velocity X_1 - X_0; then one Euler step
 * is exact. The expectation is the mean over the batch of the squared Euclidean norm of each row (all
 * coordinates of a sample).
 *
 * <p>Estimated from a recorded trajectory x_0, ..., x_K at times t_0, ..., t_K ({@link Solution#trajectory()},
 * {@link Solution#times()}): on each interval [t_k, t_{k+1}] the velocity is taken as the finite difference
 * v_k = (x_{k+1} - x_k) / (t_{k+1} - t_k), which is constant there, so the integral is the sum
 * <pre>
 *   S = sum_k (t_{k+1} - t_k) / T * E |(x_K - x_0) - T v_k|^2,     T = t_K - t_0.
 * </pre>
 * For Euler the v_k are exactly the velocities the solver evaluated; for higher-order solvers they are the
 * averages of the velocity over each step. Times are rescaled to [0, 1] by s = (t - t_0) / T (the factor T),
 * so over [0, 1] this is Liu et al.'s definition and a trajectory over any other interval (backward too)
 * is measured as the same paths on [0, 1]. Since sum_k dt_k v_k = x_K - x_0, S also equals
 * {@code sum_k dt_k/T E|T v_k|^2 - E|x_K - x_0|^2}: the mean squared speed above the squared chord.
 *
 * <p>Runs on the trajectory's device; one scalar is read back per step. O(K B d).
 */
public final class Straightness {
    private Straightness() {
    }

    /** The straightness of a solution recorded with {@code record = true}. */
    public static double of(Solution solution) {
        if (!solution.recorded()) {
            throw new IllegalArgumentException("straightness needs a recorded trajectory: solve with record = true");
        }
        return of(solution.trajectory(), solution.times());
    }

    /** The straightness of states {@code trajectory.get(k)} (B, ...) at {@code times[k]}. */
    public static double of(List<NDArray> trajectory, double[] times) {
        int k = trajectory.size();
        if (times.length != k) {
            throw new IllegalArgumentException("trajectory has " + k + " states but " + times.length + " times");
        }
        if (k < 2) {
            throw new IllegalArgumentException("straightness needs at least 2 recorded states, got " + k);
        }
        NDArray first = trajectory.get(0);
        if (first.getShape().dimension() < 1 || first.getShape().get(0) < 1) {
            throw new IllegalArgumentException("states must be non-empty batches (B, ...), got " + first.getShape());
        }
        double span = times[k - 1] - times[0];
        for (int i = 0; i < k; i++) {
            if (!trajectory.get(i).getShape().equals(first.getShape())) {
                throw new IllegalArgumentException("state " + i + " has shape " + trajectory.get(i).getShape()
                        + ", state 0 has " + first.getShape());
            }
            if (!Double.isFinite(times[i])) {
                throw new IllegalArgumentException("times[" + i + "] is not finite: " + times[i]);
            }
            if (i > 0 && !((times[i] - times[i - 1]) * span > 0)) {
                throw new IllegalArgumentException("times must be strictly monotone, got times[" + (i - 1) + "] = "
                        + times[i - 1] + " and times[" + i + "] = " + times[i]);
            }
        }
        long batch = first.getShape().get(0);
        double total = 0;
        try (NDManager sub = first.getManager().newSubManager()) {
            NDArray start = flat(first, batch, sub);
            NDArray chord = flat(trajectory.get(k - 1), batch, sub).sub(start);
            NDArray previous = start;
            for (int i = 1; i < k; i++) {
                double dt = times[i] - times[i - 1];
                NDArray next = flat(trajectory.get(i), batch, sub);
                // T v_k - (x_K - x_0), then the batch mean of its squared row norm
                NDArray gap = next.sub(previous).muli((float) (span / dt)).subi(chord);
                total += dt / span * gap.square().sum(new int[] {1}).mean().toType(DataType.FLOAT64, false).getDouble();
                previous = next;
            }
        }
        return total;
    }

    /** The state as (B, d), in {@code sub} (a view or copy; the trajectory itself is not changed). */
    private static NDArray flat(NDArray x, long batch, NDManager sub) {
        NDArray r = x.reshape(batch, -1);
        r.attach(sub);
        return r;
    }
}
