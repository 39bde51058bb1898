package dev.flowmatching.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Torch;
import dev.flowmatching.solver.Euler;
import dev.flowmatching.solver.Solution;

class StraightnessTest {
    private static final double[] RADII = {1, 2, 0.5};
    private static final double[] PHASES = {0, 1, -2};

    /** Points on circles of radius r_i, at angle phi_i + omega s, for s = (t - t0) / (t1 - t0). */
    static List<NDArray> arcs(NDManager m, double omega, double[] times) {
        List<NDArray> states = new ArrayList<>();
        double t0 = times[0];
        double span = times[times.length - 1] - t0;
        for (double t : times) {
            double s = (t - t0) / span;
            double[] xy = new double[2 * RADII.length];
            for (int i = 0; i < RADII.length; i++) {
                xy[2 * i] = RADII[i] * Math.cos(PHASES[i] + omega * s);
                xy[2 * i + 1] = RADII[i] * Math.sin(PHASES[i] + omega * s);
            }
            states.add(m.create(xy, new Shape(RADII.length, 2)));
        }
        return states;
    }

    static double[] grid(double t0, double t1, int steps) {
        double[] t = new double[steps + 1];
        for (int k = 0; k <= steps; k++) {
            t[k] = t0 + (t1 - t0) * k / steps;
        }
        return t;
    }

    static double meanSquaredRadius() {
        double s = 0;
        for (double r : RADII) {
            s += r * r;
        }
        return s / RADII.length;
    }

    @Test
    void aStraightConstantSpeedFlowHasStraightnessZero() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x0 = m.randomNormal(new Shape(50, 2));
            NDArray velocity = m.randomNormal(new Shape(50, 2)).mul(3);
            // a fresh array per call: Euler scales the returned velocity in place
            Solution s = new Euler().solve((x, t) -> x.zerosLike().add(velocity), x0, 0, 1, 20, true);
            assertEquals(0, Straightness.of(s), 1e-8);
            // images too: (B, C, H, W) states, each sample one vector
            NDArray img = m.randomNormal(new Shape(4, 1, 3, 3));
            NDArray v = m.randomNormal(new Shape(4, 1, 3, 3));
            assertEquals(0, Straightness.of(new Euler().solve((x, t) -> x.zerosLike().add(v), img, 0, 1, 7, true)), 1e-8);
        }
    }

    @Test
    void aCircularArcMatchesItsClosedForm() {
        // x(t) = r (cos(phi + w t), sin(phi + w t)): |v|^2 = r^2 w^2 and the chord has |D|^2 = 2 r^2 (1 - cos w).
        // Since the mean of v over [0, 1] is D, S = E r^2 w^2 - E|D|^2 = E r^2 (w^2 - 2 (1 - cos w)).
        // With K equal steps the finite-difference speed is the chord of each step, 2 r sin(w / 2K) K, so the
        // estimate is exactly E r^2 ((2 K sin(w / 2K))^2 - 2 (1 - cos w)).
        double r2 = meanSquaredRadius();
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            for (double omega : new double[] {Math.PI / 2, Math.PI, 3}) {
                double exact = r2 * (omega * omega - 2 * (1 - Math.cos(omega)));
                for (int steps : new int[] {1, 4, 10, 100}) {
                    double chord = 2 * steps * Math.sin(omega / (2 * steps));
                    double discrete = r2 * (chord * chord - 2 * (1 - Math.cos(omega)));
                    double got = Straightness.of(arcs(m, omega, grid(0, 1, steps)), grid(0, 1, steps));
                    assertEquals(discrete, got, 1e-5 * exact, "w=" + omega + ", K=" + steps);
                }
                double fine = Straightness.of(arcs(m, omega, grid(0, 1, 2000)), grid(0, 1, 2000));
                assertEquals(exact, fine, 1e-4 * exact, "w=" + omega + ": the integral itself");
            }
        }
    }

    @Test
    void aStraightPathRunAtChangingSpeedIsNotStraight() {
        // x(t) = x0 + t^2 D: v = 2 t D, so S = |D|^2 integral (1 - 2t)^2 dt = |D|^2 / 3; the K-step estimate
        // is the midpoint rule of that integral, |D|^2 (1/3 - 1/(3 K^2)).
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            double[] d = {3, -4};
            int steps = 8;
            double[] times = grid(0, 1, steps);
            List<NDArray> states = new ArrayList<>();
            for (double t : times) {
                states.add(m.create(new float[] {(float) (1 + t * t * d[0]), (float) (2 + t * t * d[1])}, new Shape(1, 2)));
            }
            assertEquals(25 * (1.0 / 3 - 1.0 / (3 * steps * steps)), Straightness.of(states, times), 1e-4);
        }
    }

    @Test
    void theTimeIntervalIsRescaledToZeroOne() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            double omega = 2;
            double onUnit = Straightness.of(arcs(m, omega, grid(0, 1, 16)), grid(0, 1, 16));
            assertEquals(onUnit, Straightness.of(arcs(m, omega, grid(3, 5, 16)), grid(3, 5, 16)), 1e-5 * onUnit);
            assertEquals(onUnit, Straightness.of(arcs(m, omega, grid(1, 0, 16)), grid(1, 0, 16)), 1e-5 * onUnit,
                    "backward in time");
            // uneven steps: the finite differences are weighted by their step lengths
            DoubleFunction<Double> uneven = k -> k * k / 256.0;
            double[] times = new double[17];
            for (int k = 0; k <= 16; k++) {
                times[k] = uneven.apply(k);
            }
            double r2 = meanSquaredRadius();
            double expected = 0;
            for (int k = 0; k < 16; k++) {
                double dt = times[k + 1] - times[k];
                double speed = 2 * Math.sin(omega * dt / 2) / dt;
                expected += dt * r2 * speed * speed;
            }
            expected -= r2 * 2 * (1 - Math.cos(omega));
            assertEquals(expected, Straightness.of(arcs(m, omega, times), times), 1e-5 * expected);
        }
    }

    @Test
    void float64TrajectoriesWork() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            List<NDArray> states = new ArrayList<>();
            for (NDArray x : arcs(m, 1, grid(0, 1, 4))) {
                states.add(x.toType(DataType.FLOAT64, false));
            }
            double r2 = meanSquaredRadius();
            double chord = 8 * Math.sin(1 / 8.0);
            assertEquals(r2 * (chord * chord - 2 * (1 - Math.cos(1))), Straightness.of(states, grid(0, 1, 4)), 1e-12);
        }
    }

    @Test
    void badInputIsNamed() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x0 = m.zeros(new Shape(3, 2));
            Solution unrecorded = new Euler().solve((x, t) -> x, x0, 0, 1, 2, false);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Straightness.of(unrecorded)).getMessage()
                    .contains("record = true"));
            List<NDArray> two = List.of(x0, x0);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Straightness.of(two, new double[] {0, 0.5, 1}))
                    .getMessage().contains("2 states but 3 times"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Straightness.of(List.of(x0), new double[] {0}))
                    .getMessage().contains("at least 2"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> Straightness.of(List.of(x0, x0, x0), new double[] {0, 0.7, 0.5})).getMessage()
                    .contains("strictly monotone"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Straightness.of(List.of(x0, m.zeros(new Shape(3, 3))), new double[] {0, 1}));
            assertTrue(e.getMessage().contains("(3, 3)") && e.getMessage().contains("(3, 2)"), e.getMessage());
        }
    }
}
