package dev.flowmatching.solver;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A solver with n equal steps h = (t1 - t0) / n; a variant only says how one step is taken. Each step's
 * temporaries live in a sub-manager that is closed after the step, so memory stays flat over any number of
 * steps; only the states (and, when recording, the trajectory) stay attached to x's manager.
 */
public abstract class FixedStepSolver implements OdeSolver {

    /** One step from (x, t) to t + h; returns the new state and adds its evaluations to {@code nfe}. */
    protected abstract NDArray step(VelocityField v, NDArray x, double t, double h, Counter nfe);

    @Override
    public final Solution solve(VelocityField v, NDArray x0, double t0, double t1, int steps, boolean record) {
        if (steps < 1) {
            throw new IllegalArgumentException(name() + ": steps must be >= 1, got " + steps);
        }
        NDManager manager = x0.getManager();
        double h = (t1 - t0) / steps;
        Counter nfe = new Counter();
        List<NDArray> trajectory = new ArrayList<>();
        double[] times = new double[record ? steps + 1 : 0];
        if (record) {
            trajectory.add(x0);
            times[0] = t0;
        }
        NDArray x = x0;
        for (int i = 0; i < steps; i++) {
            double t = t0 + i * h;
            NDArray next;
            try (NDManager sub = manager.newSubManager()) {
                x.tempAttach(sub);
                next = step(v, x, t, h, nfe);
                next.attach(manager);
            }
            if (!record && x != x0) {
                x.close();
            }
            x = next;
            if (record) {
                trajectory.add(x);
                times[i + 1] = i + 1 == steps ? t1 : t0 + (i + 1) * h; // n * ((t1 - t0) / n) may miss t1
            }
        }
        return new Solution(x, nfe.count, List.copyOf(trajectory), times);
    }

    /**
     * Evaluates v at (x, t), one t for the whole batch ({@link VelocityField#at(NDArray, double)}), counting the
     * evaluation. A field may return a view of its input, so a step must not update the result in place; a field
     * that returns x itself gets a copy here.
     */
    protected static NDArray eval(VelocityField v, NDArray x, double t, Counter nfe) {
        nfe.count++;
        NDArray out = v.at(x, t);
        if (!out.getShape().equals(x.getShape())) {
            throw new IllegalStateException("the velocity field returned shape " + out.getShape()
                    + " for a state of shape " + x.getShape());
        }
        return out == x ? x.duplicate() : out;
    }

    /** Function evaluations so far. */
    protected static final class Counter {
        int count;
    }
}
