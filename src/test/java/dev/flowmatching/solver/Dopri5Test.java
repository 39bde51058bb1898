package dev.flowmatching.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Torch;

class Dopri5Test {
    private static final VelocityField EXP = (x, t) -> x.mul(Problems.A);
    private static final VelocityField T_X = (x, t) -> x.mul(t.reshape(-1, 1));

    /** Steps attempted: 6 evaluations each, plus the first step's extra one. */
    private static int attempted(Solution s) {
        assertEquals(0, (s.nfe() - 1) % 6, "nfe = 1 + 6 * attempts, got " + s.nfe());
        return (s.nfe() - 1) / 6;
    }

    private static NDArray one(NDManager m) {
        return m.ones(new Shape(1, 1), DataType.FLOAT64);
    }

    @Test
    void tableauMeetsTheOrderConditions() {
        double[] c = Dopri5.C;
        double[][] a = Dopri5.A;
        for (int i = 0; i < 7; i++) {
            double row = 0;
            for (double aij : a[i]) {
                row += aij;
            }
            assertEquals(c[i], row, 1e-14, "row " + i + " of A sums to c");
        }
        for (int i = 0; i < 7; i++) {
            assertEquals(Dopri5.B[i] - Dopri5.B_STAR[i], Dopri5.E[i], 1e-15, "e = b - b* at " + i);
            assertEquals(i < 6 ? a[6][i] : 0, Dopri5.B[i], 0.0, "first same as last: b is the last row of A");
        }
        // Butcher's order conditions (Hairer, Nørsett and Wanner, section II.2): order 5 for b, order 4 for b*
        for (int q = 1; q <= 5; q++) {
            int p = q - 1;
            assertEquals(1.0 / q, sum(Dopri5.B, i -> Math.pow(c[i], p)), 1e-14, "sum b c^" + (q - 1));
            if (q <= 4) {
                assertEquals(1.0 / q, sum(Dopri5.B_STAR, i -> Math.pow(c[i], p)), 1e-14, "sum b* c^" + (q - 1));
            }
        }
        assertEquals(1.0 / 6, sum(Dopri5.B, i -> ac(a, c, i, 1)), 1e-14, "sum b a c");
        assertEquals(1.0 / 6, sum(Dopri5.B_STAR, i -> ac(a, c, i, 1)), 1e-14, "sum b* a c");
        assertEquals(1.0 / 8, sum(Dopri5.B, i -> c[i] * ac(a, c, i, 1)), 1e-14, "sum b c a c");
        assertEquals(1.0 / 12, sum(Dopri5.B, i -> ac(a, c, i, 2)), 1e-14, "sum b a c^2");
        assertEquals(1.0 / 20, sum(Dopri5.B, i -> ac(a, c, i, 3)), 1e-14, "sum b a c^3");
        assertEquals(1.0 / 24, sum(Dopri5.B, i -> aac(a, c, i)), 1e-14, "sum b a a c");
        assertEquals(1.0 / 120, sum(Dopri5.B, i -> {
            double s = 0;
            for (int j = 0; j < a[i].length; j++) {
                s += a[i][j] * aac(a, c, j);
            }
            return s;
        }), 1e-14, "sum b a a a c");
        // and b* is not fifth order, or the error estimate would be zero
        assertTrue(Math.abs(sum(Dopri5.B_STAR, i -> Math.pow(c[i], 4)) - 0.2) > 1e-4);
    }

    private static double sum(double[] w, java.util.function.IntToDoubleFunction f) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            s += w[i] * f.applyAsDouble(i);
        }
        return s;
    }

    /** sum_j a_ij c_j^p */
    private static double ac(double[][] a, double[] c, int i, int p) {
        double s = 0;
        for (int j = 0; j < a[i].length; j++) {
            s += a[i][j] * Math.pow(c[j], p);
        }
        return s;
    }

    /** sum_j a_ij sum_k a_jk c_k */
    private static double aac(double[][] a, double[] c, int i) {
        double s = 0;
        for (int j = 0; j < a[i].length; j++) {
            s += a[i][j] * ac(a, c, j, 1);
        }
        return s;
    }

    @Test
    void meetsItsTolerance() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            for (double tol = 1e-3; tol >= 1e-9; tol /= 100) {
                Dopri5 d = new Dopri5(tol, tol);
                assertTrue(Problems.expError(d, 10, m) < 10 * tol, "exp at tolerance " + tol);
                // x grows to exp(4.5) = 90: the tolerance is relative to that
                assertTrue(Problems.timeDependentError(d, 3, 10, m) < 10 * tol * Math.exp(4.5),
                        "t x at tolerance " + tol);
                assertTrue(Problems.fullTurnError(d, 10, m) < 10 * tol * 3.2, "rotation at tolerance " + tol);
            }
            double loose = Problems.expError(new Dopri5(1e-5, 1e-5), 10, m);
            assertTrue(Problems.expError(new Dopri5(1e-9, 1e-9), 10, m) < loose / 100, "tighter tolerance, smaller error");
        }
    }

    @Test
    void needsFarFewerEvaluationsThanRk4ForTheSameAccuracy() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x0 = one(m);
            Solution s = new Dopri5(1e-8, 1e-8).solve(T_X, x0, 0, 3, 10, false);
            double error = Math.abs(s.x().getDouble(0, 0) - Math.exp(4.5));
            // the fewest RK4 steps that are as accurate (its error falls monotonically with the steps here)
            int hi = 1;
            while (Problems.timeDependentError(new RungeKutta4(), 3, hi, m) > error) {
                hi *= 2;
            }
            int lo = hi / 2;
            while (hi - lo > 1) {
                int mid = (lo + hi) / 2;
                if (Problems.timeDependentError(new RungeKutta4(), 3, mid, m) > error) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            int rk4Nfe = 4 * hi;
            // measured: Dopri5 319 NFE for error 7.5e-7, RK4 needs 314 steps = 1256 NFE
            assertTrue(3 * s.nfe() < rk4Nfe, "Dopri5 " + s.nfe() + " NFE vs RK4 " + rk4Nfe + " for error " + error);
        }
    }

    @Test
    void rejectsStepsOnAStiffField() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            // dx/dt = -l (x - cos t): x follows cos t after a fast transient; once the transient has died out the
            // controller grows h past explicit stability (h l ~ 3.3) and has to reject. Tiny first step (2e-4):
            // no rejection comes from the first guess.
            double l = 200;
            Solution s = new Dopri5(1e-6, 1e-6).solve((x, t) -> x.sub(t.reshape(-1, 1).cos()).muli(-l), one(m), 0, 2,
                    10_000, true);
            double xp = l * (l * Math.cos(2) + Math.sin(2)) / (l * l + 1);
            double exact = xp + (1 - l * l / (l * l + 1)) * Math.exp(-2 * l);
            assertEquals(exact, s.x().getDouble(0, 0), 1e-5);
            int accepted = s.times().length - 1;
            int rejected = attempted(s) - accepted;
            assertTrue(rejected > 0, "accepted " + accepted + " of " + attempted(s) + " attempts");
            assertTrue(accepted > 2 / (3.3 / l), "explicit stability bounds h by 3.3 / l: " + accepted + " steps");
        }
    }

    @Test
    void shrinksTheStepForASharpBump() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            // dx/dt = 1 / (1 + ((t - 1/2) / w)^2): a bump of width w; x(1) = 2 w atan(1 / (2 w))
            double w = 0.01;
            Solution s = new Dopri5(1e-6, 1e-6).solve(
                    (x, t) -> t.reshape(-1, 1).sub(0.5).divi(w).square().addi(1).pow(-1), m.zeros(new Shape(1, 1),
                            DataType.FLOAT64), 0, 1, 100, true);
            assertEquals(2 * w * Math.atan(0.5 / w), s.x().getDouble(0, 0), 1e-4);
            double[] t = s.times();
            double smallest = 1;
            double largest = 0;
            for (int k = 1; k < t.length; k++) {
                smallest = Math.min(smallest, t[k] - t[k - 1]);
                largest = Math.max(largest, t[k] - t[k - 1]);
            }
            assertTrue(largest > 10 * smallest, "steps from " + smallest + " to " + largest);
            assertTrue(attempted(s) > t.length - 1, "the first step of 0.01 meets the bump too fast: rejections");
        }
    }

    @Test
    void recordsAcceptedStatesEndingExactlyAtT1() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x0 = one(m);
            Problems.Counting field = new Problems.Counting(EXP);
            Solution s = new Dopri5(1e-7, 1e-7).solve(field, x0, 0, 0.7, 3, true);
            double[] t = s.times();
            assertEquals(t.length, s.trajectory().size());
            assertTrue(t.length > 3, "more than one accepted step: " + t.length);
            assertEquals(0.0, t[0], 0.0);
            assertEquals(0.7, t[t.length - 1], 0.0);
            assertSame(x0, s.trajectory().get(0));
            assertSame(s.x(), s.trajectory().get(t.length - 1));
            for (int k = 1; k < t.length; k++) {
                assertTrue(t[k] > t[k - 1], "times increase");
                double exact = Math.exp(Problems.A * t[k]);
                assertEquals(exact, s.trajectory().get(k).getDouble(0, 0), 1e-6, "at t = " + t[k]);
            }
            assertEquals(field.calls, s.nfe());
            assertTrue(attempted(s) >= t.length - 1);
        }
    }

    @Test
    void integratesBackwardInTime() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x1 = m.create(new double[] {Math.exp(Problems.A)}, new Shape(1, 1));
            Solution s = new Dopri5(1e-8, 1e-8).solve(EXP, x1, 1, 0, 1, true);
            assertEquals(1.0, s.x().getDouble(0, 0), 1e-7);
            double[] t = s.times();
            assertEquals(0.0, t[t.length - 1], 0.0);
            for (int k = 1; k < t.length; k++) {
                assertTrue(t[k] < t[k - 1], "times decrease");
            }
        }
    }

    @Test
    void solvesABatchInFloat32WithOneStepSize() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x0 = m.randomNormal(new Shape(4, 2, 3));
            NDArray rates = m.create(new float[] {-2, -1, 0, 0.5f, 1, 2}, new Shape(1, 2, 3));
            Solution s = new Dopri5(1e-5, 1e-5).solve((x, t) -> x.mul(rates), x0, 0, 1, 10, true);
            assertEquals(DataType.FLOAT32, s.x().getDataType());
            assertEquals(x0.getShape(), s.x().getShape());
            NDArray exact = x0.mul(rates.exp());
            float worst = s.x().sub(exact).abs().div(exact.abs().add(1)).max().getFloat();
            assertTrue(worst < 1e-4, "worst error " + worst);
            for (NDArray state : s.trajectory()) {
                assertEquals(x0.getShape(), state.getShape());
            }
        }
    }

    @Test
    void givesUpAfterMaxStepsNamingWhereItGotTo() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            Dopri5 d = new Dopri5(1e-10, 1e-10).withMaxSteps(5);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> d.solve(EXP, one(m), 0, 1, 100, false));
            String msg = e.getMessage();
            assertTrue(msg.contains("maxSteps = 5") && msg.contains(" at t = ") && msg.contains("step size h = "),
                    msg);
            // from a first step of 0.01 it got somewhere short of t1
            double reached = Double.parseDouble(msg.replaceAll(".* at t = ([^ ]+) .*", "$1"));
            assertTrue(reached > 0 && reached < 1, msg);
            assertEquals(1, ((ai.djl.ndarray.BaseNDManager) m).getManagedArrays().size(),
                    "nothing but the start point is left in the caller's manager");
        }
    }

    @Test
    void badInputIsNamed() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x0 = one(m);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new Dopri5().solve(EXP, x0, 0))
                    .getMessage().contains("steps must be >= 1"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new Dopri5(-1e-3, 1e-3))
                    .getMessage().contains("rtol = -0.001"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new Dopri5().withTolerances(0, 0))
                    .getMessage().contains("not both 0"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new Dopri5(1e-3, Double.NaN))
                    .getMessage().contains("atol = NaN"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new Dopri5().withMaxSteps(0))
                    .getMessage().contains("maxSteps must be >= 1, got 0"));
            assertTrue(assertThrows(IllegalStateException.class, () -> new Dopri5().solve((x, t) -> t, x0, 2))
                    .getMessage().contains("returned shape (1)"));
        }
    }

    @Test
    void anEmptyIntervalCostsNothing() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x0 = one(m);
            Solution s = new Dopri5().solve(EXP, x0, 0.5, 0.5, 10, true);
            assertSame(x0, s.x());
            assertEquals(0, s.nfe());
            assertEquals(1, s.times().length);
        }
    }
}
