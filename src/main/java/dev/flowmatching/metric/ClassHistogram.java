package dev.flowmatching.metric;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Which classes unconditional samples fall in, by an {@link ImageClassifier}'s most probable class: a model
 * that learned the data covers every class about equally (MNIST's classes are near-balanced), one that
 * collapsed onto a few modes does not. The summary is the entropy of the class shares in bits,
 * {@code H = -sum_k p_k log2 p_k}, against its maximum {@code log2 K} for a uniform spread; their difference
 * is the KL divergence from the shares to uniform, {@code KL(p || U) = log2 K - H} bits (0 = perfectly even).
 *
 * <pre>{@code
 * ClassHistogram h = new ClassifierScore(classifier).unconditional(samples);
 * Display.show(h.toTable(List.of("T-shirt/top", "Trouser", ...)));   // or h.toTable() for 0..9
 * }</pre>
 *
 * @param counts      samples per predicted class
 * @param confident   samples whose top probability is >= {@code threshold}
 */
public record ClassHistogram(int[] counts, double threshold, int confident, double meanMaxProbability) {

    /** Counts the most probable class of each row of {@code probabilities} (N, classes). */
    public static ClassHistogram of(float[][] probabilities, double threshold) {
        ClassifierScore.checkThreshold(threshold);
        int[] counts = new int[ClassifierScore.classes(probabilities)];
        int sure = 0;
        double maxSum = 0;
        for (float[] row : probabilities) {
            int top = ImageClassifier.argmax(row);
            counts[top]++;
            sure += row[top] >= threshold ? 1 : 0;
            maxSum += row[top];
        }
        return new ClassHistogram(counts, threshold, sure, probabilities.length == 0 ? Double.NaN : maxSum / probabilities.length);
    }

    public int samples() {
        return Arrays.stream(counts).sum();
    }

    /** Share of samples per class. */
    public double[] shares() {
        int n = samples();
        return Arrays.stream(counts).mapToDouble(c -> n == 0 ? Double.NaN : c / (double) n).toArray();
    }

    /** Entropy of the class shares in bits; {@code log2(classes)} when every class has the same count. */
    public double entropyBits() {
        double h = 0;
        for (double p : shares()) {
            h -= p > 0 ? p * Math.log(p) / Math.log(2) : 0;
        }
        return h;
    }

    /** The largest possible entropy, {@code log2(classes)}. */
    public double maxEntropyBits() {
        return Math.log(counts.length) / Math.log(2);
    }

    /** KL(shares || uniform) in bits: 0 for an even spread, {@code log2(classes)} when all fall in one class. */
    public double klToUniformBits() {
        return Math.max(0, maxEntropyBits() - entropyBits());
    }

    /** Share of samples the classifier is confident about (top probability >= threshold). */
    public double confidentShare() {
        int n = samples();
        return n == 0 ? Double.NaN : confident / (double) n;
    }

    /** One row per class (count and share), titled with the entropy summary; classes named 0, 1, ... */
    public Table toTable() {
        return toTable(IntStream.range(0, counts.length).mapToObj(Integer::toString).collect(Collectors.toList()));
    }

    /** One row per class, named by {@code classNames}. */
    public Table toTable(List<String> classNames) {
        ClassifierScore.checkNames(classNames, counts.length);
        double[] shares = shares();
        StringColumn name = StringColumn.create("class");
        IntColumn count = IntColumn.create("count");
        DoubleColumn share = DoubleColumn.create("share");
        for (int k = 0; k < counts.length; k++) {
            name.append(classNames.get(k));
            count.append(counts[k]);
            share.append(shares[k]);
        }
        return Table.create(String.format("Classes of %d samples: entropy %.3f of %.3f bits (KL to uniform %.3f bits)",
                samples(), entropyBits(), maxEntropyBits(), klToUniformBits()), name, count, share);
    }

    @Override
    public String toString() {
        return String.format("%d samples, counts %s: entropy %.3f of %.3f bits, KL to uniform %.3f bits, "
                + "%.1f %% with p >= %.2f", samples(), Arrays.toString(counts), entropyBits(), maxEntropyBits(),
                klToUniformBits(), 100 * confidentShare(), threshold);
    }
}
