package dev.flowmatching.data;

import java.util.Locale;

/**
 * The official thirds of Oxford Flowers 102 as {@code setid.mat} lists them: 1,020 training images (10 per
 * class), 1,020 validation images and 6,149 test images. A generative model usually trains on all 8,189; a
 * classifier (for a metric) on TRAIN, checked on TEST.
 *
 * <pre>{@code
 * ImageSet test = Flowers102.load(dataDir, 64, FlowersSplit.TEST);
 * }</pre>
 */
public enum FlowersSplit {
    TRAIN("trnid"),
    VALID("valid"),
    TEST("tstid");

    private final String variable;

    FlowersSplit(String variable) {
        this.variable = variable;
    }

    /** The name of the variable in setid.mat that lists the split's image ids. */
    public String variable() {
        return variable;
    }

    /** The byte that marks an image of this split in the cache; {@link #UNKNOWN} for none. */
    byte code() {
        return (byte) ordinal();
    }

    /** The cache's marker for an image whose split is not known (a folder or archive without setid.mat). */
    static final byte UNKNOWN = (byte) 0xFF;

    /** "train", "valid"/"validation"/"val" or "test" (case and surrounding blanks ignored). */
    public static FlowersSplit named(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (key) {
            case "train", "trnid" -> TRAIN;
            case "valid", "val", "validation" -> VALID;
            case "test", "tstid" -> TEST;
            default -> throw new IllegalArgumentException("unknown split '" + name + "'; valid splits: train, valid, test");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
