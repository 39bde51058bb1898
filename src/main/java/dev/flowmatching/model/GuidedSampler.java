package dev.flowmatching.model;

import java.util.Arrays;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Rng;
import dev.flowmatching.solver.OdeSolver;
import dev.flowmatching.solver.Solution;

/**
 * Draws samples of requested classes from a class-conditional flow: noise x_0 ~ N(0, I), then the ODE
 * dx/dt = v_w(x, t | y) from t = 0 to 1 with classifier-free guidance
 * {@code v_w = v(x, t | null) + w (v(x, t | y) - v(x, t | null))} ({@link GuidedVelocity}; w = 0 unconditional,
 * w = 1 conditional). Works through the requested labels in chunks, each in its own sub-manager, so that
 * thousands of samples need only one chunk's memory.
 *
 * <p>NFE counts the solver's evaluations of the guided field; with 0 &lt; w and w != 1 each evaluation runs
 * the network on a doubled batch (conditional and unconditional rows together).
 *
 * <pre>{@code
 * GuidedSampler sampler = new GuidedSampler(model, Solvers.named("midpoint"), 10).guidance(2f);
 * NDArray digits = sampler.sample(manager, GuidedSampler.rows(10, 8), rng);   // (80, 1, 28, 28)
 * }</pre>
 */
public final class GuidedSampler {
    private final VelocityModel model;
    private final OdeSolver solver;
    private final int steps;
    private float guidance = 1f;
    private int chunk = 250;
    private int lastNfe;

    public GuidedSampler(VelocityModel model, OdeSolver solver, int steps) {
        if (model.classes() == 0) {
            throw new IllegalArgumentException("GuidedSampler needs a class-conditional model; this one has 0 classes"
                    + " (sample it with the solver directly)");
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        this.model = model;
        this.solver = solver;
        this.steps = steps;
    }

    /** The guidance scale w (0 = unconditional, 1 = conditional, above 1 = guided). */
    public GuidedSampler guidance(float w) {
        if (!Float.isFinite(w)) {
            throw new IllegalArgumentException("guidance scale must be finite, got " + w);
        }
        this.guidance = w;
        return this;
    }

    /** Samples per solver call (memory scales with it). */
    public GuidedSampler chunk(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("chunk must be >= 1, got " + n);
        }
        this.chunk = n;
        return this;
    }

    /** Function evaluations per sample of the last call (the solver's NFE). */
    public int nfe() {
        return lastNfe;
    }

    /** {@code perClass} labels of each class in turn: 0, 0, ..., 1, 1, ... (a grid with a row per class). */
    public static int[] rows(int classes, int perClass) {
        int[] labels = new int[classes * perClass];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i / perClass;
        }
        return labels;
    }

    /** One sample per requested label (ids in [0, classes]; the null class id samples unconditionally). */
    public NDArray sample(NDManager manager, int[] labels, Rng rng) {
        NDList parts = new NDList();
        for (int from = 0; from < labels.length; from += chunk) {
            int[] part = Arrays.copyOfRange(labels, from, Math.min(labels.length, from + chunk));
            try (NDManager sub = manager.newSubManager()) {
                NDArray x = solve(sub, part, rng, false).x();
                x.attach(manager);
                parts.add(x);
            }
        }
        return parts.size() == 1 ? parts.singletonOrThrow() : NDArrays.concat(parts, 0);
    }

    /** {@code n} samples from the unconditional flow (the null class, no guidance). */
    public NDArray sampleUnconditional(NDManager manager, int n, Rng rng) {
        float w = guidance;
        guidance = 0f;
        try {
            int[] nulls = new int[n];
            Arrays.fill(nulls, model.nullClass());
            return sample(manager, nulls, rng);
        } finally {
            guidance = w;
        }
    }

    /** One solve with the trajectory recorded (for animations), all arrays in {@code manager}. */
    public Solution trajectory(NDManager manager, int[] labels, Rng rng) {
        return solve(manager, labels, rng, true);
    }

    private Solution solve(NDManager manager, int[] labels, Rng rng, boolean record) {
        long[] shape = new long[model.sampleShape().length + 1];
        shape[0] = labels.length;
        System.arraycopy(model.sampleShape(), 0, shape, 1, shape.length - 1);
        NDArray noise = rng.normal(manager, new Shape(shape));
        GuidedVelocity field = new GuidedVelocity(model, manager.create(labels), guidance);
        Solution s = solver.solve(field, noise, 0, 1, steps, record);
        lastNfe = s.nfe();
        return s;
    }
}
