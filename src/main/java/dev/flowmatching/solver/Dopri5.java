package dev.flowmatching.solver;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Adaptive Dormand-Prince 5(4) (Dormand and Prince 1980, J. Comp. Appl. Math. 6; the tableau of Hairer, Nørsett
 * and Wanner, Solving ODEs I, Table II.5.2, and the step control of their DOPRI5 code, II.4).
 *
 * <p>A step from (x, t) with size h takes seven stages k_i = v(x + h sum_j a_ij k_j, t + c_i h), moves to the
 * fifth-order x5 = x + h sum_i b_i k_i and estimates its error from the embedded fourth-order solution:
 * err = h sum_i (b_i - b*_i) k_i. The step is accepted when
 * ||err|| = sqrt(mean((err / (atol + rtol max(|x|, |x5|)))^2)) <= 1, the mean running over every element of the
 * batch, so the whole batch shares one step size. Either way the next size is
 * h min(10, max(0.2, 0.9 ||err||^(-1/5))), with no growth right after a rejection. First same as last: k7 =
 * v(x5, t + h) is the next step's k1, so an attempt costs 6 evaluations (7 for the very first), and a rejected
 * attempt costs 6 too. {@code steps} only sets the first step size, h0 = (t1 - t0) / steps; the solution's
 * times are the accepted ones, ending exactly at t1. One scalar (the error norm) is read back per attempt; each
 * attempt's temporaries live in a sub-manager closed after it, as in {@link FixedStepSolver}, so only x, k1 and
 * (when recording) the accepted states stay attached to x0's manager. More than {@code maxSteps} attempts (default
 * 1000) is an error naming the t reached and the step size.
 *
 * <pre>{@code
 * Solution s = new Dopri5().withTolerances(1e-6, 1e-6).solve(model, noise, 0, 1, 10, true);
 * int accepted = s.times().length - 1, attempted = (s.nfe() - 1) / 6;
 * }</pre>
 */
public final class Dopri5 implements OdeSolver {
    static final double[] C = {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1};
    static final double[][] A = {
        {},
        {1.0 / 5},
        {3.0 / 40, 9.0 / 40},
        {44.0 / 45, -56.0 / 15, 32.0 / 9},
        {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
        {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
        {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}};
    /** Fifth-order weights: the last row of A (first same as last). */
    static final double[] B = {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0};
    /** Embedded fourth-order weights. */
    static final double[] B_STAR = {5179.0 / 57600, 0, 7571.0 / 16695, 393.0 / 640, -92097.0 / 339200,
        187.0 / 2100, 1.0 / 40};
    /** Error weights b - b*. */
    static final double[] E = {71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525,
        -1.0 / 40};

    static final double SAFETY = 0.9;
    static final double MIN_FACTOR = 0.2;
    static final double MAX_FACTOR = 10;

    private final double rtol;
    private final double atol;
    private final int maxSteps;

    /** rtol = atol = 1e-5, at most 1000 attempted steps. */
    public Dopri5() {
        this(1e-5, 1e-5, 1000);
    }

    public Dopri5(double rtol, double atol) {
        this(rtol, atol, 1000);
    }

    /** @param maxSteps the most steps (accepted and rejected) one solve may attempt before it gives up */
    public Dopri5(double rtol, double atol, int maxSteps) {
        if (!(rtol >= 0) || !(atol >= 0) || rtol + atol == 0 || Double.isInfinite(rtol + atol)) {
            throw new IllegalArgumentException("Dopri5: rtol and atol must be finite, >= 0 and not both 0, got rtol = "
                    + rtol + ", atol = " + atol);
        }
        if (maxSteps < 1) {
            throw new IllegalArgumentException("Dopri5: maxSteps must be >= 1, got " + maxSteps);
        }
        this.rtol = rtol;
        this.atol = atol;
        this.maxSteps = maxSteps;
    }

    /** A copy with these tolerances. */
    public Dopri5 withTolerances(double rtol, double atol) {
        return new Dopri5(rtol, atol, maxSteps);
    }

    /** A copy that attempts at most {@code maxSteps} steps per solve. */
    public Dopri5 withMaxSteps(int maxSteps) {
        return new Dopri5(rtol, atol, maxSteps);
    }

    public double rtol() {
        return rtol;
    }

    public double atol() {
        return atol;
    }

    public int maxSteps() {
        return maxSteps;
    }

    @Override
    public Solution solve(VelocityField v, NDArray x0, double t0, double t1, int steps, boolean record) {
        if (steps < 1) {
            throw new IllegalArgumentException(name() + ": steps must be >= 1 (the first step is (t1 - t0) / steps),"
                    + " got " + steps);
        }
        if (!Double.isFinite(t0) || !Double.isFinite(t1)) {
            throw new IllegalArgumentException(name() + ": t0 and t1 must be finite, got " + t0 + " and " + t1);
        }
        NDManager manager = x0.getManager();
        FixedStepSolver.Counter nfe = new FixedStepSolver.Counter();
        List<NDArray> trajectory = new ArrayList<>();
        List<Double> times = new ArrayList<>();
        if (record) {
            trajectory.add(x0);
            times.add(t0);
        }
        NDArray x = x0;
        NDArray k1 = null;
        boolean done = false;
        try {
            if (t0 != t1) {
                try (NDManager sub = manager.newSubManager()) {
                    x0.tempAttach(sub);
                    k1 = FixedStepSolver.eval(v, x0, t0, nfe);
                    k1.attach(manager);
                }
            }
            double direction = Math.signum(t1 - t0);
            double h = (t1 - t0) / steps;
            double t = t0;
            boolean rejectedLast = false;
            for (int attempt = 0; t != t1; attempt++) {
                if (attempt == maxSteps) {
                    throw new IllegalStateException(String.format("%s: gave up after maxSteps = %d steps at t = %s"
                            + " (solving from %s to %s) with step size h = %s; raise maxSteps or loosen rtol = %s,"
                            + " atol = %s", name(), maxSteps, t, t0, t1, h, rtol, atol));
                }
                if (Math.abs(h) <= 1e-14 * Math.max(Math.abs(t), Math.abs(t1 - t0))) {
                    throw new IllegalStateException(name() + ": step size underflow at t = " + t + " (solving from "
                            + t0 + " to " + t1 + "), step size h = " + h
                            + "; the field may be singular or not finite there");
                }
                boolean last = Math.abs(t1 - t) <= Math.abs(h) * (1 + 1e-9);
                if (last) {
                    h = t1 - t;
                }
                double error;
                NDArray next = null;
                NDArray nextK1 = null;
                try (NDManager sub = manager.newSubManager()) {
                    x.tempAttach(sub);
                    k1.tempAttach(sub);
                    NDArray[] k = new NDArray[7];
                    k[0] = k1;
                    NDArray x5 = null;
                    for (int i = 1; i < 7; i++) {
                        NDArray xi = x.add(combine(A[i], k, h));
                        k[i] = FixedStepSolver.eval(v, xi, t + C[i] * h, nfe);
                        x5 = xi; // the last stage's input is x5
                    }
                    NDArray scale = x.abs().maximum(x5.abs()).muli(rtol).addi(atol);
                    NDArray ratio = combine(E, k, h).divi(scale);
                    error = Math.sqrt(ratio.square().mean().toType(DataType.FLOAT64, false).getDouble());
                    if (error <= 1) {
                        next = x5;
                        nextK1 = k[6];
                        next.attach(manager);
                        nextK1.attach(manager);
                    }
                }
                double factor = Double.isFinite(error)
                        ? (error == 0 ? MAX_FACTOR : SAFETY * Math.pow(error, -0.2))
                        : MIN_FACTOR; // NaN or infinite: shrink as far as allowed and try again
                if (next != null) {
                    if (!record && x != x0) {
                        x.close();
                    }
                    k1.close();
                    x = next;
                    k1 = nextK1;
                    t = last || direction * (t1 - (t + h)) <= 0 ? t1 : t + h;
                    if (record) {
                        trajectory.add(x);
                        times.add(t);
                    }
                    h *= Math.min(rejectedLast ? 1 : MAX_FACTOR, Math.max(MIN_FACTOR, factor));
                    rejectedLast = false;
                } else {
                    h *= Math.min(1, Math.max(MIN_FACTOR, factor));
                    rejectedLast = true;
                }
            }
            done = true;
        } finally {
            if (k1 != null) {
                k1.close();
            }
            if (!done && !record && x != x0) {
                x.close();
            }
        }
        double[] timeArray = times.stream().mapToDouble(Double::doubleValue).toArray();
        return new Solution(x, nfe.count, List.copyOf(trajectory), timeArray);
    }

    /** h sum_j w_j k_j over the stages with a weight, as a fresh array. */
    private static NDArray combine(double[] w, NDArray[] k, double h) {
        NDArray sum = null;
        for (int j = 0; j < w.length; j++) {
            if (w[j] != 0) {
                NDArray term = k[j].mul(h * w[j]);
                sum = sum == null ? term : sum.addi(term);
            }
        }
        return sum;
    }

    @Override
    public String name() {
        return "Dopri5";
    }

    @Override
    public String toString() {
        return name() + "(rtol = " + rtol + ", atol = " + atol + ", maxSteps = " + maxSteps + ")";
    }
}
