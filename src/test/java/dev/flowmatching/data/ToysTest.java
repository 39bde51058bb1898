package dev.flowmatching.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;

/**
 * Sample statistics of the 2D toys against their known truth. Shares of n = 80,000 points have a standard
 * error of at most 0.0018 (for p = 1/2), so the share tolerances below (0.008-0.01) are about 5 standard errors.
 */
class ToysTest {
    private static final int N = 80_000;

    private static float[] sample(Distribution d, int n, long seed) {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x = d.sample(m, n, new Rng(seed));
            assertEquals(new Shape(n, 2), x.getShape(), d.name());
            return x.toFloatArray();
        }
    }

    @Test
    void eightGaussiansClusterAtEightAnglesWithTheirStd() {
        for (EightGaussians g : new EightGaussians[] {new EightGaussians(), new EightGaussians(2, 0.15)}) {
            float[] x = sample(g, N, 3);
            int[] count = new int[8];
            double[][] sum = new double[8][2];
            double[][] sq = new double[8][2];
            for (int i = 0; i < N; i++) {
                double px = x[2 * i];
                double py = x[2 * i + 1];
                // nearest mode by angle: k pi/4 on the circle
                int k = Math.floorMod((int) Math.round(Math.atan2(py, px) / (Math.PI / 4)), 8);
                double[] mu = g.mode(k);
                count[k]++;
                sum[k][0] += px - mu[0];
                sum[k][1] += py - mu[1];
                sq[k][0] += (px - mu[0]) * (px - mu[0]);
                sq[k][1] += (py - mu[1]) * (py - mu[1]);
            }
            for (int k = 0; k < 8; k++) {
                assertEquals(1.0 / 8, count[k] / (double) N, 0.008, "share of mode " + k + " of " + g.radius());
                for (int c = 0; c < 2; c++) {
                    double mean = sum[k][c] / count[k];
                    double std = Math.sqrt(sq[k][c] / count[k] - mean * mean);
                    // a mode's mean has standard error s / sqrt(10,000) = 0.01 s; its std 0.007 s
                    assertEquals(0, mean, 0.05 * g.std(), "offset from mode " + k + ", coordinate " + c);
                    assertEquals(g.std(), std, 0.04 * g.std(), "std of mode " + k + ", coordinate " + c);
                }
            }
        }
        assertEquals(Math.pow(0.1, 0.25), new EightGaussians().std(), 1e-15, "torchcfm's var 0.1 as covariance sqrt(var)");
        assertArrayEquals(new double[] {0, 5}, new EightGaussians().mode(2), 1e-12);
        assertArrayEquals(new double[] {-5 / Math.sqrt(2), -5 / Math.sqrt(2)}, new EightGaussians().mode(5), 1e-12);
    }

    @Test
    void checkerboardFillsTheEightDarkSquaresEvenly() {
        for (Checkerboard board : new Checkerboard[] {new Checkerboard(), new Checkerboard(2)}) {
            float[] x = sample(board, N, 4);
            double half = board.size() / 2;
            double cell = board.cell();
            double slack = 1e-5; // a float32 point may round onto the edge of its square
            int[][] count = new int[4][4];
            double[] within = new double[2];
            for (int i = 0; i < N; i++) {
                double u = (x[2 * i] + half) / cell;
                double v = (x[2 * i + 1] + half) / cell;
                assertTrue(u > -slack && u < 4 + slack && v > -slack && v < 4 + slack,
                        "sample " + i + " (" + x[2 * i] + ", " + x[2 * i + 1] + ") is off the board");
                int col = Math.min(3, (int) Math.floor(Math.max(u, 0)));
                int row = Math.min(3, (int) Math.floor(Math.max(v, 0)));
                if ((col + row) % 2 != 0) { // on a light square: only allowed within slack of a dark neighbour
                    boolean edge = Math.abs(u - Math.rint(u)) < slack || Math.abs(v - Math.rint(v)) < slack;
                    assertTrue(edge, "sample " + i + " (" + x[2 * i] + ", " + x[2 * i + 1] + ") lies on light square ("
                            + col + ", " + row + ")");
                    continue;
                }
                count[col][row]++;
                within[0] += u - col;
                within[1] += v - row;
            }
            int total = 0;
            for (int col = 0; col < 4; col++) {
                for (int row = 0; row < 4; row++) {
                    if ((col + row) % 2 == 0) {
                        assertEquals(1.0 / 8, count[col][row] / (double) N, 0.008, "share of square (" + col + ", " + row + ")");
                        total += count[col][row];
                    }
                }
            }
            // uniform inside a square: the position within it averages 1/2 (standard error 0.001)
            assertEquals(0.5, within[0] / total, 0.006);
            assertEquals(0.5, within[1] / total, 0.006);
        }
    }

    /** Distance from p (in make_moons' units) to the upper arc and to the lower arc. */
    private static double[] arcDistances(double px, double py) {
        double upper = py >= 0 ? Math.abs(Math.hypot(px, py) - 1)
                : Math.min(Math.hypot(px - 1, py), Math.hypot(px + 1, py));
        double qx = px - 1;
        double qy = py - 0.5;
        double lower = qy <= 0 ? Math.abs(Math.hypot(qx, qy) - 1)
                : Math.min(Math.hypot(qx - 1, qy), Math.hypot(qx + 1, qy));
        return new double[] {upper, lower};
    }

    @Test
    void twoMoonsLieOnTheirArcsWithinTheNoise() {
        // without noise every point is on an arc
        TwoMoons exact = new TwoMoons(2, 0);
        float[] x = sample(exact, 5000, 5);
        for (int i = 0; i < 5000; i++) {
            double[] d = arcDistances(x[2 * i] / 2 + TwoMoons.CENTRE_X, x[2 * i + 1] / 2 + TwoMoons.CENTRE_Y);
            assertEquals(0, Math.min(d[0], d[1]), 1e-5, "noise-free sample " + i);
        }
        TwoMoons moons = new TwoMoons();
        x = sample(moons, N, 6);
        double s = moons.noise() / moons.scale(); // the noise in the arcs' unit radius: 0.1
        int upper = 0;
        int withinOneSigma = 0;
        double[] mean = new double[2];
        for (int i = 0; i < N; i++) {
            mean[0] += x[2 * i] / N;
            mean[1] += x[2 * i + 1] / N;
            double[] d = arcDistances(x[2 * i] / moons.scale() + TwoMoons.CENTRE_X,
                    x[2 * i + 1] / moons.scale() + TwoMoons.CENTRE_Y);
            double nearest = Math.min(d[0], d[1]);
            // the noise across an arc is N(0, s^2): beyond 5.5 s has probability 4e-8
            assertTrue(nearest < 5.5 * s, "sample " + i + " is " + nearest / s + " noise stds from both arcs");
            if (nearest < s) {
                withinOneSigma++;
            }
            if (d[0] < d[1]) {
                upper++;
            }
        }
        assertEquals(0.5, upper / (double) N, 0.01, "share of the upper arc");
        // P(|z| < 1) = 0.683 for the noise across an arc; the arcs' curvature and the nearer-of-two shift it a little
        assertEquals(0.683, withinOneSigma / (double) N, 0.02);
        // centred: the arcs' centroid is at the origin (standard error of the mean ~0.01)
        assertEquals(0, mean[0], 0.05);
        assertEquals(0, mean[1], 0.05);
    }

    @Test
    void concentricCirclesHaveTwoRadiusPeaksAtTheRings() {
        float[] x = sample(new ConcentricCircles(1, 3, 0), 5000, 7);
        for (int i = 0; i < 5000; i++) {
            double r = Math.hypot(x[2 * i], x[2 * i + 1]);
            assertTrue(Math.abs(r - 1) < 1e-5 || Math.abs(r - 3) < 1e-5, "noise-free radius " + r);
        }
        ConcentricCircles circles = new ConcentricCircles(); // radii 2 and 4, noise 0.2
        x = sample(circles, N, 8);
        double binWidth = 0.1;
        int[] histogram = new int[60]; // radii 0 .. 6
        double[] angle = new double[2];
        for (int i = 0; i < N; i++) {
            double r = Math.hypot(x[2 * i], x[2 * i + 1]);
            histogram[Math.min(59, (int) (r / binWidth))]++;
            angle[0] += x[2 * i] / r / N;
            angle[1] += x[2 * i + 1] / r / N;
        }
        // the two highest local maxima of the radius histogram sit at the rings (to within one bin)
        int[] peaks = java.util.stream.IntStream.range(1, 59)
                .filter(b -> histogram[b] >= histogram[b - 1] && histogram[b] >= histogram[b + 1])
                .boxed().sorted((a, b) -> histogram[b] - histogram[a]).limit(2).mapToInt(Integer::intValue).sorted()
                .toArray();
        assertEquals(2, peaks.length, Arrays.toString(histogram));
        assertEquals(circles.innerRadius(), (peaks[0] + 0.5) * binWidth, 1.5 * binWidth, Arrays.toString(histogram));
        assertEquals(circles.outerRadius(), (peaks[1] + 0.5) * binWidth, 1.5 * binWidth, Arrays.toString(histogram));
        // between the rings (radius 2.8 .. 3.2, 4 noise stds from either) the histogram is nearly empty
        int gap = 0;
        for (int b = 28; b < 32; b++) {
            gap += histogram[b];
        }
        assertTrue(gap < N / 1000, "points between the rings: " + gap);
        // split at 3: equal shares, each ring's radii centred on it with the noise's spread
        double[] sum = new double[2];
        double[] sq = new double[2];
        int[] count = new int[2];
        for (int i = 0; i < N; i++) {
            double r = Math.hypot(x[2 * i], x[2 * i + 1]);
            int ring = r < 3 ? 0 : 1;
            count[ring]++;
            sum[ring] += r;
            sq[ring] += r * r;
        }
        assertEquals(0.5, count[0] / (double) N, 0.01, "share of the inner ring");
        double[] radius = {circles.innerRadius(), circles.outerRadius()};
        for (int ring = 0; ring < 2; ring++) {
            double mean = sum[ring] / count[ring];
            double std = Math.sqrt(sq[ring] / count[ring] - mean * mean);
            // E[r] = R + s^2 / (2R) + ..., at most 0.01 here
            assertEquals(radius[ring], mean, 0.02, "mean radius of ring " + ring);
            assertEquals(circles.noise(), std, 0.1 * circles.noise(), "radial spread of ring " + ring);
        }
        // angles uniform: the mean direction is 0
        assertEquals(0, angle[0], 0.02);
        assertEquals(0, angle[1], 0.02);
    }

    @Test
    void theSameSeedGivesTheSameSamples() {
        for (String name : new String[] {"8gaussians", "moons", "checkerboard", "circles", "gaussian"}) {
            Distribution d = Toys.named(name);
            assertArrayEquals(sample(d, 500, 11), sample(d, 500, 11), name);
            assertFalse(Arrays.equals(sample(d, 500, 11), sample(d, 500, 12)), name + " ignores the seed");
        }
    }

    @Test
    void factoryKnowsItsNamesAndListsThemOnAMiss() {
        assertInstanceOf(EightGaussians.class, Toys.named("8gaussians"));
        assertInstanceOf(EightGaussians.class, Toys.named("gaussians"));
        assertInstanceOf(TwoMoons.class, Toys.named("Moons"));
        assertInstanceOf(Checkerboard.class, Toys.named(" checkerboard "));
        assertInstanceOf(ConcentricCircles.class, Toys.named("circles"));
        Gaussian g = assertInstanceOf(Gaussian.class, Toys.named("gaussian"));
        assertArrayEquals(new double[] {0, 0}, g.mean());
        assertArrayEquals(new double[][] {{1, 0}, {0, 1}}, g.cov());
        for (String name : Toys.NAMES) {
            assertArrayEquals(new long[] {2}, Toys.named(name).sampleShape(), name);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Toys.named("spirals"));
        assertTrue(e.getMessage().contains("'spirals'")
                && e.getMessage().contains("gaussian, 8gaussians, gaussians, moons, checkerboard, circles"), e.getMessage());
    }

    @Test
    void badSettingsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new EightGaussians(0, 1));
        assertTrue(e.getMessage().contains("radius=0.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new EightGaussians(5, -1));
        e = assertThrows(IllegalArgumentException.class, () -> new TwoMoons(3, Double.NaN));
        assertTrue(e.getMessage().contains("noise=NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Checkerboard(-8));
        assertTrue(e.getMessage().contains("size=-8.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ConcentricCircles(4, 2, 0.1));
        assertTrue(e.getMessage().contains("inner radius=4.0") && e.getMessage().contains("outer radius=2.0"),
                e.getMessage());
    }
}
