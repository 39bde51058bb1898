package dev.flowmatching.metric;

import java.util.SplittableRandom;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import dev.flowmatching.runtime.Rng;

/** Passes over an image array in a fresh random order each epoch, drawn from the run's {@link Rng}. */
final class ShuffledEpochs implements LabelledBatches {
    private final NDArray images;
    private final int[] labels;
    private final Rng rng;
    private int[] order = new int[0];
    private int next;

    ShuffledEpochs(NDArray images, int[] labels, Rng rng) {
        this.images = images;
        this.labels = labels;
        this.rng = rng;
    }

    @Override
    public NDList sample(NDManager manager, int batchSize, Rng ignored) {
        if (next >= order.length) {
            order = Rng.permutation(labels.length, rng.java());
            next = 0;
        }
        int to = Math.min(order.length, next + batchSize);
        long[] idx = new long[to - next];
        int[] y = new int[to - next];
        for (int i = next; i < to; i++) {
            idx[i - next] = order[i];
            y[i - next] = labels[order[i]];
        }
        next = to;
        NDArray x = images.get(manager.create(idx).toDevice(images.getDevice(), false));
        x.attach(manager);
        return new NDList(x, manager.create(y));
    }

}
