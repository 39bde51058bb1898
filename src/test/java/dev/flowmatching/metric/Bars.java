package dev.flowmatching.metric;

import java.util.List;
import java.util.SplittableRandom;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.data.ImageSet;
import dev.flowmatching.runtime.Rng;

/**
 * A synthetic 4-class image set that a small CNN learns in a few dozen steps: 8x8 images, background -1,
 * one bright bar (+1) whose orientation and half give the class (0: a row in the top half, 1: a row in the
 * bottom half, 2: a column in the left half, 3: a column in the right half), plus Gaussian pixel noise,
 * clipped to [-1, 1].
 */
record Bars(float[] pixels, int[] labels) {
    static final int SIZE = 8;
    static final int CLASSES = 4;
    static final ClassifierArchitecture ARCHITECTURE = new ClassifierArchitecture(1, SIZE, SIZE, CLASSES, 8, 16, 32, 0.1f, true);

    /** {@code n} images with labels drawn uniformly. */
    static Bars random(int n, double noise, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(CLASSES);
        }
        return of(labels, noise, r);
    }

    /** One image per label, in the given order. */
    static Bars of(int[] labels, double noise, long seed) {
        return of(labels, noise, new SplittableRandom(seed));
    }

    private static Bars of(int[] labels, double noise, SplittableRandom r) {
        int px = SIZE * SIZE;
        float[] pixels = new float[labels.length * px];
        for (int i = 0; i < labels.length; i++) {
            int line = r.nextInt(SIZE / 2) + (labels[i] % 2 == 1 ? SIZE / 2 : 0);
            boolean row = labels[i] < 2;
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    boolean on = row ? y == line : x == line;
                    double v = (on ? 1 : -1) + noise * gaussian(r);
                    pixels[i * px + y * SIZE + x] = (float) Math.max(-1, Math.min(1, v));
                }
            }
        }
        return new Bars(pixels, labels);
    }

    private static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    /** The same images as an {@link ImageSet}, pixels rounded to bytes as image files store them. */
    ImageSet asImageSet() {
        byte[] bytes = new byte[pixels.length];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Math.round((pixels[i] + 1) * 127.5);
        }
        return ImageSet.of("bars", 1, SIZE, SIZE, List.of("top row", "bottom row", "left column", "right column"),
                labels, bytes);
    }

    NDArray images(NDManager m) {
        return m.create(pixels, new Shape(labels.length, 1, SIZE, SIZE));
    }

    /** The same images with the labels permuted at random: nothing left to learn that generalises. */
    Bars shuffledLabels(long seed) {
        int[] l = labels.clone();
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = l.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = l[i];
            l[i] = l[j];
            l[j] = t;
        }
        return new Bars(pixels, l);
    }

    private static ImageClassifier trained;

    /** One classifier trained on 800 bars (about 100 steps), shared by the tests of this JVM. */
    static synchronized ImageClassifier trainedClassifier() {
        if (trained == null) {
            Rng rng = new Rng(11);
            try (NDManager m = NDManager.newBaseManager()) {
                Bars train = random(800, 0.3, 1);
                trained = new ImageClassifier("bars", ARCHITECTURE, rng).epochs(4).batchSize(32).learningRate(5e-3f);
                trained.train(train.images(m), train.labels(), rng);
            }
        }
        return trained;
    }
}
