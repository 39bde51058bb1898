package dev.flowmatching.viz;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;

import org.apache.commons.imaging.ImageFormats;
import org.apache.commons.imaging.Imaging;

import ai.djl.ndarray.NDArray;

import dev.flowmatching.notebook.Displayable;
import dev.flowmatching.notebook.MimeBundle;

/**
 * A batch of images tiled into one picture, row by row (e.g. one row per class), with a thin border
 * between tiles. Pixel values in [-1, 1] (the models' scale) map to 0..255; values outside are clipped, so
 * an over-shooting sampler shows as saturated pixels rather than wrapped-around ones. One channel shows as
 * grey, three as RGB. Encoded as PNG with Apache Commons Imaging.
 *
 * <pre>{@code
 * NDArray samples = ...;                       // (40, 1, 28, 28), four rows of ten
 * Display.show(ImageGrid.of(samples, 10).scale(2).caption("EMA samples, 20 Euler steps"));
 * }</pre>
 */
public final class ImageGrid implements Displayable {
    private static final int BORDER_RGB = 0x808080;

    private final float[] values;
    private final int count;
    private final int channels;
    private final int height;
    private final int width;
    private final int columns;
    private int scale = 1;
    private int padding = 1;
    private String caption = "";

    private ImageGrid(float[] values, int count, int channels, int height, int width, int columns) {
        this.values = values;
        this.count = count;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.columns = columns;
    }

    /** Images of shape (N, C, H, W) with C = 1 or 3, in [-1, 1], laid out {@code columns} to a row. */
    public static ImageGrid of(NDArray images, int columns) {
        long[] s = images.getShape().getShape();
        if (s.length != 4 || (s[1] != 1 && s[1] != 3)) {
            throw new IllegalArgumentException("images must have shape (N, 1 or 3, H, W), got " + images.getShape());
        }
        return of(images.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(),
                (int) s[0], (int) s[1], (int) s[2], (int) s[3], columns);
    }

    /** As {@link #of(NDArray, int)}, from a row-major (N, C, H, W) array. */
    public static ImageGrid of(float[] values, int count, int channels, int height, int width, int columns) {
        if (count < 1 || (channels != 1 && channels != 3) || height < 1 || width < 1) {
            throw new IllegalArgumentException("image grid needs count >= 1, channels 1 or 3 and a positive size, got "
                    + count + "x" + channels + "x" + height + "x" + width);
        }
        if (values.length != (long) count * channels * height * width) {
            throw new IllegalArgumentException("image grid: expected " + count + "x" + channels + "x" + height + "x"
                    + width + " = " + (long) count * channels * height * width + " values, got " + values.length);
        }
        if (columns < 1) {
            throw new IllegalArgumentException("columns must be >= 1, got " + columns);
        }
        return new ImageGrid(values, count, channels, height, width, Math.min(columns, count));
    }

    /** Each pixel drawn as a {@code factor x factor} block (28x28 digits are small on screen). */
    public ImageGrid scale(int factor) {
        if (factor < 1) {
            throw new IllegalArgumentException("scale must be >= 1, got " + factor);
        }
        this.scale = factor;
        return this;
    }

    /** Border between tiles, in screen pixels. */
    public ImageGrid padding(int pixels) {
        if (pixels < 0) {
            throw new IllegalArgumentException("padding must be >= 0, got " + pixels);
        }
        this.padding = pixels;
        return this;
    }

    /** The text shown where images cannot be (and in tests). */
    public ImageGrid caption(String text) {
        this.caption = text == null ? "" : text;
        return this;
    }

    public int rows() {
        return (count + columns - 1) / columns;
    }

    /** The tiled picture. */
    public BufferedImage image() {
        int tileW = width * scale;
        int tileH = height * scale;
        BufferedImage img = new BufferedImage(padding + columns * (tileW + padding), padding + rows() * (tileH + padding),
                BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, BORDER_RGB);
            }
        }
        for (int n = 0; n < count; n++) {
            int x0 = padding + (n % columns) * (tileW + padding);
            int y0 = padding + (n / columns) * (tileH + padding);
            for (int y = 0; y < tileH; y++) {
                for (int x = 0; x < tileW; x++) {
                    img.setRGB(x0 + x, y0 + y, rgb(n, y / scale, x / scale));
                }
            }
        }
        return img;
    }

    private int rgb(int n, int y, int x) {
        int plane = height * width;
        int base = n * channels * plane + y * width + x;
        int r = byteOf(values[base]);
        if (channels == 1) {
            return r << 16 | r << 8 | r;
        }
        return r << 16 | byteOf(values[base + plane]) << 8 | byteOf(values[base + 2 * plane]);
    }

    /** [-1, 1] to 0..255, clipped; NaN shows as black. */
    static int byteOf(float v) {
        if (Float.isNaN(v)) {
            return 0;
        }
        return Math.round(Math.max(0f, Math.min(255f, (v + 1f) * 127.5f)));
    }

    /** The PNG encoding (Commons Imaging). */
    public byte[] png() {
        try {
            return Imaging.writeImageToBytes(image(), ImageFormats.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public MimeBundle toMimeBundle() {
        String text = count + " images of " + channels + "x" + height + "x" + width + " in " + rows() + " rows of "
                + columns + (caption.isEmpty() ? "" : ": " + caption);
        return MimeBundle.text(text).withPng(png());
    }
}
