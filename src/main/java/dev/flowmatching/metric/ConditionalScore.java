package dev.flowmatching.metric;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * How well class-conditional samples show the class they were asked for, as judged by an
 * {@link ImageClassifier}. The headline is {@link #confidentShare}: the share of samples that the classifier
 * puts in the requested class with probability >= {@code threshold}. Beside it: the plain share whose most
 * probable class is the requested one, the mean of the classifier's top probability (how sure it is of
 * anything), and the counts per requested class.
 *
 * <pre>{@code
 * ConditionalScore s = new ClassifierScore(classifier).conditional(samples, requested);
 * Display.show(ConditionalScore.compare("guidance sweep", Map.of("w = 0", s0, "w = 2", s2)));
 * }</pre>
 *
 * @param requested  samples asked for, per class
 * @param confident  samples confidently classified as the class asked for, per class
 */
public record ConditionalScore(int samples, double threshold, double confidentShare, double matchShare,
        double meanMaxProbability, int[] requested, int[] confident) {

    /** Scores {@code probabilities} (N, classes), e.g. from {@link ImageClassifier#predictProbabilities}. */
    public static ConditionalScore of(float[][] probabilities, int[] requestedLabels, double threshold) {
        ClassifierScore.checkThreshold(threshold);
        if (requestedLabels.length != probabilities.length) {
            throw new IllegalArgumentException("expected one requested label per sample (" + probabilities.length
                    + "), got " + requestedLabels.length);
        }
        int k = ClassifierScore.classes(probabilities);
        int[] asked = new int[k];
        int[] sure = new int[k];
        int matches = 0;
        double maxSum = 0;
        for (int i = 0; i < probabilities.length; i++) {
            int want = requestedLabels[i];
            if (want < 0 || want >= k) {
                throw new IllegalArgumentException("requested label " + i + " is " + want + ", outside [0, " + k + ")");
            }
            int top = ImageClassifier.argmax(probabilities[i]);
            asked[want]++;
            matches += top == want ? 1 : 0;
            sure[want] += top == want && probabilities[i][top] >= threshold ? 1 : 0;
            maxSum += probabilities[i][top];
        }
        int n = probabilities.length;
        return new ConditionalScore(n, threshold, share(Arrays.stream(sure).sum(), n), share(matches, n),
                n == 0 ? Double.NaN : maxSum / n, asked, sure);
    }

    private static double share(int count, int n) {
        return n == 0 ? Double.NaN : count / (double) n;
    }

    /** The confident share among the samples asked for class {@code k} (NaN when none were). */
    public double confidentShare(int k) {
        return share(confident[k], requested[k]);
    }

    /** One row: samples, threshold, confident share, argmax match share, mean top probability. */
    public Table toTable() {
        return compare("Classifier score of conditional samples", Map.of("samples", this));
    }

    /** One row per requested class: how many were asked for, how many came out confidently right. */
    public Table perClassTable(List<String> classNames) {
        ClassifierScore.checkNames(classNames, requested.length);
        StringColumn name = StringColumn.create("class");
        IntColumn asked = IntColumn.create("requested");
        IntColumn sure = IntColumn.create("confident");
        DoubleColumn share = DoubleColumn.create("confident share");
        for (int k = 0; k < requested.length; k++) {
            name.append(classNames.get(k));
            asked.append(requested[k]);
            sure.append(confident[k]);
            share.append(confidentShare(k));
        }
        return Table.create("Per class: share classified as requested with p >= " + threshold, name, asked, sure, share);
    }

    /** One row per named score (in the map's iteration order: pass a LinkedHashMap to fix it). */
    public static Table compare(String title, Map<String, ConditionalScore> scores) {
        StringColumn run = StringColumn.create("run");
        IntColumn n = IntColumn.create("samples");
        DoubleColumn threshold = DoubleColumn.create("threshold");
        DoubleColumn sure = DoubleColumn.create("confident share");
        DoubleColumn match = DoubleColumn.create("argmax share");
        DoubleColumn top = DoubleColumn.create("mean max p");
        scores.forEach((name, s) -> {
            run.append(name);
            n.append(s.samples());
            threshold.append(s.threshold());
            sure.append(s.confidentShare());
            match.append(s.matchShare());
            top.append(s.meanMaxProbability());
        });
        return Table.create(title, run, n, threshold, sure, match, top);
    }

    @Override
    public String toString() {
        return String.format("%d samples: %.1f %% classified as requested with p >= %.2f (%.1f %% by argmax), mean max p %.3f",
                samples, 100 * confidentShare, threshold, 100 * matchShare, meanMaxProbability);
    }
}
