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
 */
public record UNetConfig(int inChannels, int baseChannels, List<Integer> channelMultipliers, int resBlocks,
        Set<Integer> attentionLevels, int heads, float dropout, int embedding, int classes, int groups) {

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
                embedding, n, groups);
    }

    /** This configuration with another dropout rate. */
    public UNetConfig withDropout(float rate) {
        return new UNetConfig(inChannels, baseChannels, channelMultipliers, resBlocks, attentionLevels, heads, rate,
                embedding, classes, groups);
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
     * An ADM-like UNet for 64 x 64 RGB images (Oxford Flowers 102) on a GPU: base 128, multipliers (1, 2, 2, 4)
     * for 64, 32, 16 and 8 pixels, two blocks per level, attention at 16 x 16 and 8 x 8 with 4 heads,
     * dropout 0.1, GroupNorm with 32 groups.
     */
    public static UNetConfig flowers64(int classes) {
        return new UNetConfig(3, 128, List.of(1, 2, 2, 4), 2, Set.of(2, 3), 4, 0.1f, 512, classes, 32);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("UNetConfig: " + message);
        }
    }
}
