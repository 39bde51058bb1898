package dev.flowmatching.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Torch;

/** The stand-in flowers: reproducible, in the real loader's format, and with classes a model can tell apart. */
class SyntheticFlowersTest {

    @Test
    void theSameSeedPaintsTheSamePicturesAndAnotherSeedOthers() {
        ImageSet a = new SyntheticFlowers(7).generate(12, 24);
        ImageSet b = new SyntheticFlowers(7).generate(12, 24);
        ImageSet c = new SyntheticFlowers(8).generate(12, 24);
        for (int i = 0; i < 12; i++) {
            assertArrayEquals(a.image(i), b.image(i), "image " + i);
            assertFalse(Arrays.equals(a.image(i), c.image(i)), "image " + i + " of another seed");
        }
        assertArrayEquals(a.labels(), c.labels());
    }

    @Test
    void anImageSetOfThreeChannelsInMinusOneToOneWithBalancedClasses() {
        ImageSet set = new SyntheticFlowers(0).generate(20, 32);
        assertEquals(3, set.channels());
        assertEquals(32, set.height());
        assertEquals(32, set.width());
        assertEquals(SyntheticFlowers.KINDS.size(), set.numClasses());
        assertArrayEquals(new int[] {4, 4, 4, 4, 4}, set.classCounts());
        assertTrue(set.source().contains("seed 0"), set.source());
        try (NDManager m = Torch.engine().newBaseManager()) {
            NDArray x = set.images(m, new int[] {0, 1, 2, 3, 4});
            assertEquals(new Shape(5, 3, 32, 32), x.getShape());
            float min = x.min().getFloat();
            float max = x.max().getFloat();
            assertTrue(min >= -1 && max <= 1, min + " .. " + max);
            assertTrue(min < -0.8 && max > 0.8, "uses most of the range: " + min + " .. " + max);
        }
        assertThrows(IllegalArgumentException.class, () -> new SyntheticFlowers(0).generate(10, 4));
    }

    @Test
    void thePetalCountIsTheStrongestAngularFrequencyAroundTheCentre() {
        int resolution = 64;
        List<SyntheticFlower> flowers = new SyntheticFlowers(3).draw(15);
        for (SyntheticFlower f : flowers) {
            byte[] pixels = f.paint(resolution);
            double radius = f.discRadius() + 0.75 * (f.petalLength() - f.discRadius()); // petals apart here
            int n = 256;
            double[][] profile = new double[3][n];
            for (int k = 0; k < n; k++) {
                double angle = 2 * Math.PI * k / n;
                int x = (int) Math.floor((f.cx() + radius * Math.cos(angle)) * resolution);
                int y = (int) Math.floor((f.cy() + radius * Math.sin(angle)) * resolution);
                for (int c = 0; c < 3; c++) {
                    profile[c][k] = pixels[c * resolution * resolution + y * resolution + x] & 0xFF;
                }
            }
            assertEquals(f.petals(), strongestFrequency(profile, 2, 20), "flower of class " + f.label());
        }
    }

    @Test
    void aNearestMeanColourRuleOnTheMiddleTellsTheClassesApart() {
        ImageSet train = new SyntheticFlowers(1).generate(200, 16);
        ImageSet test = new SyntheticFlowers(2).generate(100, 16);
        double[][] means = new double[train.numClasses()][3];
        for (int i = 0; i < train.size(); i++) {
            double[] m = middleColour(train.image(i), 16);
            for (int c = 0; c < 3; c++) {
                means[train.label(i)][c] += m[c] / train.classCounts()[train.label(i)];
            }
        }
        int right = 0;
        for (int i = 0; i < test.size(); i++) {
            double[] m = middleColour(test.image(i), 16);
            int best = 0;
            for (int k = 1; k < means.length; k++) {
                if (distance(m, means[k]) < distance(m, means[best])) {
                    best = k;
                }
            }
            right += best == test.label(i) ? 1 : 0;
        }
        assertTrue(right >= 90, "mean colour finds the class of " + right + " of 100 new flowers");
    }

    @Test
    void aFlippedPictureIsTheMirroredFlowerOfTheSameClass() {
        int resolution = 40;
        try (NDManager m = Torch.engine().newBaseManager()) {
            for (SyntheticFlower f : new SyntheticFlowers(5).draw(5)) {
                NDArray picture = m.create(toFloats(f.paint(resolution)), new Shape(1, 3, resolution, resolution));
                float[] flipped = Augment.flipHorizontal(picture, new boolean[] {true}).toFloatArray();
                float[] mirrored = toFloats(f.mirrored().paint(resolution));
                float[] original = toFloats(f.paint(resolution));
                assertTrue(maxDifference(flipped, mirrored) <= 1, "class " + f.label() + ": at most one grey level");
                assertTrue(maxDifference(flipped, original) > 20, "class " + f.label() + ": not symmetric by chance");
                assertEquals(f.label(), f.mirrored().label());
            }
        }
    }

    /** The frequency in [lo, hi] with the most power, summed over channels (a plain DFT). */
    private static int strongestFrequency(double[][] profiles, int lo, int hi) {
        int best = lo;
        double bestPower = -1;
        for (int freq = lo; freq <= hi; freq++) {
            double power = 0;
            for (double[] p : profiles) {
                double re = 0;
                double im = 0;
                for (int k = 0; k < p.length; k++) {
                    re += p[k] * Math.cos(2 * Math.PI * freq * k / p.length);
                    im += p[k] * Math.sin(2 * Math.PI * freq * k / p.length);
                }
                power += re * re + im * im;
            }
            if (power > bestPower) {
                bestPower = power;
                best = freq;
            }
        }
        return best;
    }

    /** The mean colour of the middle half (in width and height) of a size x size picture. */
    private static double[] middleColour(byte[] image, int size) {
        double[] m = new double[3];
        int from = size / 4;
        int to = size - size / 4;
        double count = (to - from) * (to - from);
        for (int c = 0; c < 3; c++) {
            for (int y = from; y < to; y++) {
                for (int x = from; x < to; x++) {
                    m[c] += (image[c * size * size + y * size + x] & 0xFF) / count;
                }
            }
        }
        return m;
    }

    private static double distance(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return s;
    }

    private static float[] toFloats(byte[] bytes) {
        float[] out = new float[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[i] & 0xFF;
        }
        return out;
    }

    private static float maxDifference(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
