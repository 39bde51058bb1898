package dev.flowmatching.metric;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.data.ImageSet;
import dev.flowmatching.runtime.CellThread;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.train.TrainingResult;

class ImageClassifierTest {
    static final Bars HELD_OUT = Bars.random(400, 0.3, 2);

    static double trainAndTest(Bars train, long seed) {
        Rng rng = new Rng(seed);
        try (NDManager m = NDManager.newBaseManager();
                ImageClassifier c = new ImageClassifier("bars", Bars.ARCHITECTURE, rng).epochs(4).batchSize(32)
                        .learningRate(5e-3f)) {
            TrainingResult r = c.train(train.images(m), train.labels(), rng);
            assertEquals(100, r.steps(), "4 epochs of 800 images in batches of 32");
            return c.accuracy(HELD_OUT.images(m), HELD_OUT.labels());
        }
    }

    @Test
    void learnsTheBarsButNotShuffledLabels() {
        Bars train = Bars.random(800, 0.3, 1);
        double learned = trainAndTest(train, 5);
        double shuffled = trainAndTest(train.shuffledLabels(3), 5);
        System.out.printf("held-out accuracy on bars: %.3f; with shuffled training labels: %.3f (chance 0.25)%n",
                learned, shuffled);
        assertTrue(learned >= 0.95, "held-out accuracy " + learned + " < 0.95");
        assertTrue(shuffled <= 0.40, "with shuffled labels the held-out accuracy should stay near chance, got " + shuffled);
    }

    @Test
    void oneSeedGivesTheSameLossesBitForBit() {
        Bars train = Bars.random(256, 0.3, 4);
        float[][] runs = new float[2][];
        for (int k = 0; k < 2; k++) {
            Rng rng = new Rng(21);
            try (NDManager m = NDManager.newBaseManager();
                    ImageClassifier c = new ImageClassifier("bars", Bars.ARCHITECTURE, rng).epochs(2).batchSize(32)) {
                runs[k] = c.train(train.images(m), train.labels(), rng).losses();
            }
        }
        assertArrayEquals(runs[0], runs[1]);
        assertTrue(runs[0][runs[0].length - 1] < runs[0][0], "the loss should fall: " + runs[0][0] + " -> "
                + runs[0][runs[0].length - 1]);
    }

    /** Trains two epochs, returns the losses and the held-out probabilities, flattened after them. */
    static float[] lossesAndProbabilities(Bars train) {
        Rng rng = new Rng(13);
        try (NDManager m = NDManager.newBaseManager();
                ImageClassifier c = new ImageClassifier("bars", Bars.ARCHITECTURE, rng).epochs(2).batchSize(32)) {
            float[] losses = c.train(train.images(m), train.labels(), rng).losses();
            float[][] p = c.predictProbabilities(HELD_OUT.images(m));
            float[] all = Arrays.copyOf(losses, losses.length + p.length * p[0].length);
            for (int i = 0; i < p.length; i++) {
                System.arraycopy(p[i], 0, all, losses.length + i * p[0].length, p[0].length);
            }
            return all;
        }
    }

    @Test
    void aNotebookCellThreadTrainsAndPredictsAsTheEngineThreadDoes() {
        Bars train = Bars.random(128, 0.3, 6);
        assertArrayEquals(lossesAndProbabilities(train), CellThread.call(() -> lossesAndProbabilities(train)), 0f);
    }

    @Test
    void trainsFromASupplierOfBatches() {
        Rng rng = new Rng(8);
        int[] calls = {0};
        LabelledBatches batches = (m, b, r) -> {
            Bars bars = Bars.random(b, 0.3, 1000 + calls[0]++);
            return new NDList(bars.images(m), m.create(bars.labels()));
        };
        try (NDManager m = NDManager.newBaseManager();
                ImageClassifier c = new ImageClassifier("bars", Bars.ARCHITECTURE, rng).batchSize(32).learningRate(5e-3f)) {
            TrainingResult r = c.train(batches, 100, rng);
            assertEquals(100, calls[0]);
            assertEquals(100, c.stepsDone());
            assertTrue(c.accuracy(HELD_OUT.images(m), HELD_OUT.labels()) >= 0.95, r.toString());
        }
    }

    @Test
    void predictsInBatchesWithRowsThatSumToOne() {
        ImageClassifier c = Bars.trainedClassifier();
        int n = 2 * ImageClassifier.PREDICT_BATCH + 3;
        Bars bars = Bars.random(n, 0.3, 6);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray images = bars.images(m);
            float[][] p = c.predictProbabilities(images);
            assertEquals(n, p.length);
            for (float[] row : p) {
                assertEquals(Bars.CLASSES, row.length);
                double sum = 0;
                for (float v : row) {
                    sum += v;
                }
                assertEquals(1, sum, 1e-5);
            }
            // A row from the last, partial batch equals the prediction for that image alone.
            int last = n - 2;
            float[][] alone = c.predictProbabilities(images.get(last + ":" + (last + 1)));
            assertArrayEquals(alone[0], p[last], 1e-6f);
        }
    }

    @Test
    void trainingAndPredictingKeepNativeMemoryFlat() {
        Bars small = Bars.random(2_000, 0.3, 12);
        Bars large = Bars.random(10_000, 0.3, 14);
        Rng rng = new Rng(13);
        try (NDManager m = NDManager.newBaseManager();
                ImageClassifier c = new ImageClassifier("bars", Bars.ARCHITECTURE, rng).epochs(1).batchSize(200)) {
            NDArray train = small.images(m);
            NDArray many = large.images(m);
            c.train(train, small.labels(), rng); // once, so AdamW's state exists
            int callerArrays = m.getManagedArrays().size();
            int ownArrays = c.manager().getManagedArrays().size();
            c.train(train, small.labels(), rng);
            float[][] p = c.predictProbabilities(many);
            assertEquals(10_000, p.length);
            assertEquals(callerArrays, m.getManagedArrays().size(), "arrays left on the caller's manager");
            assertEquals(ownArrays, c.manager().getManagedArrays().size(), "arrays left on the classifier's manager");
        }
    }

    @Test
    void saveAndLoadGiveIdenticalProbabilities(@TempDir Path dir) throws IOException {
        ImageClassifier c = Bars.trainedClassifier();
        Path file = dir.resolve("classifier-bars.bin");
        c.save(file);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
        try (NDManager m = NDManager.newBaseManager(); ImageClassifier back = ImageClassifier.load(file, "bars", Bars.ARCHITECTURE)) {
            NDArray images = HELD_OUT.images(m);
            float[][] before = c.predictProbabilities(images);
            float[][] after = back.predictProbabilities(images);
            for (int i = 0; i < before.length; i++) {
                assertArrayEquals(before[i], after[i], 0f);
            }
            assertEquals(c.stepsDone(), back.stepsDone());
            assertEquals("bars", back.dataset());
        }
    }

    @Test
    void loadRefusesAnotherDatasetArchitectureOrFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c.bin");
        Bars.trainedClassifier().save(file);
        var other = assertThrows(IllegalArgumentException.class, () -> ImageClassifier.load(file, "mnist"));
        assertTrue(other.getMessage().contains("'bars'") && other.getMessage().contains("'mnist'"), other.getMessage());
        var wider = new ClassifierArchitecture(1, 8, 8, 4, 8, 16, 64, 0.1f, true);
        var arch = assertThrows(IllegalArgumentException.class, () -> ImageClassifier.load(file, "bars", wider));
        assertTrue(arch.getMessage().contains("dense 32") && arch.getMessage().contains("dense 64"), arch.getMessage());
        var plain = new ClassifierArchitecture(1, 8, 8, 4, 8, 16, 32, 0.1f, false);
        assertThrows(IllegalArgumentException.class, () -> ImageClassifier.load(file, "bars", plain));
        Path junk = Files.writeString(dir.resolve("junk.bin"), "not a classifier");
        var notOne = assertThrows(IllegalArgumentException.class, () -> ImageClassifier.load(junk, "bars"));
        assertTrue(notOne.getMessage().contains("not a saved ImageClassifier"), notOne.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageClassifier.load(dir.resolve("missing.bin"), "bars"));
    }

    @Test
    void badInputIsRefusedWithTheExpectedShape() {
        ImageClassifier c = Bars.trainedClassifier();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray wrong = m.zeros(new Shape(5, 1, 9, 8));
            var e = assertThrows(IllegalArgumentException.class, () -> c.predictProbabilities(wrong));
            assertTrue(e.getMessage().contains("(N, 1, 8, 8)") && e.getMessage().contains("(5, 1, 9, 8)"), e.getMessage());
            NDArray five = m.zeros(new Shape(5, 1, 8, 8));
            var count = assertThrows(IllegalArgumentException.class, () -> c.accuracy(five, new int[4]));
            assertTrue(count.getMessage().contains("(5)") && count.getMessage().contains("got 4"), count.getMessage());
            var range = assertThrows(IllegalArgumentException.class, () -> c.accuracy(five, new int[] {0, 1, 2, 3, 4}));
            assertTrue(range.getMessage().contains("outside [0, 4)"), range.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new ClassifierArchitecture(1, 8, 8, 1, 8, 16, 32, 0.1f, true));
        assertThrows(IllegalArgumentException.class, () -> ImageClassifier.defaultArchitecture("cifar"));
    }

    @Test
    void loadOrTrainUsesTheCachedClassifierForItsDatasetOnly(@TempDir Path dir) {
        Path file = dir.resolve("classifier-mnist.bin");
        Rng rng = new Rng(17);
        try (NDManager m = NDManager.newBaseManager();
                ImageClassifier untrained = new ImageClassifier("mnist", ImageClassifier.defaultArchitecture("mnist"), rng)) {
            untrained.save(file);
            NDArray images = rng.uniform(m, -1, 1, new Shape(3, 1, 28, 28));
            try (ImageClassifier cached = ImageClassifier.loadOrTrain(file, "mnist", images, new int[] {0, 1, 2}, rng)) {
                assertArrayEquals(untrained.predictProbabilities(images)[2], cached.predictProbabilities(images)[2], 0f);
                assertEquals(0, cached.stepsDone(), "loaded, not trained");
            }
            var other = assertThrows(IllegalArgumentException.class,
                    () -> ImageClassifier.loadOrTrain(file, "fashion-mnist", images, new int[] {0, 1, 2}, rng));
            assertTrue(other.getMessage().contains("delete"), other.getMessage());
            ImageSet digits = ImageSet.of("mnist", 1, 28, 28, List.of("0", "1", "2"), new int[] {0, 1, 2},
                    new byte[3 * 28 * 28]);
            try (ImageClassifier fromSet = ImageClassifier.loadOrTrain(file, "mnist", digits, rng)) {
                assertEquals(0, fromSet.stepsDone(), "loaded, not trained");
                assertArrayEquals(untrained.predictProbabilities(images)[1], fromSet.predictProbabilities(images)[1], 0f);
            }
        }
    }

    @Test
    void theAccuracyOfAnImageSetIsThatOfItsImagesAndLabels() {
        ImageSet set = Bars.random(600, 0.3, 9).asImageSet(); // more than one prediction batch of 500
        ImageClassifier c = Bars.trainedClassifier();
        try (NDManager m = NDManager.newBaseManager()) {
            int[] all = java.util.stream.IntStream.range(0, set.size()).toArray();
            double expected = c.accuracy(set.images(m, all), set.labels());
            assertEquals(expected, c.accuracy(set), 0.0);
            assertTrue(expected > 0.9, "the classifier should know the bars: " + expected);
        }
    }

    @Test
    void theTrainingLengthIsEpochsOrImagesSeen() {
        Rng rng = new Rng(1);
        try (ImageClassifier c = new ImageClassifier("bars", Bars.ARCHITECTURE, rng)) {
            assertEquals(75, c.epochs(3).batchSize(32).stepsFor(800));
            assertEquals(16, c.imagesToSee(1000).batchSize(64).stepsFor(800));
            assertEquals(16, c.stepsFor(60_000), "a budget of images does not grow with the data");
            assertEquals(25, c.epochs(1).stepsFor(1600), "epochs() switches back to whole passes");
        }
    }

    @Test
    void knownDatasetsHaveADefault() {
        for (String name : new String[] {"MNIST", "fashion-mnist"}) {
            ClassifierArchitecture a = ImageClassifier.defaultArchitecture(name);
            assertEquals(new Shape(3, 1, 28, 28), a.inputShape(3));
            assertEquals(10, a.classes());
        }
        try (ImageClassifier mnist = ImageClassifier.defaultFor("mnist", new Rng(1));
                ImageClassifier fashion = ImageClassifier.defaultFor("Fashion-MNIST", new Rng(1))) {
            assertEquals(1875, mnist.stepsFor(8_000)); // 120,000 images in batches of 64
            assertEquals(938, fashion.stepsFor(60_000)); // 120,000 images in batches of 128
            assertEquals("fashion-mnist", fashion.dataset());
        }
    }
}
