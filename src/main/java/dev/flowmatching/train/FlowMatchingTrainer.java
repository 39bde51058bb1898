package dev.flowmatching.train;

import java.util.ArrayList;
import java.util.List;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;

import dev.flowmatching.model.Ema;
import dev.flowmatching.model.VelocityModel;
import dev.flowmatching.path.AffinePath;
import dev.flowmatching.path.PathSample;
import dev.flowmatching.path.TimeSampler;
import dev.flowmatching.runtime.NativeMemory;
import dev.flowmatching.runtime.NoGradient;
import dev.flowmatching.runtime.Rng;

/**
 * Conditional flow matching training (Lipman et al. 2023): draw pairs (x0, x1) and times t, form x_t and
 * the target velocity u_t on the path, and minimise {@code |v(x_t, t) - u_t|^2} with {@link AdamW}.
 *
 * <p>The loop is written by hand on {@link GradientCollector} (DJL's {@code Trainer} was not reproducible
 * between same-seed runs here, see DESIGN.md): one sub-manager per step, so native memory stays flat;
 * global gradient-norm clipping; linear warm-up; all randomness from one {@link Rng}, so one seed on one
 * device gives the same loss curve bit for bit. Calling {@link #train} again continues where it stopped,
 * with the optimizer's state; so does a fresh trainer after {@link Checkpoint#load}. A thread interrupt
 * (the notebook's stop button) ends training cleanly after the current step.
 *
 * <p>A class-conditional model gets the labels of a {@link PairSource#labelled} source, each replaced by the
 * null class with probability {@link #labelDropout} so that the same model also learns the unconditional
 * field, which classifier-free guidance needs (Ho and Salimans 2022). With {@link #ema} the trainer keeps an
 * exponential moving average of the weights, updated after every step.
 *
 * <pre>{@code
 * var trainer = new FlowMatchingTrainer(model, new AffinePath(new LinearScheduler()),
 *         PairSource.independent(source, target)).batchSize(256).learningRate(1e-3f);
 * TrainingResult r = trainer.train(2000, rng, listener);
 * var digits = new FlowMatchingTrainer(unet, path, PairSource.labelled(mnist::sample)).ema(0.999f);
 * }</pre>
 */
public final class FlowMatchingTrainer {
    /** Default {@link #labelDropout} for a class-conditional model: the 10% of Ho and Salimans 2022. */
    public static final float DEFAULT_LABEL_DROPOUT = 0.1f;

    private final VelocityModel model;
    private final AffinePath path;
    private final PairSource pairs;
    private TimeSampler timeSampler = TimeSampler.uniform();
    private int batchSize = 256;
    private float learningRate = 1e-3f;
    private int warmupSteps = 100;
    private float clipNorm = 1f;
    private float labelDropout = Float.NaN; // NaN: the default for the model
    private final AdamW optimizer;
    private Ema ema;
    private int stepsDone;
    private float lastFiniteLoss = Float.NaN;
    private boolean started;

    public FlowMatchingTrainer(VelocityModel model, AffinePath path, PairSource pairs) {
        this.model = model;
        this.path = path;
        this.pairs = pairs;
        this.optimizer = new AdamW(model.manager());
    }

    public FlowMatchingTrainer timeSampler(TimeSampler sampler) {
        this.timeSampler = sampler;
        return this;
    }

    public FlowMatchingTrainer batchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.batchSize = batchSize;
        return this;
    }

    /** The peak learning rate (reached after the warm-up); changing it keeps the optimizer's state. */
    public FlowMatchingTrainer learningRate(float lr) {
        new WarmupSchedule(lr, 0); // validates
        this.learningRate = lr;
        return this;
    }

    /** Steps of linear warm-up, counted from the trainer's first step (see {@link WarmupSchedule}). */
    public FlowMatchingTrainer warmupSteps(int steps) {
        new WarmupSchedule(1f, steps); // validates
        this.warmupSteps = steps;
        return this;
    }

    /** Rescales the gradient when its global norm exceeds {@code maxNorm}; 0 turns clipping off. */
    public FlowMatchingTrainer clipNorm(float maxNorm) {
        if (!(maxNorm >= 0)) {
            throw new IllegalArgumentException("clip norm must be >= 0 (0 = off), got " + maxNorm);
        }
        this.clipNorm = maxNorm;
        return this;
    }

    /** AdamW's decoupled weight decay. */
    public FlowMatchingTrainer weightDecay(float wd) {
        optimizer.weightDecay(wd);
        return this;
    }

    /**
     * The probability with which each training label is replaced by the null class, so the model also
     * learns the unconditional field (default {@value #DEFAULT_LABEL_DROPOUT} for a conditional model; 0 turns
     * guidance training off). Drawn from the training {@link Rng}.
     */
    public FlowMatchingTrainer labelDropout(float p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("label dropout must be a probability in [0, 1], got " + p);
        }
        if (model.classes() == 0) {
            throw new IllegalArgumentException("label dropout needs a class-conditional model; this one has 0 classes");
        }
        this.labelDropout = p;
        return this;
    }

    /** The label dropout in use (0 for an unconditional model). */
    public float labelDropout() {
        if (model.classes() == 0) {
            return 0f;
        }
        return Float.isNaN(labelDropout) ? DEFAULT_LABEL_DROPOUT : labelDropout;
    }

    /**
     * Keeps an exponential moving average of the weights from now on (with the decay warm-up of {@link Ema}),
     * updated after every step; sample with it through {@code trainer.ema().apply()}.
     */
    public FlowMatchingTrainer ema(float decay) {
        return ema(decay, true);
    }

    /** As {@link #ema(float)}, choosing whether the decay warms up. Replaces an earlier average. */
    public FlowMatchingTrainer ema(float decay, boolean warmup) {
        Ema next = new Ema(model, decay, warmup);
        if (ema != null) {
            ema.close();
        }
        ema = next;
        return this;
    }

    /** The moving average of the weights, or null when {@link #ema(float)} was not called. */
    public Ema ema() {
        return ema;
    }

    /** The optimizer, whose state a checkpoint stores. */
    public AdamW optimizer() {
        return optimizer;
    }

    public VelocityModel model() {
        return model;
    }

    /** Steps taken so far over all calls to {@link #train}. */
    public int stepsDone() {
        return stepsDone;
    }

    /** The settings that shape training (not the state), as one line: stored in checkpoints for reference. */
    public String settings() {
        return "batch " + batchSize + ", lr " + learningRate + ", warm-up " + warmupSteps + ", clip " + clipNorm
                + ", weight decay " + optimizer.weightDecay() + ", label dropout " + labelDropout() + ", time "
                + timeSampler.name() + ", ema " + (ema == null ? "off" : ema.decay()
                + (ema.warmup() ? " with warm-up" : ""));
    }

    /** Sets the progress counters (a checkpoint's): steps done and the last finite loss. */
    void restoreProgress(int steps, float lastLoss) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps done must be >= 0, got " + steps);
        }
        this.stepsDone = steps;
        this.lastFiniteLoss = lastLoss;
    }

    float lastFiniteLoss() {
        return lastFiniteLoss;
    }

    /** Makes the trainer keep a moving average restored from a checkpoint, or drops it (null). */
    void restoreEma(Ema restored) {
        if (ema != null && ema != restored) {
            ema.close();
        }
        ema = restored;
    }

    /** Runs {@code steps} training steps (fewer if interrupted). */
    public TrainingResult train(int steps, Rng rng, TrainingListener... listeners) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        }
        if (ema != null && ema.applied()) {
            throw new IllegalStateException("the EMA weights are applied to the model; close Ema.apply()'s scope "
                    + "before training");
        }
        if (!started) { // a trainer cell run again dropped the last trainer: its moments and average go first
            NativeMemory.reclaim(); // once per trainer, not per call: a loop of short train calls pays no GC each
            started = true;
        }
        List<Pair<String, Parameter>> params = new ArrayList<>();
        model.block().getParameters().forEach(params::add);
        float[] losses = new float[steps];
        int done = 0;
        boolean interrupted = false;
        long start = System.nanoTime();
        for (TrainingListener l : listeners) {
            l.onStart(steps);
        }
        TrainingResult result = null;
        // Only the GradientCollector inside a step records; the rest (pairs, clipping, AdamW, EMA, the listeners'
        // previews) must not, whichever thread runs this (see NoGradient).
        try (NoGradient off = NoGradient.begin()) {
            for (int i = 0; i < steps; i++) {
                if (Thread.currentThread().isInterrupted()) {
                    interrupted = true;
                    break;
                }
                float[] lossAndNorm = step(params, rng);
                losses[i] = lossAndNorm[0];
                done++;
                stepsDone++;
                StepInfo info = new StepInfo(i + 1, steps, lossAndNorm[0],
                        new WarmupSchedule(learningRate, warmupSteps).getNewValue(stepsDone), lossAndNorm[1],
                        (System.nanoTime() - start) / 1e9);
                for (TrainingListener l : listeners) {
                    l.onStep(info);
                }
            }
        } finally {
            float[] taken = java.util.Arrays.copyOf(losses, done);
            result = new TrainingResult(taken, done, interrupted, (System.nanoTime() - start) / 1e9);
            for (TrainingListener l : listeners) {
                l.onEnd(result);
            }
        }
        return result;
    }

    /** One step; returns {loss, gradient norm}. Throws before updating if either is not finite. */
    private float[] step(List<Pair<String, Parameter>> params, Rng rng) {
        int stepNumber = stepsDone + 1;
        try (NDManager sub = model.manager().newSubManager()) {
            NDList pair = pairs.sample(sub, batchSize, rng);
            NDArray t = timeSampler.sample(sub, batchSize, rng);
            NDArray labels = labels(pair, sub, rng);
            PathSample s = path.sample(pair.get(0), pair.get(1), t);
            NDArray loss;
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                loss = model.forward(s.xt(), s.t(), labels, true).sub(s.velocity()).square().mean();
                gc.backward(loss);
            }
            List<NDArray> grads = new ArrayList<>(params.size());
            for (Pair<String, Parameter> p : params) {
                NDArray g = p.getValue().getArray().getGradient();
                g.attach(sub);
                grads.add(g);
            }
            // All gradients in one array: one op for the global norm, one for clipping, and AdamW's input.
            NDArray flat = AdamW.flatten(grads);
            // One read back from the device for both numbers: the loss and the global gradient norm.
            float[] lossAndNorm = NDArrays.stack(new NDList(loss, flat.norm())).toFloatArray();
            float lossValue = lossAndNorm[0];
            float norm = lossAndNorm[1];
            if (!Float.isFinite(lossValue) || !Float.isFinite(norm)) {
                zero(grads);
                int lastStep = Float.isNaN(lastFiniteLoss) ? 0 : stepNumber - 1;
                throw new TrainingDivergedException(Float.isFinite(lossValue) ? "the gradient norm" : "the loss",
                        stepNumber, Float.isFinite(lossValue) ? norm : lossValue, lastFiniteLoss, lastStep);
            }
            float scale = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1f;
            if (scale != 1f) {
                flat.muli(scale);
            }
            // The AdamW update also clears the weights' gradients (libtorch accumulates them).
            optimizer.step(params, flat, new WarmupSchedule(learningRate, warmupSteps).getNewValue(stepNumber));
            if (ema != null) {
                ema.update();
            }
            lastFiniteLoss = lossValue;
            return new float[] {lossValue, norm};
        }
    }

    /**
     * The batch's labels for a class-conditional model, each replaced by the null class with probability
     * {@link #labelDropout()}; null for an unconditional model (which ignores labels a source gives).
     */
    private NDArray labels(NDList pair, NDManager sub, Rng rng) {
        if (model.classes() == 0) {
            return null;
        }
        if (pair.size() < 3) {
            throw new IllegalArgumentException("the model is conditional on " + model.classes() + " classes but the "
                    + "pair source gives no labels: use PairSource.labelled(...) or a source returning "
                    + "(x0, x1, labels)");
        }
        NDArray y = pair.get(2);
        long batch = pair.get(1).getShape().get(0);
        if (!y.getShape().equals(new Shape(batch)) || !y.getDataType().isInteger()) {
            throw new IllegalArgumentException("labels must be integer class ids of shape (" + batch + "), got "
                    + y.getDataType() + " " + y.getShape());
        }
        float p = labelDropout();
        if (p == 0f) {
            return y;
        }
        NDArray drop = rng.uniform(sub, 0f, 1f, new Shape(batch)).lt(p);
        return NDArrays.where(drop, sub.full(new Shape(batch), model.nullClass(), DataType.INT32),
                y.toType(DataType.INT32, false));
    }

    /** Clears gradients in place (NaN-safe) where no update did: libtorch accumulates them across passes. */
    private static void zero(List<NDArray> grads) {
        for (NDArray g : grads) {
            g.set(new NDIndex("..."), 0f);
        }
    }
}
