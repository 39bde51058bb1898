package dev.flowmatching.viz;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import javax.imageio.ImageIO;

/** Pixel images: encoding to PNG and building images from arrays of values. */
public final class Images {
    private Images() {
    }

    /** The PNG encoding of an image. */
    public static byte[] png(BufferedImage image) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("No PNG writer for image type " + image.getType());
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A heat-map image of a row-major {@code height x width} grid, values mapped linearly from their
     * minimum to their maximum onto a perceptually ordered colour ramp, each cell drawn {@code scale} pixels wide.
     */
    public static BufferedImage heatmap(float[] values, int height, int width, int scale) {
        if (values.length != height * width) {
            throw new IllegalArgumentException("heatmap: expected " + height + "x" + width + " = " + height * width
                    + " values, got " + values.length);
        }
        if (scale < 1) {
            throw new IllegalArgumentException("heatmap: scale must be >= 1, got " + scale);
        }
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        float range = max > min ? max - min : 1f;
        BufferedImage img = new BufferedImage(width * scale, height * scale, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height * scale; y++) {
            for (int x = 0; x < width * scale; x++) {
                float v = (values[(y / scale) * width + x / scale] - min) / range;
                img.setRGB(x, y, ColourRamp.rgb(v));
            }
        }
        return img;
    }
}
