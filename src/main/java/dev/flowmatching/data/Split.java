package dev.flowmatching.data;

import java.util.Locale;

/**
 * The official halves of MNIST and Fashion-MNIST: 60,000 training and 10,000 test images, in files whose names
 * start with "train" and "t10k".
 *
 * <pre>{@code
 * ImageSet test = MnistData.load("fashion-mnist", Split.named("test"), dataDir);
 * }</pre>
 */
public enum Split {
    TRAIN("train"),
    TEST("t10k");

    private final String filePrefix;

    Split(String filePrefix) {
        this.filePrefix = filePrefix;
    }

    /** How the split's IDX file names start: "train" or "t10k". */
    public String filePrefix() {
        return filePrefix;
    }

    /** "train" or "test" (case and surrounding blanks ignored). */
    public static Split named(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (key) {
            case "train" -> TRAIN;
            case "test", "t10k" -> TEST;
            default -> throw new IllegalArgumentException("unknown split '" + name + "'; valid splits: train, test");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
