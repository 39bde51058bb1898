package dev.flowmatching.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.ndarray.NDArray;

import dev.flowmatching.model.VelocityModel;
import dev.flowmatching.path.AffinePath;
import dev.flowmatching.path.LinearScheduler;
import dev.flowmatching.runtime.AtomicWrite;
import dev.flowmatching.runtime.Rng;

class CheckpointTest {
    @TempDir
    Path dir;

    /** The run every test uses: a conditional MLP on the 3-Gaussian mixture, label dropout, EMA, weight decay. */
    static FlowMatchingTrainer trainer(VelocityModel model) {
        return new FlowMatchingTrainer(model, new AffinePath(new LinearScheduler()),
                PairSource.labelled(ConditionalTrainingTest::mixture)).batchSize(64).learningRate(3e-3f)
                .warmupSteps(3).weightDecay(0.01f).labelDropout(0.2f).ema(0.9f);
    }

    static VelocityModel model(long seed) {
        return VelocityModel.mlp(2, 16, 2, 3, new Rng(seed));
    }

    static float[][] all(Map<String, NDArray> arrays) {
        return arrays.values().stream().map(NDArray::toFloatArray).toArray(float[][]::new);
    }

    static void assertBitEqual(float[][] expected, float[][] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int k = 0; k < expected.length; k++) {
            assertArrayEquals(expected[k], actual[k], 0f, what + " " + k);
        }
    }

    @Test
    void aRoundTripRestoresWeightsAverageAndOptimizerBitForBit() {
        Path file = dir.resolve("run.ckpt");
        Rng rng = new Rng(51);
        try (VelocityModel a = model(1); VelocityModel b = model(2)) {
            FlowMatchingTrainer ta = trainer(a);
            ta.train(4, rng);
            Checkpoint.save(file, ta, rng);
            FlowMatchingTrainer tb = new FlowMatchingTrainer(b, new AffinePath(new LinearScheduler()),
                    PairSource.labelled(ConditionalTrainingTest::mixture)); // no EMA, default settings
            Checkpoint.Info info = Checkpoint.load(file, tb);
            assertBitEqual(a.weights(), b.weights(), "weight");
            assertBitEqual(all(ta.ema().shadow()), all(tb.ema().shadow()), "EMA weight");
            assertBitEqual(all(ta.optimizer().means()), all(tb.optimizer().means()), "first moment");
            assertBitEqual(all(ta.optimizer().variances()), all(tb.optimizer().variances()), "second moment");
            assertEquals(List.copyOf(ta.optimizer().means().keySet()), List.copyOf(tb.optimizer().means().keySet()));
            assertEquals(4, tb.optimizer().steps());
            assertEquals(0.01f, tb.optimizer().weightDecay());
            assertEquals(4, tb.stepsDone());
            assertEquals(4, tb.ema().updates());
            assertEquals(0.9f, tb.ema().decay());
            assertEquals(rng.seed(), info.rng().seed());
            assertEquals(rng.draws(), info.rng().draws());
            assertEquals(ta.settings(), info.settings());
            assertEquals(a.fingerprint(), Checkpoint.info(file).fingerprint());
        }
    }

    @Test
    void aResumedRunTakesTheSameStepsAsAnUninterruptedOne() {
        Path file = dir.resolve("resume.ckpt");
        int n = 5;
        int m = 6;
        float[] straight;
        float[][] straightWeights;
        float[][] straightEma;
        try (VelocityModel model = model(3)) {
            Rng rng = new Rng(52);
            FlowMatchingTrainer t = trainer(model);
            t.train(n, rng);
            Checkpoint.save(file, t, rng);
            straight = t.train(m, rng).losses();
            straightWeights = model.weights();
            straightEma = all(t.ema().shadow());
        }
        try (VelocityModel fresh = model(99)) { // other initial weights: all must come from the file
            FlowMatchingTrainer t = trainer(fresh);
            Rng rng = Checkpoint.load(file, t).rng();
            float[] resumed = t.train(m, rng).losses();
            assertArrayEquals(straight, resumed, 0f, "losses after resuming");
            assertBitEqual(straightWeights, fresh.weights(), "final weight");
            assertBitEqual(straightEma, all(t.ema().shadow()), "final EMA weight");
            assertEquals(n + m, t.stepsDone());
        }
    }

    @Test
    void anotherArchitectureIsRefusedNamingBoth() {
        Path file = dir.resolve("narrow.ckpt");
        Rng rng = new Rng(53);
        try (VelocityModel narrow = model(4); VelocityModel wide = VelocityModel.mlp(2, 32, 2, 3, new Rng(5))) {
            Checkpoint.save(file, trainer(narrow), rng);
            float[][] before = wide.weights();
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(file, trainer(wide)));
            assertTrue(e.getMessage().contains("another architecture"), e.getMessage());
            assertTrue(e.getMessage().contains("width=16") && e.getMessage().contains("width=32"), e.getMessage());
            assertBitEqual(before, wide.weights(), "untouched weight");
        }
    }

    @Test
    void damagedFilesAreRefusedWithClearMessagesAndChangeNothing() throws IOException {
        Path file = dir.resolve("good.ckpt");
        Rng rng = new Rng(54);
        try (VelocityModel a = model(6); VelocityModel b = model(7)) {
            FlowMatchingTrainer ta = trainer(a);
            ta.train(2, rng);
            Checkpoint.save(file, ta, rng);
            byte[] good = Files.readAllBytes(file);
            float[][] before = b.weights();
            FlowMatchingTrainer tb = trainer(b);

            Path truncated = Files.write(dir.resolve("truncated.ckpt"), java.util.Arrays.copyOf(good, good.length / 2));
            assertMessage(truncated, tb, "is truncated");
            byte[] flipped = good.clone();
            flipped[good.length / 2] ^= 0x10;
            assertMessage(Files.write(dir.resolve("flipped.ckpt"), flipped), tb, "checksum does not match");
            assertMessage(Files.writeString(dir.resolve("notes.ckpt"), "hello, not a checkpoint"), tb,
                    "not a flow-matching checkpoint");
            assertMessage(Files.write(dir.resolve("empty.ckpt"), new byte[0]), tb, "is empty");
            assertMessage(dir.resolve("missing.ckpt"), tb, "does not exist");
            byte[] newer = good.clone();
            newer[11] = 9; // the format version's low byte
            assertMessage(Files.write(dir.resolve("newer.ckpt"), newer), tb, "format version 9");

            assertBitEqual(before, b.weights(), "untouched weight");
            assertEquals(0, tb.stepsDone());
            assertEquals(0, tb.optimizer().steps());
        }
    }

    static void assertMessage(Path file, FlowMatchingTrainer t, String expected) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(file, t));
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains(file.getFileName().toString()),
                e.getMessage());
    }

    @Test
    void aFailedWriteLeavesThePreviousCheckpointIntact() throws IOException {
        Path file = dir.resolve("keep.ckpt");
        Rng rng = new Rng(55);
        try (VelocityModel a = model(8)) {
            FlowMatchingTrainer t = trainer(a);
            Checkpoint.save(file, t, rng);
            byte[] first = Files.readAllBytes(file);
            IOException e = assertThrows(IOException.class, () -> AtomicWrite.write(file, out -> {
                out.write(new byte[100_000]);
                throw new IOException("disk full (simulated)");
            }));
            assertEquals("disk full (simulated)", e.getMessage());
            assertArrayEquals(first, Files.readAllBytes(file));
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
            }
            t.train(1, rng);
            Checkpoint.save(file, t, rng); // and a good write replaces it
            assertFalse(java.util.Arrays.equals(first, Files.readAllBytes(file)));
            assertEquals(1, Checkpoint.info(file).step());
        }
    }

    @Test
    void theAveragedWeightsLoadAloneForSampling() {
        Path file = dir.resolve("ema.ckpt");
        Rng rng = new Rng(56);
        try (VelocityModel a = model(9); VelocityModel sampler = model(10)) {
            FlowMatchingTrainer t = trainer(a);
            t.train(3, rng);
            Checkpoint.save(file, t, rng);
            Checkpoint.loadWeights(file, sampler, true);
            assertBitEqual(all(t.ema().shadow()), sampler.weights(), "EMA weight");
            Checkpoint.loadWeights(file, sampler, false);
            assertBitEqual(a.weights(), sampler.weights(), "weight");
        }
    }
}
