package dev.flowmatching.metric;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDManager;

import tech.tablesaw.api.Table;

class ClassifierScoreTest {

    static int[] repeat(int[] counts) {
        int[] labels = new int[java.util.Arrays.stream(counts).sum()];
        int i = 0;
        for (int k = 0; k < counts.length; k++) {
            for (int j = 0; j < counts[k]; j++) {
                labels[i++] = k;
            }
        }
        return labels;
    }

    @Test
    void imagesOfTheRequestedClassScoreHighAndOfAnotherNearZero() {
        var score = new ClassifierScore(Bars.trainedClassifier());
        int[] labels = repeat(new int[] {50, 50, 50, 50});
        int[] next = java.util.Arrays.stream(labels).map(k -> (k + 1) % Bars.CLASSES).toArray();
        try (NDManager m = NDManager.newBaseManager()) {
            var images = Bars.of(labels, 0.3, 7).images(m);
            ConditionalScore right = score.conditional(images, labels);
            ConditionalScore wrong = score.conditional(images, next);
            System.out.println("requested = shown: " + right + "\nrequested = next class: " + wrong);
            assertTrue(right.confidentShare() >= 0.9, right.toString());
            assertTrue(wrong.confidentShare() <= 0.02, wrong.toString());
            assertTrue(right.meanMaxProbability() >= 0.9, right.toString());
            assertArrayEquals(new int[] {50, 50, 50, 50}, right.requested());
        }
    }

    @Test
    void theHistogramOfAKnownMixtureEqualsItsCounts() {
        int[] counts = {30, 10, 0, 60};
        try (NDManager m = NDManager.newBaseManager()) {
            ClassHistogram h = new ClassifierScore(Bars.trainedClassifier()).unconditional(Bars.of(repeat(counts), 0.1, 9).images(m));
            assertArrayEquals(counts, h.counts(), h.toString());
            assertEquals(100, h.samples());
        }
    }

    @Test
    void entropyAndKlOfKnownShares() {
        ClassHistogram even = new ClassHistogram(new int[] {5, 5, 5, 5}, 0.9, 20, 1);
        assertEquals(2, even.entropyBits(), 1e-12);
        assertEquals(0, even.klToUniformBits(), 1e-12);
        ClassHistogram one = new ClassHistogram(new int[] {0, 12, 0, 0}, 0.9, 12, 1);
        assertEquals(0, one.entropyBits(), 1e-12);
        assertEquals(2, one.klToUniformBits(), 1e-12);
        ClassHistogram skew = new ClassHistogram(new int[] {4, 2, 2, 0}, 0.9, 0, 0.5);
        assertEquals(1.5, skew.entropyBits(), 1e-12);
        assertEquals(0.5, skew.klToUniformBits(), 1e-12);
    }

    @Test
    void theThresholdDecidesWhatCountsAsConfident() {
        float[][] p = {{0.89f, 0.11f, 0f}, {0.05f, 0.95f, 0f}, {0.6f, 0.4f, 0f}, {0.2f, 0.3f, 0.5f}};
        int[] requested = {0, 1, 1, 2};
        ConditionalScore strict = ConditionalScore.of(p, requested, 0.9);
        assertEquals(0.25, strict.confidentShare(), 1e-12); // only row 1
        assertEquals(0.75, strict.matchShare(), 1e-12); // rows 0, 1, 3 by argmax
        assertEquals((0.89 + 0.95 + 0.6 + 0.5) / 4, strict.meanMaxProbability(), 1e-6);
        ConditionalScore loose = ConditionalScore.of(p, requested, 0.5);
        assertEquals(0.75, loose.confidentShare(), 1e-12);
        assertEquals(0.5, loose.confidentShare(1), 1e-12); // of the two asked for class 1, one
        ClassHistogram h = ClassHistogram.of(p, 0.9);
        assertArrayEquals(new int[] {2, 1, 1}, h.counts());
        assertEquals(0.25, h.confidentShare(), 1e-12);
    }

    @Test
    void tablesHaveOneRowPerRunOrClass() {
        float[][] p = {{0.95f, 0.05f}, {0.3f, 0.7f}};
        ConditionalScore a = ConditionalScore.of(p, new int[] {0, 1}, 0.9);
        ConditionalScore b = ConditionalScore.of(p, new int[] {1, 1}, 0.9);
        Map<String, ConditionalScore> runs = new LinkedHashMap<>();
        runs.put("guidance 1", a);
        runs.put("guidance 3", b);
        Table t = ConditionalScore.compare("sweep", runs);
        assertEquals(List.of("guidance 1", "guidance 3"), t.stringColumn("run").asList());
        assertEquals(0.5, t.doubleColumn("confident share").get(0), 1e-12);
        assertEquals(0.0, t.doubleColumn("confident share").get(1), 1e-12);
        Table perClass = a.perClassTable(List.of("T-shirt", "Trouser"));
        assertEquals(2, perClass.rowCount());
        assertEquals(List.of(1, 1), perClass.intColumn("requested").asList());
        Table hist = ClassHistogram.of(p, 0.9).toTable();
        assertEquals(List.of(1, 1), hist.intColumn("count").asList());
        assertTrue(hist.name().contains("entropy 1.000 of 1.000 bits"), hist.name());
    }

    @Test
    void badInputIsRefused() {
        float[][] p = {{0.5f, 0.5f}};
        assertThrows(IllegalArgumentException.class, () -> ConditionalScore.of(p, new int[] {0, 1}, 0.9));
        assertThrows(IllegalArgumentException.class, () -> ConditionalScore.of(p, new int[] {2}, 0.9));
        assertThrows(IllegalArgumentException.class, () -> ClassHistogram.of(p, 1.5));
        assertThrows(IllegalArgumentException.class, () -> ClassHistogram.of(new float[0][], 0.9));
        var names = assertThrows(IllegalArgumentException.class, () -> ClassHistogram.of(p, 0.9).toTable(List.of("a")));
        assertTrue(names.getMessage().contains("expected 2 class names, got 1"), names.getMessage());
    }
}
