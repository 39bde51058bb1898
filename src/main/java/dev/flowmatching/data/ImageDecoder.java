package dev.flowmatching.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

import org.apache.commons.imaging.Imaging;

/**
 * Decodes an image file's bytes (JPEG above all; anything either library reads) to {@link RgbImage}, trying
 * two decoders in turn, and throws {@link UnreadableImageException} naming the file and each decoder's
 * complaint when neither reads it.
 * <ul>
 *   <li>The JDK's ImageIO (libjpeg inside): baseline and progressive JPEG. A file it reads only with a
 *       warning (a truncated file: "Premature end of JPEG file") counts as a failure, because the missing part
 *       would come back grey instead of being noticed.</li>
 *   <li>Apache Commons Imaging 1.0.0-alpha6: baseline JPEG only ("Only sequential, baseline JPEGs are
 *       supported"), 2.4x slower than ImageIO on photo-sized files (data/README.md), and it reads CMYK
 *       JPEGs with wrong colours.</li>
 * </ul>
 * The default order is ImageIO first, for speed and progressive files; {@link #commonsImagingFirst()} turns
 * it round. Four-component JPEGs (CMYK, or YCCK as Photoshop writes them) always take their own path: ImageIO
 * hands over the raw components and they are converted here with the naive formula R = (1 - C)(1 - K),
 * honouring the Adobe marker (inverted values; transform 2 means YCbCr-coded CMY), since neither library's
 * own colour conversion gets them right.
 *
 * <pre>{@code
 * RgbImage img = ImageDecoder.imageIoFirst().decode(Files.readAllBytes(file), file.toString());
 * }</pre>
 *
 * <p>Thread-safe: each call makes its own readers.
 */
public final class ImageDecoder {
    /** Refused before decoding, so a corrupt size field cannot ask for gigabytes. */
    public static final long MAX_PIXELS = 100_000_000L;

    private final boolean imageIoFirst;

    private ImageDecoder(boolean imageIoFirst) {
        this.imageIoFirst = imageIoFirst;
    }

    /** ImageIO, then Commons Imaging (the default). */
    public static ImageDecoder imageIoFirst() {
        return new ImageDecoder(true);
    }

    /** Commons Imaging, then ImageIO. */
    public static ImageDecoder commonsImagingFirst() {
        return new ImageDecoder(false);
    }

    /** The image in {@code bytes}; {@code name} says which file it is in messages. */
    public RgbImage decode(byte[] bytes, String name) throws UnreadableImageException {
        return decodeNamed(bytes, name).image();
    }

    /** The image and the name of the decoder that read it ("ImageIO", "Commons Imaging", "CMYK"). */
    public Decoded decodeNamed(byte[] bytes, String name) throws UnreadableImageException {
        JpegHeader header = JpegHeader.parse(bytes);
        if (header != null && (long) header.width() * header.height() > MAX_PIXELS) {
            throw new UnreadableImageException(name, List.of("its header claims " + header.width() + " x "
                    + header.height() + " pixels, more than " + MAX_PIXELS));
        }
        List<String> reasons = new ArrayList<>();
        if (header != null && header.components() == 4) {
            try {
                return new Decoded(cmyk(bytes, header), "CMYK");
            } catch (Exception e) {
                reasons.add("ImageIO (raw CMYK): " + describe(e));
                throw new UnreadableImageException(name, reasons);
            }
        }
        for (int attempt = 0; attempt < 2; attempt++) {
            boolean useImageIo = (attempt == 0) == imageIoFirst;
            try {
                return useImageIo ? new Decoded(imageIo(bytes), "ImageIO")
                        : new Decoded(RgbImage.of(Imaging.getBufferedImage(bytes)), "Commons Imaging");
            } catch (Exception e) { // a decoder fed junk may throw anything; the file is skipped, not the run
                reasons.add((useImageIo ? "ImageIO: " : "Commons Imaging: ") + describe(e));
            }
        }
        throw new UnreadableImageException(name, reasons);
    }

    /**
     * A decoded image and which decoder read it.
     *
     * @param image the pixels
     * @param decoder "ImageIO", "Commons Imaging" or "CMYK"
     */
    public record Decoded(RgbImage image, String decoder) {
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private static RgbImage imageIo(byte[] bytes) throws IOException {
        ImageReader reader = readerFor(bytes);
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            BufferedImage image = reader.read(0);
            if (!warnings.isEmpty()) {
                throw new IOException(String.join("; ", warnings));
            }
            return RgbImage.of(image);
        } finally {
            reader.dispose();
        }
    }

    /** A new ImageIO reader for the format the bytes start with (no temp files: the stream is in memory). */
    private static ImageReader readerFor(byte[] bytes) throws IOException {
        try (ImageInputStream probe = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(probe);
            if (!readers.hasNext()) {
                throw new IOException("no ImageIO reader recognises the format");
            }
            return readers.next();
        }
    }

    private static RgbImage cmyk(byte[] bytes, JpegHeader header) throws IOException {
        ImageReader reader = readerFor(bytes);
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            Raster raw = reader.readRaster(0, null); // the stored components, no colour conversion
            if (!warnings.isEmpty()) {
                throw new IOException(String.join("; ", warnings));
            }
            return cmykToRgb(raw, header.adobeTransform());
        } finally {
            reader.dispose();
        }
    }

    /**
     * RGB from four stored components. With an Adobe marker the values are inverted (stored = 255 - ink, so
     * R = C' K' / 255), and transform 2 first turns YCbCr back into those inverted C', M', Y'. Without one they
     * are plain inks: R = (255 - C)(255 - K) / 255.
     */
    static RgbImage cmykToRgb(Raster raw, int adobeTransform) {
        int w = raw.getWidth();
        int h = raw.getHeight();
        int[] px = raw.getPixels(raw.getMinX(), raw.getMinY(), w, h, (int[]) null);
        byte[] rgb = new byte[3 * w * h];
        for (int p = 0; p < w * h; p++) {
            double c = px[4 * p];
            double m = px[4 * p + 1];
            double y = px[4 * p + 2];
            double k = px[4 * p + 3];
            if (adobeTransform == 2) {
                double lum = c;
                double cb = m - 128;
                double cr = y - 128;
                c = clamp(lum + 1.402 * cr);
                m = clamp(lum - 0.344136 * cb - 0.714136 * cr);
                y = clamp(lum + 1.772 * cb);
            }
            if (adobeTransform < 0) {
                c = 255 - c;
                m = 255 - m;
                y = 255 - y;
                k = 255 - k;
            }
            rgb[3 * p] = (byte) Math.round(c * k / 255);
            rgb[3 * p + 1] = (byte) Math.round(m * k / 255);
            rgb[3 * p + 2] = (byte) Math.round(y * k / 255);
        }
        return new RgbImage(w, h, rgb);
    }

    private static double clamp(double v) {
        return Math.max(0, Math.min(255, v));
    }
}
