package dev.flowmatching.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

import dev.flowmatching.runtime.NativeMemory;
import dev.flowmatching.runtime.NoGradient;

/**
 * An exponential moving average of a model's weights (Polyak averaging; Polyak and Juditsky 1992), the
 * weights that flow and diffusion models usually sample with: they average out the last steps' noise.
 * After each optimizer step, for every weight w and its shadow s:
 * <pre>
 *   s_n = d_n s_{n-1} + (1 - d_n) w,   s_0 = the weights when the average starts
 *   d_n = decay,  or with warm-up  d_n = min(decay, (1 + n) / (10 + n)),  n = number of earlier updates
 * </pre>
 * The warm-up (as in TensorFlow's {@code ExponentialMovingAverage} with {@code num_updates}) lets the
 * average forget the random initial weights quickly in a short run: d = 0.1, 0.18, 0.25, ... up to decay.
 *
 * <pre>{@code
 * Ema ema = new Ema(model, 0.999f);          // or trainer.ema(0.999f), which updates it every step
 * ema.update();                              // after each optimizer step
 * try (Ema.Applied a = ema.apply()) {        // the model samples with the averaged weights ...
 *     samples = new Euler().solve(model, noise, 50).x();
 * }                                          // ... and has its training weights back here
 * }</pre>
 */
public final class Ema implements AutoCloseable {
    private static final NDIndex ALL = new NDIndex("...");

    private final VelocityModel model;
    private final float decay;
    private final boolean warmup;
    private final NDManager manager;
    private final Map<String, NDArray> shadow = new LinkedHashMap<>();
    private long updates;
    private Applied applied;

    /** An average with warm-up, starting from the model's current weights. */
    public Ema(VelocityModel model, float decay) {
        this(model, decay, true);
    }

    /** An average starting from the model's current weights; {@code decay} in [0, 1). */
    public Ema(VelocityModel model, float decay, boolean warmup) {
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("EMA decay must lie in [0, 1), got " + decay);
        }
        this.model = model;
        this.decay = decay;
        this.warmup = warmup;
        NativeMemory.reclaim();
        this.manager = model.manager().newSubManager();
        NativeMemory.track(this, manager);
        try (NoGradient off = NoGradient.begin()) { // copies, not graph nodes hanging off the weights
            for (Pair<String, Parameter> p : model.block().getParameters()) {
                NDArray s = p.getValue().getArray().duplicate();
                s.attach(manager);
                shadow.put(p.getKey(), s);
            }
        }
    }

    public float decay() {
        return decay;
    }

    public boolean warmup() {
        return warmup;
    }

    /** Updates made so far. */
    public long updates() {
        return updates;
    }

    /** Whether the averaged weights are swapped into the model right now (inside {@link #apply()}'s scope). */
    public boolean applied() {
        return applied != null;
    }

    /** The decay d_n that the next update uses. */
    public float nextDecay() {
        return warmup ? Math.min(decay, (1f + updates) / (10f + updates)) : decay;
    }

    /** Moves the average towards the model's current weights, in place. */
    public void update() {
        if (applied != null) {
            throw new IllegalStateException("the EMA weights are applied to the model; close Ema.apply()'s scope "
                    + "before training or updating the average");
        }
        float d = nextDecay();
        try (NoGradient off = NoGradient.begin()) {
            for (Pair<String, Parameter> p : model.block().getParameters()) {
                try (NDArray part = p.getValue().getArray().mul(1f - d)) {
                    shadow.get(p.getKey()).muli(d).addi(part);
                }
            }
        }
        updates++;
    }

    /** The averaged weights by parameter name (live arrays, in parameter order). */
    public Map<String, NDArray> shadow() {
        return Collections.unmodifiableMap(shadow);
    }

    /** Replaces the average (as a checkpoint stored it): update count and copies of the averaged weights. */
    public void restore(long updateCount, Map<String, NDArray> weights) {
        if (updateCount < 0) {
            throw new IllegalArgumentException("EMA update count must be >= 0, got " + updateCount);
        }
        if (!weights.keySet().equals(shadow.keySet())) {
            throw new IllegalArgumentException("EMA weights name " + weights.keySet() + ", the model has "
                    + shadow.keySet());
        }
        for (Map.Entry<String, NDArray> e : weights.entrySet()) {
            copyInto(shadow.get(e.getKey()), e.getValue(), e.getKey());
        }
        this.updates = updateCount;
    }

    /** Copies the averaged weights into {@code target}, a model of the same architecture (e.g. for export). */
    public void copyTo(VelocityModel target) {
        for (Pair<String, Parameter> p : target.block().getParameters()) {
            NDArray s = shadow.get(p.getKey());
            if (s == null) {
                throw new IllegalArgumentException("the target model has parameter " + p.getKey()
                        + ", which this average does not; averaged: " + shadow.keySet());
            }
            copyInto(p.getValue().getArray(), s, p.getKey());
        }
    }

    /**
     * Puts the averaged weights into the model until the returned scope is closed, which puts the training
     * weights back. The average cannot be updated meanwhile.
     */
    public Applied apply() {
        if (applied != null) {
            throw new IllegalStateException("the EMA weights are already applied to the model");
        }
        applied = new Applied();
        return applied;
    }

    private static void copyInto(NDArray target, NDArray source, String name) {
        if (!target.getShape().equals(source.getShape())) {
            throw new IllegalArgumentException(name + " has shape " + target.getShape() + ", the average "
                    + source.getShape());
        }
        try (NoGradient off = NoGradient.begin()) { // an in-place write into a weight
            target.set(ALL, source);
        }
    }

    /** The averaged weights swapped into the model; {@link #close()} swaps the training weights back. */
    public final class Applied implements AutoCloseable {
        private final NDManager saved = manager.newSubManager();
        private final Map<String, NDArray> training = new LinkedHashMap<>();

        private Applied() {
            try (NoGradient off = NoGradient.begin()) {
                for (Pair<String, Parameter> p : model.block().getParameters()) {
                    NDArray w = p.getValue().getArray();
                    NDArray copy = w.duplicate();
                    copy.attach(saved);
                    training.put(p.getKey(), copy);
                    copyInto(w, shadow.get(p.getKey()), p.getKey());
                }
            }
        }

        @Override
        public void close() {
            if (applied != this) {
                return;
            }
            for (Pair<String, Parameter> p : model.block().getParameters()) {
                copyInto(p.getValue().getArray(), training.get(p.getKey()), p.getKey());
            }
            saved.close();
            applied = null;
        }
    }

    /** Frees the averaged weights (putting the training weights back first if they are swapped out). */
    @Override
    public void close() {
        if (applied != null) {
            applied.close();
        }
        manager.close();
    }
}
