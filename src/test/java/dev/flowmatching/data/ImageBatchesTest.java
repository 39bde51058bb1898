package dev.flowmatching.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;

/** Seeded, shuffled batches: reproducible, every image exactly once per epoch, images kept with their labels. */
class ImageBatchesTest {
    private static final int N = 50;

    /** N images of 1 x 2 x 2 whose pixels all equal the image's index; label = index mod 10. */
    private static ImageSet numbered() {
        byte[] pixels = new byte[N * 4];
        int[] labels = new int[N];
        for (int i = 0; i < N; i++) {
            Arrays.fill(pixels, 4 * i, 4 * i + 4, (byte) i);
            labels[i] = i % 10;
        }
        return ImageSet.of("numbered", 1, 2, 2, IdxDataset.MNIST.classNames(), labels, pixels);
    }

    private static int[] draw(ImageBatches batches, int count, int batch, Rng rng) {
        int[] all = new int[count * batch];
        for (int k = 0; k < count; k++) {
            System.arraycopy(batches.next(batch, rng), 0, all, k * batch, batch);
        }
        return all;
    }

    @Test
    void theSameSeedGivesTheSameBatchesAndAnotherSeedOthers() {
        int[] a = draw(new ImageBatches(numbered()), 20, 7, new Rng(5));
        int[] b = draw(new ImageBatches(numbered()), 20, 7, new Rng(5));
        int[] c = draw(new ImageBatches(numbered()), 20, 7, new Rng(6));
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
    }

    @Test
    void everyImageExactlyOncePerEpochAcrossBatchBoundaries() {
        ImageBatches batches = new ImageBatches(numbered());
        Rng rng = new Rng(9);
        int[] drawn = draw(batches, 21, 7, rng); // 147 = 2 epochs of 50, and 47 of the third
        int[] identity = java.util.stream.IntStream.range(0, N).toArray();
        int[][] epochs = new int[3][];
        for (int e = 0; e < 3; e++) {
            epochs[e] = Arrays.copyOfRange(drawn, e * N, Math.min((e + 1) * N, drawn.length));
            int[] sorted = epochs[e].clone();
            Arrays.sort(sorted);
            if (e < 2) {
                assertArrayEquals(identity, sorted, "epoch " + e + " is a permutation of all images");
            } else {
                assertEquals(47, Arrays.stream(sorted).distinct().count(), "no repeats within an epoch");
            }
        }
        assertFalse(Arrays.equals(epochs[0], epochs[1]), "each epoch is shuffled afresh");
        assertFalse(Arrays.equals(identity, epochs[0]), "shuffled at all");
        assertEquals(2, batches.epoch());
        assertEquals(47, batches.position());
        assertEquals(0, rng.draws(), "the order depends on the seed and the epoch alone: no draws");
        assertEquals(8, batches.batchesPerEpoch(7));
        assertEquals(1, batches.batchesPerEpoch(N));
    }

    @Test
    void aBatchLargerThanTheSetSpansEpochs() {
        ImageBatches batches = new ImageBatches(numbered());
        int[] big = batches.next(120, new Rng(1));
        int[] counts = new int[N];
        for (int i : big) {
            counts[i]++;
        }
        assertTrue(Arrays.stream(counts).allMatch(k -> k == 2 || k == 3), Arrays.toString(counts));
        assertEquals(2, batches.epoch());
        assertEquals(20, batches.position());
    }

    @Test
    void sampleGivesImagesInMinusOneOneWithTheirLabels() {
        ImageBatches batches = new ImageBatches(numbered());
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            Rng rng = new Rng(3);
            NDList xy = batches.sample(m, 16, rng);
            assertEquals(2, xy.size());
            assertEquals(new Shape(16, 1, 2, 2), xy.get(0).getShape());
            assertEquals(DataType.FLOAT32, xy.get(0).getDataType());
            assertEquals(new Shape(16), xy.get(1).getShape());
            assertEquals(DataType.INT32, xy.get(1).getDataType());
            float[] x = xy.get(0).toFloatArray();
            int[] y = xy.get(1).toIntArray();
            int[] expected = new ImageBatches(numbered()).next(16, new Rng(3));
            for (int k = 0; k < 16; k++) {
                for (int p = 0; p < 4; p++) {
                    assertEquals(expected[k] / 127.5 - 1, x[4 * k + p], 1e-6, "image " + k);
                }
                assertEquals(expected[k] % 10, y[k], "label travels with its image");
            }
        }
    }

    @Test
    void badArgumentsAreRefused() {
        ImageSet empty = ImageSet.of("empty", 1, 2, 2, List.of("a"), new int[0], new byte[0]);
        assertThrows(IllegalArgumentException.class, () -> new ImageBatches(empty));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImageBatches(numbered()).next(0, new Rng(1)));
        assertTrue(e.getMessage().contains("at least 1, got 0"), e.getMessage());
    }

    @Test
    void seekingContinuesWithTheBatchesOfAnUninterruptedRun() {
        int[] whole = draw(new ImageBatches(numbered()), 12, 7, new Rng(4)); // crosses an epoch boundary
        ImageBatches resumed = new ImageBatches(numbered());
        resumed.seek(5 * 7);
        int[] rest = draw(resumed, 7, 7, new Rng(4));
        assertArrayEquals(Arrays.copyOfRange(whole, 35, 84), rest);
        assertEquals(84, resumed.drawn());
        assertEquals(1, resumed.epoch());
        assertEquals(34, resumed.position());
        assertThrows(IllegalArgumentException.class, () -> resumed.seek(-1));
    }
}
