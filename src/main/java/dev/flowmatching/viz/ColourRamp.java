package dev.flowmatching.viz;

/**
 * A dark-blue to yellow colour ramp in the spirit of viridis, interpolated between a few anchor colours,
 * so that brightness grows with the value and heat maps read correctly in grey too.
 */
final class ColourRamp {
    private static final int[][] ANCHORS = {
        {68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}
    };

    private ColourRamp() {
    }

    /** The packed RGB colour for {@code v} in [0, 1] (clamped). */
    static int rgb(float v) {
        float t = Math.max(0f, Math.min(1f, v)) * (ANCHORS.length - 1);
        int i = Math.min((int) t, ANCHORS.length - 2);
        float f = t - i;
        int r = Math.round(ANCHORS[i][0] + f * (ANCHORS[i + 1][0] - ANCHORS[i][0]));
        int g = Math.round(ANCHORS[i][1] + f * (ANCHORS[i + 1][1] - ANCHORS[i][1]));
        int b = Math.round(ANCHORS[i][2] + f * (ANCHORS[i + 1][2] - ANCHORS[i][2]));
        return (r << 16) | (g << 8) | b;
    }
}
