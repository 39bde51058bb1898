package dev.flowmatching.notebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.data.ImageBatches;
import dev.flowmatching.data.ImageSet;
import dev.flowmatching.model.GuidedSampler;
import dev.flowmatching.model.UNet;
import dev.flowmatching.model.UNetConfig;
import dev.flowmatching.model.VelocityModel;
import dev.flowmatching.path.AffinePath;
import dev.flowmatching.path.LinearScheduler;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;
import dev.flowmatching.solver.Euler;
import dev.flowmatching.train.FlowMatchingTrainer;
import dev.flowmatching.train.PairSource;
import dev.flowmatching.train.StepInfo;
import dev.flowmatching.train.TrainingResult;

/** Previews during training: one output updated in place, the same noise each time, training left as it was. */
class SamplePreviewsTest {
    @RegisterExtension
    final RecordingSink recorder = new RecordingSink();

    /** Drives a listener through {@code steps} steps without a model. */
    private static void drive(SamplePreviews p, int steps) {
        p.onStart(steps);
        for (int i = 1; i <= steps; i++) {
            p.onStep(new StepInfo(i, steps, 1f, 1e-3f, 1f, i));
        }
        p.onEnd(new TrainingResult(new float[steps], steps, false, steps));
    }

    @Test
    void previewsAtTheStartEveryNStepsAndTheEndInOneOutputWithTheSameNoise() {
        try (NDManager m = Torch.engine().newBaseManager()) {
            // The "model" is the identity on noise: the pictures are the noise itself.
            SamplePreviews p = new SamplePreviews("noise", 2, 5, m,
                    (manager, rng) -> rng.normal(manager, new Shape(3, 3, 4, 4)).tanh());
            drive(p, 5);
            assertArrayEquals(new int[] {0, 2, 4, 5}, p.steps());
            String id = recorder.calls.get(0).id();
            assertNotNull(id);
            assertEquals(5, recorder.calls.size(), "one output shown, then four previews replace it");
            assertTrue(recorder.calls.stream().skip(1).allMatch(c -> c.kind().equals("update") && id.equals(c.id())
                    && c.bundle().has(MimeBundle.PNG)));
            assertTrue(recorder.calls.get(2).bundle().plainText().contains("after step 2"),
                    recorder.calls.get(2).bundle().plainText());
            List<SamplePreviews.Preview> all = p.previews();
            for (SamplePreviews.Preview q : all) {
                assertArrayEquals(all.get(0).pixels(), q.pixels(), "preview at step " + q.step());
            }
            assertEquals(4, p.overTraining().rows());
        }
    }

    @Test
    void withoutAKernelThePreviewsAreWrittenAsPngFiles(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        Display.use(new FileSink(dir, new PrintStream(text, true, StandardCharsets.UTF_8)));
        try (NDManager m = Torch.engine().newBaseManager()) {
            SamplePreviews p = new SamplePreviews("noise", 0, 1, m,
                    (manager, rng) -> rng.uniform(manager, -1f, 1f, new Shape(2, 1, 8, 8)));
            drive(p, 3);
            assertArrayEquals(new int[] {0, 3}, p.steps(), "interval 0: before and after training only");
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(2, files.filter(f -> f.toString().endsWith(".png")).count());
        }
        assertTrue(text.toString(StandardCharsets.UTF_8).contains("after step 3"), text.toString(StandardCharsets.UTF_8));
    }

    /** Two classes of 1 x 28 x 28 images: dark and light squares. */
    private static ImageSet squares() {
        int n = 8;
        byte[] pixels = new byte[n * 28 * 28];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            Arrays.fill(pixels, i * 784, (i + 1) * 784, (byte) (labels[i] == 0 ? 40 : 220));
        }
        return ImageSet.of("squares", 1, 28, 28, List.of("dark", "light"), labels, pixels);
    }

    private static FlowMatchingTrainer trainer(VelocityModel model, ImageSet set) {
        ImageBatches batches = new ImageBatches(set);
        return new FlowMatchingTrainer(model, new AffinePath(new LinearScheduler()), PairSource.labelled(batches::sample))
                .batchSize(4).learningRate(1e-2f).warmupSteps(0);
    }

    @Test
    void unchangedWeightsGiveIdenticalPreviewsWhateverElseDrewInBetween() {
        Rng init = new Rng(3);
        try (VelocityModel model = new VelocityModel(new UNet(UNetConfig.mnist("tiny", 2)), new long[] {1, 28, 28}, 2, init);
                NDManager other = Torch.engine().newBaseManager()) {
            FlowMatchingTrainer t = trainer(model, squares());
            t.train(2, new Rng(4)); // weights away from the zero-initialised output layer
            SamplePreviews p = SamplePreviews.of(t, new GuidedSampler(model, new Euler(), 3), new int[] {0, 1, 0, 1}, 1, 9);
            p.onStart(2);
            new Rng(77).normal(other, new Shape(100)); // the engine's generator moves on
            p.onStep(new StepInfo(1, 2, 1f, 1e-3f, 1f, 1));
            assertArrayEquals(p.previews().get(0).pixels(), p.previews().get(1).pixels());
            assertArrayEquals(new int[] {2, 2}, p.steps(), "steps counted over the trainer's life");
        }
    }

    @Test
    void trainingDrawsTheSameWithPreviewsAndThePreviewsFollowTheWeights() {
        float[][] losses = new float[2][];
        SamplePreviews previews = null;
        for (int run = 0; run < 2; run++) {
            try (VelocityModel model = new VelocityModel(new UNet(UNetConfig.mnist("tiny", 2)), new long[] {1, 28, 28}, 2,
                    new Rng(3))) {
                FlowMatchingTrainer t = trainer(model, squares()).ema(0.9f);
                if (run == 0) {
                    losses[run] = t.train(4, new Rng(4)).losses();
                } else {
                    previews = SamplePreviews.of(t, new GuidedSampler(model, new Euler(), 3), new int[] {0, 1}, 2, 9);
                    losses[run] = t.train(4, new Rng(4), previews).losses();
                }
            }
        }
        assertArrayEquals(losses[0], losses[1], "previews must not change what training draws");
        assertArrayEquals(new int[] {0, 2, 4}, previews.steps());
        List<SamplePreviews.Preview> all = previews.previews();
        assertFalse(Arrays.equals(all.get(1).pixels(), all.get(2).pixels()), "training moved the (EMA) weights");
        assertEquals(3, previews.overTraining().rows());
    }
}
