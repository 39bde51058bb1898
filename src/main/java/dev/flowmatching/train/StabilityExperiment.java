package dev.flowmatching.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import dev.flowmatching.data.ImageBatches;
import dev.flowmatching.data.ImageSet;
import dev.flowmatching.model.Ema;
import dev.flowmatching.model.UNet;
import dev.flowmatching.model.UNetConfig;
import dev.flowmatching.model.VelocityModel;
import dev.flowmatching.path.AffinePath;
import dev.flowmatching.path.LinearScheduler;
import dev.flowmatching.path.PathSample;
import dev.flowmatching.path.TimeSampler;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.viz.Curves;
import dev.flowmatching.viz.Plot;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The same short training run with and without each stabiliser, to see which one keeps a UNet well behaved
 * at high resolution: an exponential moving average of the weights (EMA), QK-normalisation in attention, and
 * logit-normal time sampling. Every variant starts from the same seed, draws the same batches and noise, and
 * uses the same learning rate; only the switches differ. Per variant it records the loss and the gradient
 * norm (before clipping) of every step, whether and where training diverged (a non-finite loss or gradient),
 * and the loss of the weights one would sample with (the EMA's where it is on) on a fixed held-out batch with
 * uniform t, the same batch and noise for every variant (images chosen at random once, never trained on).
 *
 * <pre>{@code
 * StabilityExperiment e = new StabilityExperiment(UNetConfig.flowers("tiny", 128, 0), flowers128, 0)
 *         .steps(200).batchSize(16).learningRate(2e-4f);
 * List<StabilityExperiment.Outcome> outcomes = e.run(StabilityExperiment.Variant.standard(), v -> new LiveTraining(v.name()));
 * Display.show(StabilityExperiment.lossCurves(outcomes));
 * Display.show(StabilityExperiment.table(outcomes));
 * }</pre>
 */
public final class StabilityExperiment {
    /** Which stabilisers a run uses. */
    public record Variant(String name, boolean ema, boolean qkNorm, boolean logitNormal) {
        /** None, each one alone, all three. */
        public static List<Variant> standard() {
            return List.of(new Variant("plain", false, false, false), new Variant("EMA", true, false, false),
                    new Variant("QK-norm", false, true, false), new Variant("logit-normal t", false, false, true),
                    new Variant("all three", true, true, true));
        }
    }

    /**
     * What one run did: the loss and gradient norm per step taken, the step that diverged (0 = none), and the
     * held-out loss of its sampling weights (NaN after a divergence).
     */
    public record Outcome(Variant variant, float[] losses, float[] gradNorms, int divergedAt, double heldOutLoss,
            double seconds) {
        public boolean diverged() {
            return divergedAt > 0;
        }

        /** The mean loss over the last tenth of the steps taken (at least one): less noisy than the last step. */
        public double finalLoss() {
            int n = Math.max(1, losses.length / 10);
            double s = 0;
            for (int i = losses.length - n; i < losses.length; i++) {
                s += losses[i];
            }
            return losses.length == 0 ? Double.NaN : s / n;
        }

        public double maxGradNorm() {
            double max = Double.NaN;
            for (float g : gradNorms) {
                max = Double.isNaN(max) ? g : Math.max(max, g);
            }
            return max;
        }
    }

    private final UNetConfig config;
    private final ImageSet data;
    private final long seed;
    private int steps = 100;
    private int batchSize = 16;
    private float learningRate = 2e-4f;
    private int warmupSteps = 0;
    private float clipNorm = 0f;
    private float emaDecay = 0.999f;
    private int heldOut;

    /** Runs of a UNet shaped by {@code config} (QK-norm is set per variant) on {@code data}, seeded by {@code seed}. */
    public StabilityExperiment(UNetConfig config, ImageSet data, long seed) {
        if (config.inChannels() != data.channels()) {
            throw new IllegalArgumentException("the UNet takes " + config.inChannels() + " channels, the images have "
                    + data.channels());
        }
        require(data.size() >= 2, "needs at least 2 images (one to train on, one held out), got " + data.size());
        this.config = config.withClasses(0); // unconditional: the question is stability, not guidance
        this.data = data;
        this.seed = seed;
        this.heldOut = Math.max(1, Math.min(32, data.size() / 4));
    }

    public StabilityExperiment steps(int n) {
        require(n >= 1, "steps must be >= 1, got " + n);
        this.steps = n;
        return this;
    }

    public StabilityExperiment batchSize(int n) {
        require(n >= 1, "batch size must be >= 1, got " + n);
        this.batchSize = n;
        return this;
    }

    public StabilityExperiment learningRate(float lr) {
        require(lr > 0 && Float.isFinite(lr), "learning rate must be > 0, got " + lr);
        this.learningRate = lr;
        return this;
    }

    /** Warm-up steps, the same for every variant (default 0: the harsh setting, where instability shows). */
    public StabilityExperiment warmupSteps(int n) {
        require(n >= 0, "warm-up steps must be >= 0, got " + n);
        this.warmupSteps = n;
        return this;
    }

    /** Gradient clipping, the same for every variant (default 0 = off, so the raw gradient norm shows). */
    public StabilityExperiment clipNorm(float maxNorm) {
        require(maxNorm >= 0, "clip norm must be >= 0 (0 = off), got " + maxNorm);
        this.clipNorm = maxNorm;
        return this;
    }

    /** The decay of the variants that keep an EMA (with the decay warm-up of {@link Ema}). */
    public StabilityExperiment emaDecay(float decay) {
        require(decay >= 0 && decay < 1, "EMA decay must lie in [0, 1), got " + decay);
        this.emaDecay = decay;
        return this;
    }

    /** Images kept out of training, drawn at random once: the fixed held-out batch (default 32, at most a quarter). */
    public StabilityExperiment heldOut(int n) {
        require(n >= 1 && n < data.size(), "held-out batch must hold 1.." + (data.size() - 1) + " images, got " + n);
        this.heldOut = n;
        return this;
    }

    /** Runs every variant in turn; {@code listeners} gives each run its listener (e.g. a live display). */
    public List<Outcome> run(List<Variant> variants, Function<Variant, TrainingListener> listeners) {
        List<Outcome> out = new ArrayList<>();
        for (Variant v : variants) {
            out.add(run(v, listeners.apply(v)));
        }
        return out;
    }

    /** One run of {@code variant}. */
    public Outcome run(Variant variant, TrainingListener listener) {
        UNetConfig c = config.withQkNorm(variant.qkNorm());
        long[] shape = {data.channels(), data.height(), data.width()};
        try (VelocityModel model = new VelocityModel(new UNet(c), shape, 0, new Rng(seed))) {
            ImageBatches batches = new ImageBatches(data.select(Arrays.copyOfRange(split(), heldOut, data.size())));
            FlowMatchingTrainer trainer = new FlowMatchingTrainer(model, new AffinePath(new LinearScheduler()),
                    PairSource.labelled(batches::sample)).batchSize(batchSize).learningRate(learningRate)
                    .warmupSteps(warmupSteps).clipNorm(clipNorm)
                    .timeSampler(variant.logitNormal() ? TimeSampler.logitNormal(0, 1) : TimeSampler.uniform());
            if (variant.ema()) {
                trainer.ema(emaDecay);
            }
            // Recorded step by step, so a run that diverges keeps the curve up to the step before.
            List<float[]> taken = new ArrayList<>();
            TrainingListener record = info -> taken.add(new float[] {info.loss(), info.gradNorm()});
            long start = System.nanoTime();
            int divergedAt = 0;
            try {
                trainer.train(steps, new Rng(seed + 1), listener, record);
            } catch (TrainingDivergedException e) {
                divergedAt = e.step();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            float[] losses = new float[taken.size()];
            float[] g = new float[taken.size()];
            for (int i = 0; i < g.length; i++) {
                losses[i] = taken.get(i)[0];
                g[i] = taken.get(i)[1];
            }
            double held = divergedAt > 0 ? Double.NaN : heldOutLoss(model, trainer.ema());
            return new Outcome(variant, losses, g, divergedAt, held, seconds);
        }
    }

    /**
     * A fixed random order of the images: the first {@link #heldOut} are held out, the rest trained on (a random
     * split, since a set such as Flowers 102 stores its pictures class by class).
     */
    private int[] split() {
        return Rng.permutation(data.size(), new SplittableRandom(seed ^ 0x5EEDL));
    }

    /** The flow-matching loss of the sampling weights on a fixed batch, noise and uniform t (seeded apart). */
    private double heldOutLoss(VelocityModel model, Ema ema) {
        try (NDManager sub = model.manager().newSubManager(); Ema.Applied averaged = ema == null ? null : ema.apply()) {
            Rng rng = new Rng(seed + 2);
            NDArray x1 = data.images(sub, Arrays.copyOf(split(), heldOut));
            NDArray x0 = rng.normal(sub, x1.getShape());
            NDArray t = TimeSampler.uniform().sample(sub, heldOut, rng);
            PathSample s = new AffinePath(new LinearScheduler()).sample(x0, x1, t);
            return model.forward(s.xt(), s.t(), false).sub(s.velocity()).square().mean().getFloat();
        }
    }

    /** The smoothed loss of every variant on one chart (log scale), a line each. */
    public static Plot lossCurves(List<Outcome> outcomes) {
        Plot p = new Plot("Training loss by variant (smoothed)", "step", "loss (log scale)").logY().size(640, 340);
        for (Outcome o : outcomes) {
            if (o.losses().length > 0) {
                p.line(o.variant().name(), Curves.steps(o.losses().length), Curves.ema(o.losses(), 0.9));
            }
        }
        return p;
    }

    /** The gradient norm (before clipping) of every variant on one chart (log scale). */
    public static Plot gradNorms(List<Outcome> outcomes) {
        Plot p = new Plot("Gradient norm by variant (before clipping)", "step", "global gradient norm (log scale)")
                .logY().size(640, 340);
        for (Outcome o : outcomes) {
            if (o.gradNorms().length > 0) {
                p.line(o.variant().name(), Curves.steps(o.gradNorms().length), Curves.toDouble(o.gradNorms()));
            }
        }
        return p;
    }

    /** A row per variant: final loss, largest gradient norm, divergence, held-out loss of the sampling weights. */
    public static Table table(List<Outcome> outcomes) {
        StringColumn name = StringColumn.create("variant");
        DoubleColumn last = DoubleColumn.create("final loss (last 10%)");
        DoubleColumn maxNorm = DoubleColumn.create("max gradient norm");
        StringColumn diverged = StringColumn.create("diverged");
        DoubleColumn held = DoubleColumn.create("held-out loss, sampling weights");
        DoubleColumn seconds = DoubleColumn.create("seconds");
        for (Outcome o : outcomes) {
            name.append(o.variant().name());
            last.append(o.finalLoss());
            maxNorm.append(o.maxGradNorm());
            diverged.append(o.diverged() ? "at step " + o.divergedAt() : "no");
            held.append(o.heldOutLoss());
            seconds.append(o.seconds());
        }
        return Table.create("Stability: the same run with and without each stabiliser", name, last, maxNorm, diverged,
                held, seconds);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("StabilityExperiment: " + message);
        }
    }
}
