package dev.flowmatching.data;

import java.awt.image.BufferedImage;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.Raster;

/**
 * A decoded picture as 8-bit RGB, pixel after pixel, row after row ({@code rgb[3 * (y * width + x) + c]}).
 * Greyscale pictures become three equal channels. Made from a {@link BufferedImage} by reading its raster
 * directly where the layout is a common one, because {@code getRGB} on a greyscale image passes the values
 * through a gamma curve (a stored grey of 81 comes back as 153) and is slow on large photos.
 *
 * <pre>{@code
 * RgbImage img = RgbImage.of(ImageIO.read(file));
 * int red = img.sample(10, 20, 0);
 * }</pre>
 *
 * @param width the width in pixels
 * @param height the height in pixels
 * @param rgb {@code 3 * width * height} unsigned bytes
 */
public record RgbImage(int width, int height, byte[] rgb) {
    public RgbImage {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + width + " x " + height);
        }
        if (rgb.length != 3L * width * height) {
            throw new IllegalArgumentException("a " + width + " x " + height + " RGB image needs " + 3L * width * height
                    + " bytes, got " + rgb.length);
        }
    }

    /** Channel {@code c} (0 red, 1 green, 2 blue) of pixel (x, y), 0..255. */
    public int sample(int x, int y, int c) {
        return rgb[3 * (y * width + x) + c] & 0xFF;
    }

    /** A greyscale picture from its 8-bit values, row after row: three equal channels. */
    public static RgbImage ofGrey(int width, int height, byte[] grey) {
        byte[] rgb = new byte[3 * grey.length];
        for (int p = 0; p < grey.length; p++) {
            rgb[3 * p] = grey[p];
            rgb[3 * p + 1] = grey[p];
            rgb[3 * p + 2] = grey[p];
        }
        return new RgbImage(width, height, rgb);
    }

    /** The pixels of {@code image}; greyscale becomes RGB with the stored grey values unchanged. */
    public static RgbImage of(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        Raster raster = image.getRaster();
        switch (image.getType()) {
            case BufferedImage.TYPE_BYTE_GRAY:
                byte[] grey = bytes(raster, 1);
                return grey != null ? ofGrey(w, h, grey) : ofGrey(w, h, raster.getSamples(0, 0, w, h, 0, (int[]) null));
            case BufferedImage.TYPE_3BYTE_BGR:
                byte[] bgr = bytes(raster, 3);
                if (bgr != null) {
                    for (int p = 0; p < bgr.length; p += 3) {
                        byte b = bgr[p];
                        bgr[p] = bgr[p + 2];
                        bgr[p + 2] = b;
                    }
                    return new RgbImage(w, h, bgr);
                }
                break;
            case BufferedImage.TYPE_INT_RGB:
            case BufferedImage.TYPE_INT_ARGB:
                if (raster.getDataBuffer() instanceof DataBufferInt ints && ints.getNumBanks() == 1
                        && raster.getParent() == null && ints.getData().length == w * h) {
                    return fromPacked(w, h, ints.getData());
                }
                break;
            default:
                break;
        }
        return fromPacked(w, h, image.getRGB(0, 0, w, h, null, 0, w));
    }

    private static RgbImage ofGrey(int w, int h, int[] grey) {
        byte[] g = new byte[grey.length];
        for (int p = 0; p < g.length; p++) {
            g[p] = (byte) grey[p];
        }
        return ofGrey(w, h, g);
    }

    /** A copy of the raster's bytes when they are tightly packed with {@code bands} bytes a pixel; else null. */
    private static byte[] bytes(Raster raster, int bands) {
        if (!(raster.getDataBuffer() instanceof DataBufferByte data) || data.getNumBanks() != 1
                || !(raster.getSampleModel() instanceof ComponentSampleModel sm) || raster.getParent() != null) {
            return null;
        }
        int w = raster.getWidth();
        if (sm.getPixelStride() != bands || sm.getScanlineStride() != bands * w
                || data.getData().length != bands * w * raster.getHeight() || !ordered(sm.getBandOffsets())) {
            return null;
        }
        return data.getData().clone();
    }

    private static boolean ordered(int[] offsets) {
        for (int b = 0; b < offsets.length; b++) {
            // TYPE_3BYTE_BGR stores blue first: offsets {2, 1, 0} for R, G, B; grey has {0}.
            if (offsets[b] != offsets.length - 1 - b) {
                return false;
            }
        }
        return true;
    }

    private static RgbImage fromPacked(int w, int h, int[] argb) {
        byte[] rgb = new byte[3 * argb.length];
        for (int p = 0; p < argb.length; p++) {
            rgb[3 * p] = (byte) (argb[p] >> 16);
            rgb[3 * p + 1] = (byte) (argb[p] >> 8);
            rgb[3 * p + 2] = (byte) argb[p];
        }
        return new RgbImage(w, h, rgb);
    }
}
