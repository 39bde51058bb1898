package dev.flowmatching.data;

/**
 * Centre crop to a square, then area-average resize to {@code size x size}: each output pixel is the mean of
 * the source square it covers, each source pixel weighted by the exact fraction of it inside (a box filter
 * over fractional coverage, what OpenCV calls INTER_AREA). Every source pixel contributes, so a photo shrunk
 * 8x keeps its fine texture as averages instead of the aliasing that nearest-neighbour or plain bilinear
 * sampling gives. The filter is separable: rows first, then columns, in floats; the result is rounded half
 * up and clamped to 0..255.
 *
 * <p>The crop is the largest centred square; when the surplus is odd, the extra pixel is cut on the right
 * (or bottom). Enlarging (a source smaller than {@code size}) is allowed and gives soft-edged blocks.
 *
 * <pre>{@code
 * byte[] chw = SquareResize.centreCropArea(RgbImage.of(photo), 64); // 3 x 64 x 64, channel after channel
 * }</pre>
 */
public final class SquareResize {
    private SquareResize() {
    }

    /** The centre square of {@code image} resized to {@code size x size}, as 3 planes (R, G, B) of bytes. */
    public static byte[] centreCropArea(RgbImage image, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("the output size must be positive, got " + size);
        }
        int side = Math.min(image.width(), image.height());
        int x0 = (image.width() - side) / 2;
        int y0 = (image.height() - side) / 2;
        Taps taps = Taps.area(side, size);
        float[] rows = resizeRows(image, x0, y0, side, size, taps);
        return resizeColumns(rows, side, size, taps);
    }

    /** Horizontal pass over the crop's rows: side rows of size pixels x 3 channels. */
    private static float[] resizeRows(RgbImage image, int x0, int y0, int side, int size, Taps taps) {
        byte[] rgb = image.rgb();
        float[] out = new float[side * size * 3];
        for (int y = 0; y < side; y++) {
            int rowStart = 3 * ((y0 + y) * image.width() + x0);
            for (int i = 0; i < size; i++) {
                float r = 0;
                float g = 0;
                float b = 0;
                for (int t = taps.start[i]; t < taps.start[i + 1]; t++) {
                    int p = rowStart + 3 * taps.index[t];
                    float w = taps.weight[t];
                    r += w * (rgb[p] & 0xFF);
                    g += w * (rgb[p + 1] & 0xFF);
                    b += w * (rgb[p + 2] & 0xFF);
                }
                int o = 3 * (y * size + i);
                out[o] = r;
                out[o + 1] = g;
                out[o + 2] = b;
            }
        }
        return out;
    }

    /** Vertical pass, writing channel planes (C x H x W) of rounded bytes. */
    private static byte[] resizeColumns(float[] rows, int side, int size, Taps taps) {
        byte[] out = new byte[3 * size * size];
        int plane = size * size;
        for (int j = 0; j < size; j++) {
            for (int i = 0; i < size; i++) {
                for (int c = 0; c < 3; c++) {
                    float v = 0;
                    for (int t = taps.start[j]; t < taps.start[j + 1]; t++) {
                        v += taps.weight[t] * rows[3 * (taps.index[t] * size + i) + c];
                    }
                    out[c * plane + j * size + i] = toByte(v);
                }
            }
        }
        return out;
    }

    private static byte toByte(float v) {
        // +1e-3 keeps exact halves (e.g. 2.5 summed as 2.4999998) rounding up as the class comment says.
        int r = (int) Math.floor(v + 0.5f + 1e-3f);
        return (byte) Math.max(0, Math.min(255, r));
    }

    /**
     * For each output pixel i, the source pixels index[start[i] .. start[i+1]) it overlaps and the fraction
     * of the output pixel each covers (the weights of one output pixel sum to 1).
     */
    static final class Taps {
        final int[] start;
        final int[] index;
        final float[] weight;

        private Taps(int[] start, int[] index, float[] weight) {
            this.start = start;
            this.index = index;
            this.weight = weight;
        }

        static Taps area(int from, int to) {
            double scale = (double) from / to; // source pixels per output pixel
            int[] start = new int[to + 1];
            int max = (int) Math.ceil(scale) + 2;
            int[] index = new int[to * max];
            float[] weight = new float[to * max];
            int n = 0;
            for (int i = 0; i < to; i++) {
                start[i] = n;
                double lo = i * scale;
                double hi = Math.min(from, (i + 1) * scale);
                for (int k = (int) Math.floor(lo); k < hi; k++) {
                    double cover = Math.min(hi, k + 1) - Math.max(lo, k);
                    if (cover > 1e-9) {
                        index[n] = k;
                        weight[n++] = (float) (cover / scale);
                    }
                }
            }
            start[to] = n;
            return new Taps(start, java.util.Arrays.copyOf(index, n), java.util.Arrays.copyOf(weight, n));
        }
    }
}
