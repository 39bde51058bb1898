package dev.flowmatching.notebook;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntSupplier;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import dev.flowmatching.model.Ema;
import dev.flowmatching.model.GuidedSampler;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.train.FlowMatchingTrainer;
import dev.flowmatching.train.StepInfo;
import dev.flowmatching.train.TrainingListener;
import dev.flowmatching.train.TrainingResult;
import dev.flowmatching.viz.ImageGrid;

/**
 * Sample grids while a model trains: before the first step, every {@code every} steps and after the last, it
 * samples from the model as it is then and replaces one notebook output with the new grid. Every preview
 * starts from the same noise (a fresh {@link Rng} of the same seed), so a reader sees one set of pictures
 * change as the model learns, not new pictures each time. The previews are kept: {@link #overTraining()}
 * tiles them, a row per step.
 *
 * <p>Sampling takes its own generator and re-seeds the engine's, so the training run draws exactly what it
 * would draw without previews (the training {@link Rng} re-seeds before each of its draws). Preview time
 * counts towards the run's wall time.
 *
 * <pre>{@code
 * GuidedSampler sampler = new GuidedSampler(model, Solvers.named("midpoint"), 10);
 * SamplePreviews previews = SamplePreviews.of(trainer, sampler, GuidedSampler.rows(4, 2), 100, seed);
 * trainer.train(steps, rng, new LiveTraining("UNet"), previews);
 * Display.show(previews.overTraining().scale(2));
 * }</pre>
 */
public final class SamplePreviews implements TrainingListener {
    /** Draws the preview images (n, C, H, W) in [-1, 1] from the model as it is now, with noise from {@code rng}. */
    @FunctionalInterface
    public interface Sampler {
        NDArray sample(NDManager manager, Rng rng);
    }

    /** One preview: the step it was taken after (0 = before training) and its pixels, row-major (n, C, H, W). */
    public record Preview(int step, float[] pixels, long[] shape) {
    }

    private final String title;
    private final int every;
    private final long seed;
    private final NDManager parent;
    private final Sampler sampler;
    private IntSupplier stepCounter;
    private int columns = 8;
    private final List<Preview> previews = new ArrayList<>();
    private String displayId;
    private int lastPreviewStep = -1;

    /**
     * Previews every {@code every} steps (0 = only before and after training) drawn by {@code sampler} with a
     * fresh {@code new Rng(seed)} each time, in sub-managers of {@code parent}.
     */
    public SamplePreviews(String title, int every, long seed, NDManager parent, Sampler sampler) {
        if (every < 0) {
            throw new IllegalArgumentException("preview interval must be >= 0 steps (0 = start and end only), got " + every);
        }
        this.title = title;
        this.every = every;
        this.seed = seed;
        this.parent = parent;
        this.sampler = sampler;
    }

    /**
     * Previews of a class-conditional model: {@code sampler} draws one image per label of {@code labels}, from
     * the trainer's moving average of the weights when it keeps one, else from the weights. Steps are counted
     * over the trainer's whole life (a resumed run goes on counting).
     */
    public static SamplePreviews of(FlowMatchingTrainer trainer, GuidedSampler sampler, int[] labels, int every,
            long seed) {
        int[] copy = labels.clone();
        SamplePreviews p = new SamplePreviews("samples", every, seed, trainer.model().manager(), (manager, rng) -> {
            Ema ema = trainer.ema();
            if (ema == null) {
                return sampler.sample(manager, copy, rng);
            }
            try (Ema.Applied averaged = ema.apply()) {
                return sampler.sample(manager, copy, rng);
            }
        });
        p.stepCounter = trainer::stepsDone;
        p.columns = Math.min(copy.length, 8);
        return p;
    }

    /** Images per row of the live grid (default 8). */
    public SamplePreviews columns(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("columns must be >= 1, got " + n);
        }
        this.columns = n;
        return this;
    }

    @Override
    public void onStart(int totalSteps) {
        displayId = Display.showUpdatable(MimeBundle.text(title + ": previews every " + every + " steps"));
        preview(currentStep(0), totalSteps);
    }

    @Override
    public void onStep(StepInfo info) {
        if (every > 0 && info.step() % every == 0) {
            preview(currentStep(info.step()), info.totalSteps());
        }
    }

    @Override
    public void onEnd(TrainingResult result) {
        int step = currentStep(result.steps());
        if (displayId != null && step != lastPreviewStep) {
            preview(step, result.steps());
        }
    }

    /** The previews so far, in step order. */
    public List<Preview> previews() {
        return List.copyOf(previews);
    }

    /** The steps at which previews were taken. */
    public int[] steps() {
        return previews.stream().mapToInt(Preview::step).toArray();
    }

    /** Every preview as one grid: a row per preview, the first (before training) on top. */
    public ImageGrid overTraining() {
        if (previews.isEmpty()) {
            throw new IllegalStateException("no previews yet: pass this listener to trainer.train(...) first");
        }
        long[] shape = previews.get(0).shape();
        int perPreview = (int) shape[0];
        float[] all = new float[previews.size() * previews.get(0).pixels().length];
        for (int i = 0; i < previews.size(); i++) {
            float[] p = previews.get(i).pixels();
            System.arraycopy(p, 0, all, i * p.length, p.length);
        }
        return ImageGrid.of(all, previews.size() * perPreview, (int) shape[1], (int) shape[2], (int) shape[3], perPreview)
                .caption("a row per training step: " + Arrays.toString(steps()) + ", the same noise in every row");
    }

    private int currentStep(int stepOfThisRun) {
        return stepCounter == null ? stepOfThisRun : stepCounter.getAsInt();
    }

    private void preview(int step, int totalSteps) {
        Preview p;
        try (NDManager sub = parent.newSubManager()) {
            NDArray images = sampler.sample(sub, new Rng(seed));
            p = new Preview(step, images.toType(DataType.FLOAT32, false).toFloatArray(), images.getShape().getShape());
        }
        if (!previews.isEmpty() && !Arrays.equals(previews.get(0).shape(), p.shape())) {
            throw new IllegalStateException("preview at step " + step + " has shape " + Arrays.toString(p.shape())
                    + ", the first had " + Arrays.toString(previews.get(0).shape()) + ": the sampler must draw the same "
                    + "number of images of one size every time");
        }
        previews.add(p);
        lastPreviewStep = step;
        long[] s = p.shape();
        ImageGrid grid = ImageGrid.of(p.pixels(), (int) s[0], (int) s[1], (int) s[2], (int) s[3], columns)
                .scale(Math.max(1, (int) Math.ceil(96.0 / s[3]))) // about 100 px a tile
                .caption(title + " after step " + step + (totalSteps > 0 ? " (this run: " + totalSteps + " steps)" : "")
                        + ", the same noise each time");
        Display.update(displayId, grid);
    }
}
