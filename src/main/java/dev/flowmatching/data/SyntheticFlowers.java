package dev.flowmatching.data;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * An offline stand-in for Oxford Flowers 102: procedurally drawn flowers, so notebook 04 and its tests run
 * anywhere without the 330 MB archive. Each class is a kind of flower with its own petal count, petal shape
 * and colour family ({@link #KINDS}), so class conditioning has something to learn; within a class every
 * flower differs in position, size, rotation, hue and background. The same seed gives the same pictures, at
 * any resolution, as the same {@link ImageSet} (3 channels, scaled to [-1, 1] in batches) that
 * {@link Flowers102} returns. The classes come in turn (image i has label i mod 5), so they are balanced.
 *
 * <pre>{@code
 * ImageSet flowers = new SyntheticFlowers(0).generate(2000, 64);   // 2,000 pictures of 3 x 64 x 64
 * List<SyntheticFlower> drawn = new SyntheticFlowers(0).draw(10);  // the parameters behind the first ten
 * }</pre>
 */
public final class SyntheticFlowers {
    /**
     * One kind of flower, a class: its petal count, petal width (a share of the length), and colours as
     * hue, saturation, brightness in [0, 1] (petals, then the central disc).
     */
    public record Kind(String name, int petals, double petalWidth, float hue, float saturation, float brightness,
            float discHue, float discSaturation, float discBrightness) {
    }

    /** The classes: petal counts 4, 5, 7, 8 and 12, in five colour families. */
    public static final List<Kind> KINDS = List.of(
            new Kind("red poppy", 4, 0.8, 0.00f, 0.85f, 0.85f, 0.75f, 0.40f, 0.12f),
            new Kind("buttercup", 5, 0.6, 0.14f, 0.90f, 0.95f, 0.22f, 0.80f, 0.55f),
            new Kind("pink cosmos", 7, 0.45, 0.92f, 0.50f, 0.95f, 0.13f, 0.85f, 0.85f),
            new Kind("cornflower", 8, 0.35, 0.62f, 0.75f, 0.85f, 0.75f, 0.60f, 0.30f),
            new Kind("daisy", 12, 0.24, 0.15f, 0.05f, 0.97f, 0.13f, 0.90f, 0.90f));

    private final long seed;

    public SyntheticFlowers(long seed) {
        this.seed = seed;
    }

    /** {@code count} pictures at {@code resolution} x {@code resolution}, as an image set. */
    public ImageSet generate(int count, int resolution) {
        if (count < 1 || resolution < 8) {
            throw new IllegalArgumentException("synthetic flowers need count >= 1 and resolution >= 8, got " + count
                    + " at " + resolution + " px");
        }
        List<SyntheticFlower> flowers = draw(count);
        int size = 3 * resolution * resolution;
        byte[] pixels = new byte[count * size];
        int[] labels = new int[count];
        java.util.stream.IntStream.range(0, count).parallel().forEach(i ->
                System.arraycopy(flowers.get(i).paint(resolution), 0, pixels, i * size, size));
        for (int i = 0; i < count; i++) {
            labels[i] = flowers.get(i).label();
        }
        List<String> names = KINDS.stream().map(Kind::name).toList();
        return ImageSet.of("synthetic flowers " + resolution + "px", 3, resolution, resolution, names, labels, pixels)
                .withSource("drawn by SyntheticFlowers (seed " + seed + "): " + KINDS.size() + " kinds of procedural "
                        + "flower, a stand-in for Oxford Flowers 102");
    }

    /** The parameters of the first {@code count} flowers of this seed (what {@link #generate} paints). */
    public List<SyntheticFlower> draw(int count) {
        SplittableRandom random = new SplittableRandom(seed);
        List<SyntheticFlower> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(flower(i % KINDS.size(), random.split()));
        }
        return out;
    }

    /** One flower of class {@code label}, its variations drawn from {@code random}. */
    static SyntheticFlower flower(int label, SplittableRandom random) {
        Kind kind = KINDS.get(label);
        double length = 0.30 + 0.10 * random.nextDouble();
        float hue = (float) (kind.hue() + 0.06 * (random.nextDouble() - 0.5));
        float[] petal = rgb(hue, kind.saturation() * between(random, 0.85, 1.1), kind.brightness()
                * between(random, 0.85, 1.05));
        float[] disc = rgb(kind.discHue(), kind.discSaturation(), kind.discBrightness() * between(random, 0.85, 1.1));
        float leafHue = between(random, 0.22, 0.40);
        float[] top = rgb(leafHue, between(random, 0.35, 0.7), between(random, 0.25, 0.5));
        float[] bottom = rgb(leafHue + between(random, -0.04, 0.04), between(random, 0.4, 0.8), between(random, 0.08, 0.3));
        return new SyntheticFlower(label, 0.5 + between(random, -0.08, 0.08), 0.5 + between(random, -0.08, 0.08),
                kind.petals(), 2 * Math.PI * random.nextDouble() / kind.petals(), length,
                kind.petalWidth() * between(random, 0.85, 1.15), length * between(random, 0.2, 0.28), petal, disc, top,
                bottom, between(random, -0.5, 0.5));
    }

    private static float between(SplittableRandom random, double lo, double hi) {
        return (float) (lo + (hi - lo) * random.nextDouble());
    }

    private static float[] rgb(float hue, float saturation, float brightness) {
        int packed = Color.HSBtoRGB(hue - (float) Math.floor(hue), Math.min(1f, saturation), Math.min(1f, brightness));
        return new float[] {(packed >> 16 & 0xFF) / 255f, (packed >> 8 & 0xFF) / 255f, (packed & 0xFF) / 255f};
    }
}
