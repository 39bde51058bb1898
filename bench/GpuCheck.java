import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.data.ImageBatches;
import dev.flowmatching.data.ImageSet;
import dev.flowmatching.data.PrefetchingBatches;
import dev.flowmatching.data.SyntheticFlowers;
import dev.flowmatching.model.GuidedSampler;
import dev.flowmatching.model.UNet;
import dev.flowmatching.model.UNetConfig;
import dev.flowmatching.model.VelocityModel;
import dev.flowmatching.path.AffinePath;
import dev.flowmatching.path.LinearScheduler;
import dev.flowmatching.path.TimeSampler;
import dev.flowmatching.runtime.EnvironmentReport;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;
import dev.flowmatching.solver.Euler;
import dev.flowmatching.solver.Solvers;
import dev.flowmatching.train.FlowMatchingTrainer;
import dev.flowmatching.train.PairSource;
import dev.flowmatching.train.StabilityExperiment;
import dev.flowmatching.train.StepInfo;
import dev.flowmatching.viz.ImageGrid;
import dev.flowmatching.viz.Plot;

/**
 * What notebook 04 does on a GPU, without Jupyter: run it on a GPU host to see the device used, the Flowers UNet's
 * step and sampling times at 64 x 64, samples after a fixed training budget, and the 128 x 128 stability runs.
 * A check and a benchmark, not a test: it prints figures and writes PNGs; the data are SyntheticFlowers, so it
 * needs no download.
 * <pre>
 *   bench/run.sh gpu-check [OUT_DIR] [TRAIN_SECONDS] [MODEL_SIZE] [PARTS]
 *       defaults: target/gpu-check, 120, base, time,train,stability (the environment is always printed)
 * </pre>
 */
public final class GpuCheck {
    private static final int BATCH = 32;

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "target/gpu-check");
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 120;
        String size = args.length > 2 ? args[2] : "base";
        Files.createDirectories(out);
        EnvironmentReport env = EnvironmentReport.collect("none");
        env.entries().forEach(e -> System.out.println(e.name() + ": " + e.value()));
        env.warnings().forEach(w -> System.out.println("WARNING: " + w));
        System.out.println("device: " + Torch.device() + (Torch.device().isGpu() ? "" : " (no GPU seen: timing the CPU)"));
        List<String> parts = List.of((args.length > 3 ? args[3] : "time,train,stability").split(","));
        if (parts.contains("time")) {
            for (String s : List.of("small", size)) {
                timeSteps(s);
            }
        }
        if (parts.contains("train")) {
            trainForBudget(out, size, seconds);
        }
        if (parts.contains("stability")) {
            stability(out, size);
        }
    }

    /** Median training step and 10-step Euler sampling of the Flowers UNet at 64 x 64, batch 32, on one fixed batch. */
    static void timeSteps(String size) {
        Rng rng = new Rng(0);
        Shape shape = new Shape(BATCH, 3, 64, 64);
        try (VelocityModel model = new VelocityModel(new UNet(UNetConfig.flowers(size, 64, 0)), new long[] {3, 64, 64}, rng);
                NDManager manager = NDManager.newBaseManager(Torch.device())) {
            NDArray images = rng.uniform(manager, -1f, 1f, shape);
            PairSource pairs = (m, b, r) -> {
                images.tempAttach(m);
                return new NDList(r.normal(m, shape), images);
            };
            FlowMatchingTrainer trainer = new FlowMatchingTrainer(model, new AffinePath(new LinearScheduler()), pairs)
                    .batchSize(BATCH).learningRate(2e-4f).warmupSteps(100).clipNorm(1f);
            trainer.train(10, rng); // cuDNN's algorithm choice, the allocator's pools, the JIT
            List<Double> ms = new ArrayList<>();
            long[] last = {System.nanoTime()};
            trainer.train(30, rng, (StepInfo info) -> { // the loss is read back every step, so each step has ended
                long now = System.nanoTime();
                ms.add((now - last[0]) / 1e6);
                last[0] = now;
            });
            NDArray start = rng.normal(manager, shape);
            List<Double> euler = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                long t0 = System.nanoTime();
                NDArray x = new Euler().solve(model, start, 10).x();
                x.toFloatArray(); // waits for the device
                euler.add((System.nanoTime() - t0) / 1e6);
                x.close();
            }
            double step = median(ms);
            System.out.printf(Locale.ROOT, "UNet '%s' at 64 px (%,d parameters), batch %d: training step median %.1f ms "
                    + "(p90 %.1f, %.0f images/s); Euler 10 steps median %.1f ms%n", size, model.parameterCount(), BATCH,
                    step, quantile(ms, 0.9), BATCH * 1000 / step, median(euler.subList(1, euler.size())));
        }
    }

    /** Notebook 04's training (logit-normal t, EMA, flips) for a fixed time; samples and the loss curve as PNG. */
    static void trainForBudget(Path out, String size, int seconds) throws IOException {
        ImageSet flowers = new SyntheticFlowers(0).generate(2000, 64);
        Rng rng = new Rng(0);
        UNetConfig config = UNetConfig.flowers(size, 64, flowers.numClasses());
        try (VelocityModel model = new VelocityModel(new UNet(config), new long[] {3, 64, 64}, config.classes(), rng);
                PrefetchingBatches batches = new PrefetchingBatches(new ImageBatches(flowers), BATCH, 0).flips(true);
                NDManager manager = NDManager.newBaseManager(Torch.device())) {
            FlowMatchingTrainer trainer = new FlowMatchingTrainer(model, new AffinePath(new LinearScheduler()),
                    PairSource.labelled(batches)).batchSize(BATCH).learningRate(size.equals("base") ? 2e-4f : 1e-3f)
                    .ema(0.999f).timeSampler(TimeSampler.logitNormal(0, 1));
            List<Float> losses = new ArrayList<>();
            long t0 = System.nanoTime();
            while ((System.nanoTime() - t0) / 1e9 < seconds) {
                for (float l : trainer.train(50, rng).losses()) {
                    losses.add(l);
                }
            }
            double took = (System.nanoTime() - t0) / 1e9;
            GuidedSampler sampler = new GuidedSampler(model, Solvers.named("midpoint"), Solvers.stepsForNfe("midpoint", 16))
                    .guidance(1.5f);
            NDArray samples;
            long s0 = System.nanoTime();
            try (var averaged = trainer.ema().apply()) {
                samples = sampler.sample(manager, GuidedSampler.rows(Math.min(5, flowers.numClasses()), 8), new Rng(2));
                samples.toFloatArray();
            }
            double sampling = (System.nanoTime() - s0) / 1e9;
            Files.write(out.resolve("samples-" + size + "-64px.png"), ImageGrid.of(samples, 8).scale(2).png());
            double[] steps = new double[losses.size()];
            double[] smooth = new double[losses.size()];
            double ema = losses.get(0);
            for (int i = 0; i < steps.length; i++) {
                steps[i] = i + 1;
                smooth[i] = ema = 0.98 * ema + 0.02 * losses.get(i);
            }
            writeCsv(out.resolve("loss-" + size + "-64px.csv"), "step,loss", losses.size(),
                    i -> (i + 1) + "," + losses.get(i));
            writePng(out.resolve("loss-" + size + "-64px.png"),
                    () -> new Plot("training loss, smoothed", "step", "loss").line(size, steps, smooth).logY().png());
            int n = Math.min(50, losses.size());
            System.out.printf(Locale.ROOT, "trained '%s' on %s for %.0f s: %d steps (%.1f steps/s), mean loss of the "
                    + "first %d steps %.4f, of the last %d %.4f; 40 samples, midpoint NFE 16, guidance 1.5, EMA weights: "
                    + "%.2f s%n", size, flowers.name(), took, losses.size(), losses.size() / took, n,
                    mean(losses.subList(0, n)), n, mean(losses.subList(losses.size() - n, losses.size())), sampling);
        }
    }

    /** Notebook 04's stability experiment at its GPU setting: 128 px, the given size, batch 16, a high learning rate. */
    static void stability(Path out, String size) throws IOException {
        ImageSet flowers = new SyntheticFlowers(0).generate(400, 128);
        List<StabilityExperiment.Outcome> outcomes = new StabilityExperiment(UNetConfig.flowers(size, 128, 0), flowers, 0)
                .steps(60).batchSize(16).learningRate(2e-2f).emaDecay(0.999f)
                .run(StabilityExperiment.Variant.standard(), v -> info -> { });
        System.out.println("stability at 128 px, '" + size + "', 60 steps, batch 16, lr 2e-2, no warm-up, no clipping:");
        for (StabilityExperiment.Outcome o : outcomes) {
            System.out.printf(Locale.ROOT, "  %-15s final loss %.4f, max grad norm %.3g, diverged at %s, held-out loss "
                    + "%.4f, %.1f s%n", o.variant().name(), o.finalLoss(), o.maxGradNorm(),
                    o.diverged() ? "step " + o.divergedAt() : "-", o.heldOutLoss(), o.seconds());
        }
        writeCsv(out.resolve("stability-" + size + "-128px.csv"), "variant,step,loss,grad_norm",
                outcomes.stream().mapToInt(o -> o.losses().length).sum(), i -> {
                    int k = i;
                    for (StabilityExperiment.Outcome o : outcomes) {
                        if (k < o.losses().length) {
                            return o.variant().name() + "," + (k + 1) + "," + o.losses()[k] + "," + o.gradNorms()[k];
                        }
                        k -= o.losses().length;
                    }
                    throw new IllegalStateException("row " + i);
                });
        writePng(out.resolve("stability-" + size + "-128px.png"), () -> StabilityExperiment.lossCurves(outcomes).png());
    }

    static void writeCsv(Path file, String header, int rows, java.util.function.IntFunction<String> row)
            throws IOException {
        List<String> lines = new ArrayList<>(List.of(header));
        for (int i = 0; i < rows; i++) {
            lines.add(row.apply(i));
        }
        Files.write(file, lines);
    }

    /** A chart as PNG; a headless server without font libraries gets the CSV beside it and a note instead. */
    static void writePng(Path file, java.util.function.Supplier<byte[]> png) throws IOException {
        try {
            Files.write(file, png.get());
        } catch (LinkageError e) { // AWT's font manager needs libfreetype, libharfbuzz and a font
            System.out.println("no " + file.getFileName() + ": charts need the system's font libraries (" + e.getMessage()
                    + "; on Debian/Ubuntu: apt-get install libfreetype6 libharfbuzz0b fonts-dejavu-core); the "
                    + "numbers are in the CSV beside it");
        }
    }

    static double mean(List<Float> v) {
        return v.stream().mapToDouble(Float::doubleValue).average().orElse(Double.NaN);
    }

    static double median(List<Double> v) {
        return quantile(v, 0.5);
    }

    static double quantile(List<Double> v, double q) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s[(int) Math.round(q * (s.length - 1))];
    }
}
