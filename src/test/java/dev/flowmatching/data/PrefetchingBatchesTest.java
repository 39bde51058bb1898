package dev.flowmatching.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;

/** Batches prepared on another thread: the same as ImageBatches', flips a function of (seed, position), resumable. */
class PrefetchingBatchesTest {
    private static final int N = 23;
    private static final int C = 2;
    private static final int H = 3;
    private static final int W = 4;

    /** N images of C x H x W whose pixel (c, y, x) of image i is i + 40 x + 2 c (distinct along x); label i mod 5. */
    private static ImageSet images() {
        byte[] pixels = new byte[N * C * H * W];
        int[] labels = new int[N];
        for (int i = 0; i < N; i++) {
            labels[i] = i % 5;
            for (int c = 0; c < C; c++) {
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        pixels[((i * C + c) * H + y) * W + x] = (byte) (i + 40 * x + 2 * c);
                    }
                }
            }
        }
        return ImageSet.of("ramps", C, H, W, List.of("a", "b", "c", "d", "e"), labels, pixels);
    }

    private static float[][] draw(LabelledDataLike source, int count, int batch, Rng rng, NDManager m) {
        float[][] out = new float[2 * count][];
        for (int k = 0; k < count; k++) {
            NDList xy = source.sample(m, batch, rng);
            out[2 * k] = xy.get(0).toFloatArray();
            out[2 * k + 1] = labels(xy);
        }
        return out;
    }

    private static float[] labels(NDList xy) {
        int[] l = xy.get(1).toIntArray();
        float[] f = new float[l.length];
        for (int i = 0; i < l.length; i++) {
            f[i] = l[i];
        }
        return f;
    }

    @FunctionalInterface
    private interface LabelledDataLike {
        NDList sample(NDManager m, int batch, Rng rng);
    }

    @Test
    void withoutFlipsTheBatchesAreImageBatchesOwnAcrossEpochs() {
        try (NDManager m = NDManager.newBaseManager(Torch.device());
             PrefetchingBatches pre = new PrefetchingBatches(new ImageBatches(images()), 5, 11)) {
            ImageBatches plain = new ImageBatches(images());
            float[][] expected = draw(plain::sample, 14, 5, new Rng(11), m); // 70 images: three epochs of 23
            float[][] actual = draw(pre::sample, 14, 5, new Rng(11), m);
            for (int k = 0; k < expected.length; k++) {
                assertArrayEquals(expected[k], actual[k], "batch part " + k);
            }
            assertEquals(70, pre.drawn());
        }
    }

    @Test
    void flipsMirrorTheChosenImagesAndDependOnlyOnSeedAndPosition() {
        try (NDManager m = NDManager.newBaseManager(Torch.device());
             PrefetchingBatches a = new PrefetchingBatches(new ImageBatches(images()), 4, 3).flips(true);
             PrefetchingBatches b = new PrefetchingBatches(new ImageBatches(images()), 4, 3).flips(true)) {
            ImageBatches plain = new ImageBatches(images());
            int flipped = 0;
            int total = 0;
            for (int step = 0; step < 50; step++) {
                float[] original = plain.sample(m, 4, new Rng(3)).get(0).toFloatArray();
                float[] x = a.sample(m, 4, new Rng(3)).get(0).toFloatArray();
                assertArrayEquals(x, b.sample(m, 4, new Rng(3)).get(0).toFloatArray(), "step " + step);
                for (int k = 0; k < 4; k++, total++) {
                    boolean mirrored = !sameImage(original, x, k, false);
                    assertTrue(sameImage(original, x, k, mirrored), "image " + k + " of step " + step
                            + " is neither the original nor its mirror image");
                    assertEquals(PrefetchingBatches.flipped(3, total), mirrored, "flip of image " + total);
                    flipped += mirrored ? 1 : 0;
                }
            }
            // 200 fair coins: 100 +- 3 standard deviations (7.1)
            assertTrue(flipped > 78 && flipped < 122, flipped + " of 200 flipped");
        }
    }

    /** Whether image k of {@code x} equals image k of {@code original}, mirrored along the width if asked. */
    private static boolean sameImage(float[] original, float[] x, int k, boolean mirrored) {
        int size = C * H * W;
        for (int r = 0; r < C * H; r++) {
            for (int col = 0; col < W; col++) {
                int from = k * size + r * W + (mirrored ? W - 1 - col : col);
                if (original[from] != x[k * size + r * W + col]) {
                    return false;
                }
            }
        }
        return true;
    }

    @Test
    void seekResumesExactlyWhereAnUninterruptedRunWouldBe() {
        try (NDManager m = NDManager.newBaseManager(Torch.device());
             PrefetchingBatches whole = new PrefetchingBatches(new ImageBatches(images()), 6, 8).flips(true);
             PrefetchingBatches resumed = new PrefetchingBatches(new ImageBatches(images()), 6, 8).flips(true)) {
            float[][] all = draw(whole::sample, 9, 6, new Rng(8), m);
            draw(resumed::sample, 2, 6, new Rng(8), m); // prefetches ahead of what it hands out
            resumed.seek(4 * 6);
            float[][] rest = draw(resumed::sample, 5, 6, new Rng(8), m);
            for (int k = 0; k < rest.length; k++) {
                assertArrayEquals(all[8 + k], rest[k], "batch part " + k + " after seeking to step 4");
            }
            assertEquals(9 * 6, resumed.drawn());
        }
    }

    @Test
    void closeEndsTheThreadAndAnotherSampleStartsAgainFromWhereItWas() throws Exception {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            PrefetchingBatches pre = new PrefetchingBatches(new ImageBatches(images()), 5, 1);
            pre.sample(m, 5, new Rng(1));
            pre.close();
            assertFalse(Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.getName().equals("batch-prefetch") && t.isAlive()), "prefetch thread still alive");
            assertEquals(5, pre.drawn());
            float[] second = pre.sample(m, 5, new Rng(1)).get(0).toFloatArray();
            ImageBatches plain = new ImageBatches(images());
            plain.seek(5);
            assertArrayEquals(plain.sample(m, 5, new Rng(1)).get(0).toFloatArray(), second);
            pre.close();
        }
    }

    @Test
    void theThreadOfAPrefetcherNothingRefersToEnds() throws Exception {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            Set<Thread> before = prefetchThreads();
            PrefetchingBatches pre = new PrefetchingBatches(new ImageBatches(images()), 5, 1);
            pre.sample(m, 5, new Rng(1)); // starts the thread, which then waits on a full queue
            Set<Thread> started = prefetchThreads();
            started.removeAll(before);
            assertEquals(1, started.size());
            Thread thread = started.iterator().next();
            pre = null; // as a notebook cell run again drops the last run's prefetcher
            for (int i = 0; i < 50 && thread.isAlive(); i++) {
                System.gc();
                thread.join(100);
            }
            assertFalse(thread.isAlive(), "the prefetch thread of an unreachable prefetcher should end");
        }
    }

    private static Set<Thread> prefetchThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("batch-prefetch") && t.isAlive())
                .collect(Collectors.toCollection(HashSet::new));
    }

    @Test
    void aWrongBatchSizeOrSeedIsNamed() {
        try (NDManager m = NDManager.newBaseManager(Torch.device());
             PrefetchingBatches pre = new PrefetchingBatches(new ImageBatches(images()), 5, 1)) {
            var size = assertThrows(IllegalArgumentException.class, () -> pre.sample(m, 6, new Rng(1)));
            assertTrue(size.getMessage().contains("batches of 5, asked for 6"), size.getMessage());
            var seed = assertThrows(IllegalArgumentException.class, () -> pre.sample(m, 5, new Rng(2)));
            assertTrue(seed.getMessage().contains("seed 2"), seed.getMessage());
            pre.sample(m, 5, new Rng(1));
            assertThrows(IllegalStateException.class, () -> pre.flips(true));
        }
    }
}
