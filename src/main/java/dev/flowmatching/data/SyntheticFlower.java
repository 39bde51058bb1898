package dev.flowmatching.data;

/**
 * One procedurally drawn flower, resolution-free: its geometry in unit coordinates (the picture is the square
 * [0, 1]^2, y pointing down) and its colours as RGB in [0, 1]. {@link #paint} renders it at any size.
 *
 * <p>Petals are ellipses reaching from the centre out to {@code petalLength}, spaced evenly in angle from
 * {@code rotation}; the petals together are one shape (the union of the ellipses, whichever petal is deepest
 * at a pixel colours it), so the picture does not depend on the order they are drawn in and a mirrored
 * flower is exactly the flower with mirrored parameters ({@link #mirrored}). Edges are antialiased by the
 * distance to the edge in pixels, so a flower is smooth at 16 px and at 128 px alike.
 *
 * @param label         the class, an index into {@link SyntheticFlowers#KINDS}
 * @param cx            the centre, in [0, 1]
 * @param cy            the centre, in [0, 1]
 * @param petals        how many petals
 * @param rotation      the angle of the first petal, radians (0 = pointing right, growing clockwise on screen)
 * @param petalLength   from the centre to a petal's tip
 * @param petalWidth    a petal's full width as a share of its length
 * @param discRadius    the radius of the central disc
 * @param petal         the petals' colour (half-way out; darker at the base, lighter at the tip)
 * @param disc          the central disc's colour
 * @param top           the background's colour at the top
 * @param bottom        the background's colour at the bottom
 * @param tilt          how far the background's gradient leans sideways (its horizontal slope)
 */
public record SyntheticFlower(int label, double cx, double cy, int petals, double rotation, double petalLength,
        double petalWidth, double discRadius, float[] petal, float[] disc, float[] top, float[] bottom, double tilt) {

    public SyntheticFlower {
        if (petals < 1) {
            throw new IllegalArgumentException("a flower needs at least one petal, got " + petals);
        }
        if (!(petalLength > 0 && petalWidth > 0 && discRadius >= 0)) {
            throw new IllegalArgumentException("petal length and width must be positive and the disc radius >= 0, got "
                    + petalLength + ", " + petalWidth + ", " + discRadius);
        }
    }

    /** The same flower seen in a mirror (left and right swapped): what a horizontal flip of its picture shows. */
    public SyntheticFlower mirrored() {
        return new SyntheticFlower(label, 1 - cx, cy, petals, Math.PI - rotation, petalLength, petalWidth, discRadius,
                petal, disc, top, bottom, -tilt);
    }

    /** The picture at {@code resolution} x {@code resolution}: 3 planes (R, G, B) of unsigned bytes. */
    public byte[] paint(int resolution) {
        if (resolution < 1) {
            throw new IllegalArgumentException("resolution must be >= 1, got " + resolution);
        }
        int plane = resolution * resolution;
        byte[] out = new byte[3 * plane];
        float[] rgb = new float[3];
        double pixel = 1.0 / resolution;
        for (int y = 0; y < resolution; y++) {
            for (int x = 0; x < resolution; x++) {
                colourAt((x + 0.5) * pixel, (y + 0.5) * pixel, pixel, rgb);
                for (int c = 0; c < 3; c++) {
                    out[c * plane + y * resolution + x] = (byte) Math.round(255 * clamp(rgb[c]));
                }
            }
        }
        return out;
    }

    /** The colour at unit point (px, py), written into {@code rgb}; {@code pixel} is one pixel's width. */
    void colourAt(double px, double py, double pixel, float[] rgb) {
        double dx = px - cx;
        double dy = py - cy;
        double r = Math.hypot(dx, dy);
        background(px, py, r, rgb);
        petalsOver(dx, dy, pixel, rgb);
        discOver(r, pixel, rgb);
    }

    /** A vertical gradient of foliage, leaning by the tilt, lit softly around the flower. */
    private void background(double px, double py, double r, float[] rgb) {
        double t = clamp(py + tilt * (px - 0.5));
        double halo = 0.8 + 0.3 * Math.exp(-r * r / (2 * 0.25 * 0.25));
        for (int c = 0; c < 3; c++) {
            rgb[c] = (float) (((1 - t) * top[c] + t * bottom[c]) * halo);
        }
    }

    private void petalsOver(double dx, double dy, double pixel, float[] rgb) {
        double a = petalLength / 2;          // semi-axis along the petal
        double b = petalWidth * petalLength / 2; // semi-axis across
        double best = Double.POSITIVE_INFINITY;
        double second = Double.POSITIVE_INFINITY;
        double bestU = 0;
        double bestV = 0;
        for (int j = 0; j < petals; j++) {
            double phi = rotation + 2 * Math.PI * j / petals;
            double u = dx * Math.cos(phi) + dy * Math.sin(phi);
            double v = -dx * Math.sin(phi) + dy * Math.cos(phi);
            double d = ellipseDistance(u - a, v, a, b);
            if (d < best) {
                second = best;
                best = d;
                bestU = u;
                bestV = v;
            } else if (d < second) {
                second = d;
            }
        }
        double cover = clamp(0.5 - best / pixel);
        if (cover == 0) {
            return;
        }
        // Lighter towards the tip, a faint vein along the middle, and a dark seam where two petals meet.
        double along = clamp(bestU / petalLength);
        double shade = (0.6 + 0.55 * along) * (1 - 0.18 * Math.exp(-Math.pow(bestV / (0.12 * b), 2)));
        shade *= 1 - 0.35 * clamp(1 - (second - best) / (1.5 * pixel));
        for (int c = 0; c < 3; c++) {
            rgb[c] = (float) ((1 - cover) * rgb[c] + cover * petal[c] * shade);
        }
    }

    private void discOver(double r, double pixel, float[] rgb) {
        double cover = clamp(0.5 - (r - discRadius) / pixel);
        if (cover == 0) {
            return;
        }
        // Lighter in the middle, with fine rings of florets.
        double rel = r / Math.max(discRadius, 1e-9);
        double shade = (1.15 - 0.45 * rel) * (1 - 0.2 * (0.5 + 0.5 * Math.cos(2 * Math.PI * rel * 3)));
        for (int c = 0; c < 3; c++) {
            rgb[c] = (float) ((1 - cover) * rgb[c] + cover * disc[c] * shade);
        }
    }

    /**
     * The signed distance (negative inside) from (u, v) to the ellipse u^2/a^2 + v^2/b^2 = 1, to first order:
     * (q - 1) / |grad q|, exact on the edge, which is all antialiasing needs.
     */
    static double ellipseDistance(double u, double v, double a, double b) {
        double q = u * u / (a * a) + v * v / (b * b);
        double grad = 2 * Math.hypot(u / (a * a), v / (b * b));
        return grad == 0 ? -Math.min(a, b) : (q - 1) / grad;
    }

    private static double clamp(double v) {
        return Math.max(0, Math.min(1, v));
    }

    private static float clamp(float v) {
        return Math.max(0f, Math.min(1f, v));
    }
}
