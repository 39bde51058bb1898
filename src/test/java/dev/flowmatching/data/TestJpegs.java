package dev.flowmatching.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Small JPEG files written by the tests with the JDK's encoder: RGB, grey, progressive, CMYK, YCCK, cut. */
final class TestJpegs {
    private TestJpegs() {
    }

    /** A {@code width x height} picture of one colour (0xRRGGBB). */
    static BufferedImage solid(int width, int height, int rgb) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    /** Vertical bands of the given colours, {@code band} pixels wide each, {@code height} high. */
    static BufferedImage bands(int band, int height, int... colours) {
        BufferedImage img = new BufferedImage(band * colours.length, height, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, colours[x / band]);
            }
        }
        return img;
    }

    /** A busy picture (a fixed hash of the position), so most of its JPEG is scan data, not headers. */
    static BufferedImage busy(int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.setRGB(x, y, (int) (((x * 37L + y * 91L) * 2654435761L) >>> 7) & 0xFFFFFF);
            }
        }
        return img;
    }

    static BufferedImage grey(int width, int height, int value) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.getRaster().setSample(x, y, 0, value);
            }
        }
        return img;
    }

    /** A baseline JPEG at quality 0.95. */
    static byte[] jpeg(BufferedImage img) throws IOException {
        return write(new IIOImage(img, null, null), false);
    }

    static byte[] progressive(BufferedImage img) throws IOException {
        return write(new IIOImage(img, null, null), true);
    }

    /** The first {@code fraction} of the file's bytes: no end-of-image marker, part of the scan missing. */
    static byte[] truncated(byte[] jpeg, double fraction) {
        return Arrays.copyOf(jpeg, (int) (jpeg.length * fraction));
    }

    /**
     * A four-component JPEG of one colour given as inks C, M, Y, K (0..255), stored as Photoshop does: with an
     * Adobe APP14 marker and inverted values (transform 0), or coded as YCbCr + K (transform 2, "YCCK").
     */
    static byte[] adobeCmyk(int width, int height, int c, int m, int y, int k, boolean ycck) throws IOException {
        int[] stored = {255 - c, 255 - m, 255 - y, 255 - k};
        if (ycck) { // Photoshop codes the inverted C, M, Y as if they were R, G, B
            double r = stored[0];
            double g = stored[1];
            double b = stored[2];
            stored[0] = (int) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
            stored[1] = (int) Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
            stored[2] = (int) Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
        }
        byte[] plain = write(new IIOImage(fourBands(width, height, stored), null, null), false);
        byte[] adobe = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0,
            (byte) (ycck ? 2 : 0)};
        byte[] out = new byte[plain.length + adobe.length];
        System.arraycopy(plain, 0, out, 0, 2); // after SOI
        System.arraycopy(adobe, 0, out, 2, adobe.length);
        System.arraycopy(plain, 2, out, 2 + adobe.length, plain.length - 2);
        return out;
    }

    /** A four-component JPEG with no Adobe marker: the components are plain inks C, M, Y, K. */
    static byte[] plainCmyk(int width, int height, int c, int m, int y, int k) throws IOException {
        return write(new IIOImage(fourBands(width, height, new int[] {c, m, y, k}), null, null), false);
    }

    private static Raster fourBands(int width, int height, int[] values) {
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, width, height, 4, null);
        for (int yy = 0; yy < height; yy++) {
            for (int xx = 0; xx < width; xx++) {
                r.setPixel(xx, yy, values);
            }
        }
        return r;
    }

    private static byte[] write(IIOImage image, boolean progressive) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam p = writer.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(0.95f);
        if (progressive) {
            p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, image, p);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
