package dev.flowmatching.model;

import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The shape of a {@link UNet}: how wide, how deep, where it attends, how it is conditioned.
 *
 * <p>Level k works at resolution (H / 2^k, W / 2^k) with {@code baseChannels * channelMultipliers[k]} channels,
 * so an input must have H and W divisible by 2^(levels - 1) (28 x 28 MNIST with three levels: 28, 14, 7).
 * <pre>{@code
 * UNetConfig digits = UNetConfig.mnist("small", 10);               // class-conditional, 10 digits
 * UNetConfig mine = new UNetConfig(1, 32, List.of(1, 2, 2), 2, Set.of(2), 4, 0.1f, 128, 0, 8);
 * UNetConfig flowers = UNetConfig.flowers("small", 64, 0).withQkNorm(true);
 * }</pre>
 *
 * @param inChannels         channels of the images (1 for MNIST, 3 for RGB)
 * @param baseChannels       channels at level 0; also the size of the sinusoidal time features (even)
 * @param channelMultipliers one multiplier per level; the UNet halves the resolution between levels
 * @param resBlocks          residual blocks per level on the way down (the way up has one more, as in ADM)
 * @param attentionLevels    levels (0 = full resolution) whose blocks are followed by self-attention; the
 *                           middle of the UNet always has one
 * @param heads              attention heads (must divide the channels of every level that attends)
 * @param dropout            dropout rate inside the residual blocks (0 = none)
 * @param embedding          size of the time (and label) embedding every residual block receives (ADM: 4 x base)
 * @param classes            number of class labels, 0 = unconditional; label {@code classes} is the null class
 * @param groups             GroupNorm groups (must divide every level's channels; ADM uses 32)
 * @param qkNorm             whether every attention normalises its queries and keys (see {@link SelfAttention}):
 *                           bounded attention logits, a remedy for unstable training at high resolution
 */
public record UNetConfig(int inChannels, int baseChannels, List<Integer> channelMultipliers, int resBlocks,
        Set<Integer> attentionLevels, int heads, float dropout, int embedding, int classes, int groups,
        boolean qkNorm) {

    /** Attention without QK-normalisation (the configuration before it was an option). */
    public UNetConfig(int inChannels, int baseChannels, List<Integer> channelMultipliers, int resBlocks,
            Set<Integer> attentionLevels, int heads, float dropout, int embedding, int classes, int groups) {
        this(inChannels, baseChannels, channelMultipliers, resBlocks, attentionLevels, heads, dropout, embedding,
                classes, groups, false);
    }

    public UNetConfig {
        channelMultipliers = List.copyOf(channelMultipliers);
        attentionLevels = Collections.unmodifiableSortedSet(new TreeSet<>(attentionLevels)); // printed in order
        require(inChannels >= 1, "inChannels must be >= 1, got " + inChannels);
        require(baseChannels >= 2 && baseChannels % 2 == 0, "baseChannels must be even and >= 2, got " + baseChannels);
        require(!channelMultipliers.isEmpty(), "channelMultipliers needs at least one level");
        require(resBlocks >= 1, "resBlocks must be >= 1, got " + resBlocks);
        require(heads >= 1, "heads must be >= 1, got " + heads);
        require(dropout >= 0 && dropout < 1, "dropout must be in [0, 1), got " + dropout);
        require(embedding >= 1, "embedding must be >= 1, got " + embedding);
        require(classes >= 0, "classes must be >= 0 (0 = unconditional), got " + classes);
        require(groups >= 1, "groups must be >= 1, got " + groups);
        require(baseChannels % groups == 0, "baseChannels (" + baseChannels + ") must be divisible by groups (" + groups + ")");
        for (int k = 0; k < channelMultipliers.size(); k++) {
            int m = channelMultipliers.get(k);
            require(m >= 1, "channel multiplier of level " + k + " must be >= 1, got " + m);
            int channels = baseChannels * m;
            require(channels % groups == 0,
                    "level " + k + " has " + channels + " channels, not divisible by groups (" + groups + ")");
        }
        int levels = channelMultipliers.size();
        for (int level : attentionLevels) {
            require(level >= 0 && level < levels, "attention level " + level + " is not in [0, " + levels + ")");
            int channels = baseChannels * channelMultipliers.get(level);
            require(channels % heads == 0,
                    "level " + level + " has " + channels + " channels, not divisible by heads (" + heads + ")");
        }
        int deepest = baseChannels * channelMultipliers.get(levels - 1);
        require(deepest % heads == 0, "the middle block's " + deepest + " channels are not divisible by heads (" + heads + ")");
    }

    public int levels() {
        return channelMultipliers.size();
    }

    /** Channels at level k. */
    public int channels(int level) {
        return baseChannels * channelMultipliers.get(level);
    }

    /** H and W of an input must be multiples of this: 2^(levels - 1). */
    public int sizeMultiple() {
        return 1 << (levels() - 1);
    }

    public boolean conditional() {
        return classes > 0;
    }

    /** This configuration with another number of classes (0 = unconditional). */
    public UNetConfig withClasses(int n) {
        return new UNetConfig(inChannels, baseChannels, channelMultipliers, resBlocks, attentionLevels, heads, dropout,
                embedding, n, groups, qkNorm);
    }

    /** This configuration with another dropout rate. */
    public UNetConfig withDropout(float rate) {
        return new UNetConfig(inChannels, baseChannels, channelMultipliers, resBlocks, attentionLevels, heads, rate,
                embedding, classes, groups, qkNorm);
    }

    /** This configuration with QK-normalisation in every attention switched on or off. */
    public UNetConfig withQkNorm(boolean on) {
        return new UNetConfig(inChannels, baseChannels, channelMultipliers, resBlocks, attentionLevels, heads, dropout,
                embedding, classes, groups, on);
    }

    /**
     * UNets for 28 x 28 one-channel images (MNIST, Fashion-MNIST), three levels: 28, 14, 7.
     * <ul>
     *   <li>{@code tiny}: base 8, multipliers (1, 2, 2), one block per level, attention only in the middle;
     *       68k parameters, 1.1 GFLOP per training step at batch 16: for tests and CI.</li>
     *   <li>{@code small}: base 16, multipliers (1, 2, 4), one block per level, attention at 7 x 7; 0.69M
     *       parameters, 28 GFLOP per training step at batch 64: the notebook's CPU default (most of its width
     *       at 7 x 7, where a digit's shape is decided and convolutions are cheap).</li>
     *   <li>{@code base}: base 64, multipliers (1, 2, 2), two blocks per level, attention at 14 x 14 and 7 x 7,
     *       dropout 0.1; 6.8M parameters, 470 GFLOP per step at batch 64: for a GPU.</li>
     * </ul>
     */
    public static UNetConfig mnist(String size, int classes) {
        return switch (size.trim().toLowerCase(Locale.ROOT)) {
            case "tiny" -> new UNetConfig(1, 8, List.of(1, 2, 2), 1, Set.of(), 2, 0f, 32, classes, 4);
            case "small" -> new UNetConfig(1, 16, List.of(1, 2, 4), 1, Set.of(2), 4, 0f, 64, classes, 8);
            case "base" -> new UNetConfig(1, 64, List.of(1, 2, 2), 2, Set.of(1, 2), 4, 0.1f, 256, classes, 32);
            default -> throw new IllegalArgumentException("unknown MNIST UNet size '" + size + "'; valid: tiny, small, base");
        };
    }

    /**
     * UNets for square RGB images of side {@code resolution} (Oxford Flowers 102). The deepest level works at
     * 8 x 8, so there are log2(resolution / 8) + 1 levels and the resolution must be 8 * 2^k with k >= 1 (16, 32,
     * 64, 128, 256, ...). Self-attention follows the blocks of the levels at 16 x 16 and 8 x 8 (and the middle).
     * A level's channel multiplier depends on the resolution it works at, so the 32-pixel model is the 64-pixel
     * one without its top level and the 128-pixel one adds a level at multiplier 1. Parameter counts (measured,
     * unconditional, without QK-norm, which adds 2 C per attention; {@code classes} add {@code (classes + 1) *
     * embedding}):
     * <ul>
     *   <li>{@code tiny}: base 8, multipliers 2 / 2 / 1 at 8 / 16 / >= 32 pixels, one block per level, 2 heads,
     *       embedding 32, 4 groups (the MNIST tiny's widths): 66k parameters at 16, 75k at 32, 82k at 64: for
     *       tests and CI.</li>
     *   <li>{@code small}: base 16, multipliers 6 / 4 / 2 / 1 at 8 / 16 / 32 / >= 64 pixels, one block per level,
     *       4 heads, embedding 128, 8 groups: 1.88M at 64 (1.84M at 32, 1.92M at 128): the CPU model. Its width
     *       sits at the low resolutions, where convolutions are cheap: measured 0.55x the CPU time per step of
     *       base 32 with multipliers 1 / 2 / 2 / 3 (2.27M parameters).</li>
     *   <li>{@code base}: base 128, multipliers 4 / 2 / 2 / 1 at 8 / 16 / 32 / >= 64 pixels, two blocks per
     *       level, 4 heads, embedding 512, dropout 0.1, 32 groups (ADM-like, for a GPU): 74.1M at 64
     *       ({@link #flowers64}: multipliers 1, 2, 2, 4), 76.7M at 128 (1, 1, 2, 2, 4).</li>
     * </ul>
     */
    public static UNetConfig flowers(String size, int resolution, int classes) {
        int levels = flowersLevels(resolution);
        return switch (size.trim().toLowerCase(Locale.ROOT)) {
            case "tiny" -> flowers(8, multipliers(levels, 2, 2, 1), 1, 2, 0f, 32, classes, 4);
            case "small" -> flowers(16, multipliers(levels, 6, 4, 2, 1), 1, 4, 0f, 128, classes, 8);
            case "base" -> flowers(128, multipliers(levels, 4, 2, 2, 1), 2, 4, 0.1f, 512, classes, 32);
            default -> throw new IllegalArgumentException("unknown flowers UNet size '" + size + "'; valid: tiny, small, base");
        };
    }

    /** The {@code base} flowers UNet at 64 x 64 (multipliers 1, 2, 2, 4; attention at levels 2 and 3). */
    public static UNetConfig flowers64(int classes) {
        return flowers("base", 64, classes);
    }

    private static int flowersLevels(int resolution) {
        if (resolution < 16 || resolution % 8 != 0 || Integer.bitCount(resolution / 8) != 1) {
            throw new IllegalArgumentException("UNetConfig.flowers: the UNet works down to 8 x 8 with attention at 16 x 16"
                    + " and 8 x 8, so resolution must be 8 * 2^k with k >= 1 (16, 32, 64, 128, ...), got " + resolution);
        }
        return Integer.numberOfTrailingZeros(resolution / 8) + 1;
    }

    /**
     * Multipliers from the top level down for a UNet whose deepest level is at 8 x 8; {@code fromDeepest} gives
     * them for the levels at 8, 16, 32, ... pixels, its last value repeating for every level above.
     */
    private static List<Integer> multipliers(int levels, int... fromDeepest) {
        Integer[] m = new Integer[levels];
        for (int k = 0; k < levels; k++) {
            int depth = levels - 1 - k; // 0 at 8 x 8
            m[k] = fromDeepest[Math.min(depth, fromDeepest.length - 1)];
        }
        return List.of(m);
    }

    /** Attention at the two deepest levels: 16 x 16 and 8 x 8. */
    private static UNetConfig flowers(int base, List<Integer> multipliers, int blocks, int heads, float dropout,
            int embedding, int classes, int groups) {
        int levels = multipliers.size();
        return new UNetConfig(3, base, multipliers, blocks, Set.of(levels - 2, levels - 1), heads, dropout, embedding,
                classes, groups);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("UNetConfig: " + message);
        }
    }
}
