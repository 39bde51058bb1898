package dev.flowmatching.data;

import java.lang.ref.WeakReference;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Rng;
import dev.flowmatching.train.LabelledData;

/**
 * The batches of an {@link ImageBatches}, prepared on a background thread while the model trains on the previous
 * one: the thread turns bytes into floats (and mirrors the images chosen for a flip), the training thread only
 * copies the finished floats into an array on the device. On a GPU, where a step of the flowers UNet is short,
 * this keeps the pixel work off the critical path; on a CPU the pixel work was measured as a small share of a step
 * (see {@link ImageBatches}), so it mostly moves work to the other core.
 *
 * <p>Same batches as {@link ImageBatches#sample}, in the same order: the order depends only on (seed, epoch), and
 * whether an image is flipped depends only on (seed, its position in the stream of drawn images), never on which
 * thread ran first, so a run is reproducible and {@link #seek} resumes it exactly.
 *
 * <pre>{@code
 * try (PrefetchingBatches batches = new PrefetchingBatches(new ImageBatches(train), 32, rng.seed()).flips(true)) {
 *     trainer.train(steps, rng, live);            // with PairSource.labelled(batches)
 * }
 * }</pre>
 */
public final class PrefetchingBatches implements LabelledData, AutoCloseable {
    /** Batches prepared ahead: two keep the queue non-empty while the consumer copies one. */
    private static final int DEPTH = 2;

    private final ImageBatches batches;
    private final int batch;
    private final long seed;
    private boolean flips;
    private long handedOut;
    private BlockingQueue<HostBatch> queue;
    private Thread producer;

    /** A batch on the host: pixels (batch, C, H, W) in [-1, 1] and labels, or the error that stopped the producer. */
    private record HostBatch(float[] pixels, int[] labels, RuntimeException error) {
    }

    /**
     * @param batches where the order comes from (its position is where prefetching starts)
     * @param batch   the batch size every {@link #sample} call must ask for
     * @param seed    the run's seed ({@link Rng#seed()}): it fixes the order and the flips
     */
    public PrefetchingBatches(ImageBatches batches, int batch, long seed) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batch);
        }
        this.batches = batches;
        this.batch = batch;
        this.seed = seed;
        this.handedOut = batches.drawn();
    }

    /** Mirrors each image left-right with probability 1/2 (for pictures where a mirror image is as likely). */
    public synchronized PrefetchingBatches flips(boolean on) {
        requireNotStarted("flips");
        this.flips = on;
        return this;
    }

    /**
     * The next batch. {@code rng} must carry the seed given at construction (the order is the same function of
     * it as in {@link ImageBatches}); no draw is taken from it.
     */
    @Override
    public synchronized NDList sample(NDManager manager, int batch, Rng rng) {
        if (batch != this.batch) {
            throw new IllegalArgumentException("this prefetcher prepares batches of " + this.batch + ", asked for " + batch);
        }
        if (rng.seed() != seed) {
            throw new IllegalArgumentException("the generator's seed " + rng.seed() + " is not the prefetcher's " + seed);
        }
        if (producer == null) {
            start();
        }
        HostBatch next = take();
        if (next.error() != null) {
            stop();
            throw new IllegalStateException("preparing a batch failed: " + next.error().getMessage(), next.error());
        }
        handedOut += batch;
        ImageSet set = batches.set();
        Shape shape = new Shape(batch, set.channels(), set.height(), set.width());
        return new NDList(manager.create(next.pixels(), shape), manager.create(next.labels(), new Shape(batch)));
    }

    /** Moves to the point where {@code imagesDrawn} images have been drawn; batches prepared ahead are dropped. */
    public synchronized void seek(long imagesDrawn) {
        stop();
        batches.seek(imagesDrawn);
        handedOut = imagesDrawn;
    }

    /** Images handed out so far, over all epochs (the batches prepared ahead not counted). */
    public synchronized long drawn() {
        return handedOut;
    }

    @Override
    public synchronized void close() {
        stop();
    }

    private void start() {
        queue = new ArrayBlockingQueue<>(DEPTH);
        Producer work = new Producer(batches, batch, seed, flips, queue, new WeakReference<>(this));
        producer = new Thread(work, "batch-prefetch");
        producer.setDaemon(true);
        producer.start();
    }

    /**
     * The producer thread's work, the only code that advances {@code batches} while it runs. It refers to its
     * prefetcher only weakly: a prefetcher nothing refers to any more (its notebook cell was run again) can be
     * collected, and its thread then ends within a second instead of waiting on a full queue for the kernel's life.
     */
    private record Producer(ImageBatches batches, int batch, long seed, boolean flips, BlockingQueue<HostBatch> out,
            WeakReference<PrefetchingBatches> owner) implements Runnable {
        @Override
        public void run() {
            Rng order = new Rng(seed);
            HostBatch next = null;
            try {
                while (!Thread.currentThread().isInterrupted() && !owner.refersTo(null)) {
                    if (next == null) {
                        next = prepare(order);
                    }
                    if (out.offer(next, 1, TimeUnit.SECONDS)) {
                        next = null;
                    }
                }
            } catch (InterruptedException e) {
                // stop() asked us to end
            } catch (RuntimeException e) {
                out.offer(new HostBatch(null, null, e));
            }
        }

        /** One batch on the host. */
        private HostBatch prepare(Rng order) {
            long first = batches.drawn();
            int[] indices = batches.next(batch, order);
            ImageSet set = batches.set();
            float[] pixels = set.floats(indices);
            if (flips) {
                int rows = set.channels() * set.height();
                for (int k = 0; k < batch; k++) {
                    if (flipped(seed, first + k)) {
                        mirror(pixels, k * rows, rows, set.width());
                    }
                }
            }
            int[] labels = new int[batch];
            for (int k = 0; k < batch; k++) {
                labels[k] = set.label(indices[k]);
            }
            return new HostBatch(pixels, labels, null);
        }
    }

    /** Whether the image drawn at position {@code drawn} of the stream is mirrored: a fair coin of (seed, drawn). */
    static boolean flipped(long seed, long drawn) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + drawn).nextBoolean();
    }

    /** Reverses each of {@code rows} rows of {@code width} floats, starting at row {@code firstRow}. */
    private static void mirror(float[] pixels, int firstRow, int rows, int width) {
        for (int r = firstRow; r < firstRow + rows; r++) {
            for (int i = r * width, j = i + width - 1; i < j; i++, j--) {
                float swap = pixels[i];
                pixels[i] = pixels[j];
                pixels[j] = swap;
            }
        }
    }

    private HostBatch take() {
        try {
            return queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the next batch", e);
        }
    }

    /** Ends the producer and rewinds the underlying batches to what was handed out. */
    private void stop() {
        if (producer == null) {
            return;
        }
        producer.interrupt();
        try {
            producer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        batches.seek(handedOut); // batches prepared ahead are drawn again by the next producer
        producer = null;
        queue = null;
    }

    private void requireNotStarted(String what) {
        if (producer != null) {
            throw new IllegalStateException(what + " must be set before the first batch is drawn");
        }
    }
}
