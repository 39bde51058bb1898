package dev.flowmatching.metric;

import java.util.List;

import ai.djl.ndarray.NDArray;

/**
 * Scores generated images with a trained {@link ImageClassifier}: for class-conditional samples, the share
 * the classifier puts in the requested class with probability >= a threshold ({@value #DEFAULT_THRESHOLD}
 * unless set); for unconditional samples, the histogram of their classes and how even it is.
 *
 * <pre>{@code
 * var score = new ClassifierScore(classifier);                 // threshold 0.9
 * ConditionalScore c = score.conditional(samples, requested);  // c.confidentShare(), c.toTable()
 * ClassHistogram h = score.unconditional(freeSamples);         // h.counts(), h.entropyBits()
 * }</pre>
 */
public final class ClassifierScore {
    public static final double DEFAULT_THRESHOLD = 0.9;

    private final ImageClassifier classifier;
    private final double threshold;

    public ClassifierScore(ImageClassifier classifier) {
        this(classifier, DEFAULT_THRESHOLD);
    }

    /** @param threshold the probability in [0, 1] from which a classification counts as confident */
    public ClassifierScore(ImageClassifier classifier, double threshold) {
        checkThreshold(threshold);
        this.classifier = classifier;
        this.threshold = threshold;
    }

    public double threshold() {
        return threshold;
    }

    /** Scores samples (N, C, H, W) in [-1, 1] that were generated for the classes {@code requested}. */
    public ConditionalScore conditional(NDArray images, int[] requested) {
        if (requested.length != images.getShape().get(0)) {
            throw new IllegalArgumentException("expected one requested label per image (" + images.getShape().get(0)
                    + "), got " + requested.length);
        }
        return ConditionalScore.of(classifier.predictProbabilities(images), requested, threshold);
    }

    /** The class histogram of samples (N, C, H, W) in [-1, 1] generated without a label. */
    public ClassHistogram unconditional(NDArray images) {
        return ClassHistogram.of(classifier.predictProbabilities(images), threshold);
    }

    static void checkThreshold(double threshold) {
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("the confidence threshold must be a probability in [0, 1], got " + threshold);
        }
    }

    /** The number of classes of (N, classes) probabilities; all rows must have it. */
    static int classes(float[][] probabilities) {
        if (probabilities.length == 0) {
            throw new IllegalArgumentException("no samples to score");
        }
        int k = probabilities[0].length;
        for (int i = 0; i < probabilities.length; i++) {
            if (probabilities[i].length != k || k < 2) {
                throw new IllegalArgumentException("probabilities must be (N, classes >= 2), row " + i + " has "
                        + probabilities[i].length + " entries, row 0 has " + k);
            }
        }
        return k;
    }

    static void checkNames(List<String> names, int classes) {
        if (names.size() != classes) {
            throw new IllegalArgumentException("expected " + classes + " class names, got " + names.size());
        }
    }
}
