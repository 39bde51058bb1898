package dev.flowmatching.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;

class VelocityConversionsTest {
    static final double[] MU = {2, -1};
    static final double S = 0.6;

    static Stream<Scheduler> schedulers() {
        return Stream.of(new LinearScheduler(), new LinearScheduler(0.05), new CosineScheduler(), new VpScheduler());
    }

    static void assertClose(double[] expected, double[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol * (1 + Math.abs(expected[i])), what + " at " + i);
        }
    }

    static NDArray points(NDManager m, long seed) {
        return new Rng(seed).normal(m, new Shape(6, 2)).toType(DataType.FLOAT64, false).mul(2);
    }

    /** The linear path's textbook forms (Lipman et al. 2024, eq. 4.80-4.82), on arbitrary v, x. */
    @Test
    void linearConversionsAreTheTextbookForms() {
        VelocityConversions c = new VelocityConversions(new LinearScheduler());
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x = points(m, 1);
            NDArray v = points(m, 2);
            double t = 0.3;
            assertClose(x.add(v.mul(1 - t)).toDoubleArray(), c.targetFromVelocity(v, x, t).toDoubleArray(), 1e-14,
                    "x1_hat = x + (1 - t) v");
            assertClose(x.sub(v.mul(t)).toDoubleArray(), c.sourceFromVelocity(v, x, t).toDoubleArray(), 1e-14,
                    "x0_hat = x - t v");
            assertClose(x.sub(v.mul(t)).div(-(1 - t)).toDoubleArray(), c.scoreFromVelocity(v, x, t).toDoubleArray(),
                    1e-14, "score = -(x - t v) / (1 - t)");
            NDArray s = points(m, 3);
            assertClose(x.add(s.mul(1 - t)).div(t).toDoubleArray(), c.velocityFromScore(s, x, t).toDoubleArray(),
                    1e-14, "v = (x + (1 - t) score) / t");
        }
    }

    /**
     * For N(0, I) -> N(mu, S^2 I) the velocity is known in closed form; its conversions must give the posterior
     * means and the score, computed here from the Gaussian conditioning formulas directly.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("schedulers")
    void conversionsOfTheExactVelocityAreTheGaussianPosteriors(Scheduler sc) {
        GaussianMarginalFlow flow = GaussianMarginalFlow.standardSource(sc, MU, S);
        VelocityConversions c = new VelocityConversions(sc);
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x = points(m, 4);
            double[] xs = x.toDoubleArray();
            for (double t : new double[] {0, 0.1, 0.5, 0.9, 0.99}) {
                NDArray tb = m.zeros(new Shape(6), DataType.FLOAT64).add(t);
                NDArray v = flow.at(x, tb);
                double a = sc.alpha(t);
                double s = sc.sigma(t);
                double var = a * a * S * S + s * s;
                double[] x1 = new double[xs.length];
                double[] x0 = new double[xs.length];
                double[] score = new double[xs.length];
                for (int k = 0; k < xs.length; k++) {
                    double centred = xs[k] - a * MU[k % 2];
                    x1[k] = MU[k % 2] + a * S * S / var * centred; // Cov(x1, x_t) / Var(x_t)
                    x0[k] = s / var * centred;                      // Cov(x0, x_t) / Var(x_t)
                    score[k] = -centred / var;
                }
                String at = sc.name() + " t=" + t;
                assertClose(x1, c.targetFromVelocity(v, x, t).toDoubleArray(), 1e-10, "x1_hat " + at);
                assertClose(x0, c.sourceFromVelocity(v, x, t).toDoubleArray(), 1e-10, "x0_hat " + at);
                assertClose(score, c.scoreFromVelocity(v, x, t).toDoubleArray(), 1e-10, "score " + at);
                assertClose(score, c.scoreFromVelocity(v, x, tb).toDoubleArray(), 1e-10, "score per row " + at);
                assertClose(score, flow.score(x, tb).toDoubleArray(), 1e-12, "closed-form score " + at);
            }
        }
    }

    /** velocity -> prediction -> velocity, and prediction -> velocity -> prediction, one t per row. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("schedulers")
    void conversionsRoundTrip(Scheduler sc) {
        VelocityConversions c = new VelocityConversions(sc);
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x = points(m, 5);
            NDArray v = points(m, 6);
            NDArray p = points(m, 7);
            NDArray t = m.create(new double[] {0.02, 0.2, 0.4, 0.6, 0.8, 0.98});
            double[] vs = v.toDoubleArray();
            double[] ps = p.toDoubleArray();
            String n = sc.name();
            assertClose(vs, c.velocityFromTarget(c.targetFromVelocity(v, x, t), x, t).toDoubleArray(), 1e-10,
                    n + " v->x1->v");
            assertClose(vs, c.velocityFromSource(c.sourceFromVelocity(v, x, t), x, t).toDoubleArray(), 1e-10,
                    n + " v->x0->v");
            assertClose(vs, c.velocityFromScore(c.scoreFromVelocity(v, x, t), x, t).toDoubleArray(), 1e-10,
                    n + " v->s->v");
            assertClose(ps, c.targetFromVelocity(c.velocityFromTarget(p, x, t), x, t).toDoubleArray(), 1e-10,
                    n + " x1->v->x1");
            assertClose(ps, c.sourceFromVelocity(c.velocityFromSource(p, x, t), x, t).toDoubleArray(), 1e-10,
                    n + " x0->v->x0");
            assertClose(ps, c.scoreFromVelocity(c.velocityFromScore(p, x, t), x, t).toDoubleArray(), 1e-10,
                    n + " s->v->s");
            // the path identity x = alpha x1_hat + sigma x0_hat, with alpha and sigma per row (from the scalar
            // form: the tensor forms of the linear and cosine schedulers use float32 constants)
            double[] ts = t.toDoubleArray();
            double[] a = new double[6];
            double[] s = new double[6];
            for (int i = 0; i < 6; i++) {
                a[i] = sc.alpha(ts[i]);
                s[i] = sc.sigma(ts[i]);
            }
            NDArray rebuilt = m.create(a).reshape(6, 1).mul(c.targetFromVelocity(v, x, t))
                    .add(m.create(s).reshape(6, 1).mul(c.sourceFromVelocity(v, x, t)));
            assertClose(x.toDoubleArray(), rebuilt.toDoubleArray(), 1e-10, n + " x = alpha x1_hat + sigma x0_hat");
            // float32 keeps its type and agrees with the float64 result to float precision
            NDArray x32 = x.toType(DataType.FLOAT32, false);
            NDArray s32 = c.scoreFromVelocity(v.toType(DataType.FLOAT32, false), x32, t.toType(DataType.FLOAT32, false));
            assertEquals(DataType.FLOAT32, s32.getDataType());
            float[] f = s32.toFloatArray();
            double[] d = c.scoreFromVelocity(v, x, t.toType(DataType.FLOAT32, false).toType(DataType.FLOAT64, false))
                    .toDoubleArray();
            for (int i = 0; i < f.length; i++) {
                assertEquals(d[i], f[i], 1e-5 * (1 + Math.abs(d[i])), n + " float32 score at " + i);
            }
        }
    }

    @Test
    void theEndsThrowWhereTheyDivideByZeroAndWorkWhereTheyDoNot() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x = points(m, 8);
            NDArray v = points(m, 9);
            for (Scheduler sc : new Scheduler[] {new LinearScheduler(), new CosineScheduler()}) {
                VelocityConversions c = new VelocityConversions(sc);
                // D is finite and non-zero at both ends: x1_hat and x0_hat are defined there
                assertClose(v.mul(-sc.sigma(1) / (sc.alpha(1) * sc.dSigma(1) - sc.sigma(1) * sc.dAlpha(1)))
                        .add(x.mul(sc.dSigma(1) / (sc.alpha(1) * sc.dSigma(1) - sc.sigma(1) * sc.dAlpha(1))))
                        .toDoubleArray(), c.targetFromVelocity(v, x, 1.0).toDoubleArray(), 1e-12, sc.name() + " x1_hat at 1");
                c.sourceFromVelocity(v, x, 0.0);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.scoreFromVelocity(v, x, 1.0));
                assertTrue(e.getMessage().contains("score") && e.getMessage().contains("t = 1.0")
                        && e.getMessage().contains("sigma_t"), e.getMessage());
                e = assertThrows(IllegalArgumentException.class, () -> c.velocityFromSource(v, x, 0.0));
                assertTrue(e.getMessage().contains("alpha_t") && e.getMessage().contains("t = 0.0"), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> c.velocityFromScore(v, x, 0.0));
                assertThrows(IllegalArgumentException.class, () -> c.velocityFromTarget(v, x, 1.0));
                // per row: the offending row's t is named (float32 t = 1 gives sigma = -4e-8 for the cosine)
                NDArray t = m.create(new float[] {0.5f, 0.5f, 0.5f, 1f, 0.5f, 0.5f});
                e = assertThrows(IllegalArgumentException.class, () -> c.scoreFromVelocity(v, x, t));
                assertTrue(e.getMessage().contains("t = 1.0"), e.getMessage());
            }
            // VP: the velocity itself is infinite at t = 1 (dsigma = -infinity), so nothing converts there
            VelocityConversions vp = new VelocityConversions(new VpScheduler());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vp.targetFromVelocity(v, x, 1.0));
            assertTrue(e.getMessage().contains("vp") && e.getMessage().contains("-Infinity"), e.getMessage());
            vp.velocityFromSource(v, x, 0.0); // alpha_0 = 0.0066: defined
        }
    }

    @Test
    void wrongShapesAreNamed() {
        VelocityConversions c = new VelocityConversions(new LinearScheduler());
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.targetFromVelocity(m.zeros(new Shape(4, 2)), m.zeros(new Shape(4, 3)), 0.5));
            assertTrue(e.getMessage().contains("(4, 3)") && e.getMessage().contains("(4, 2)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> c.targetFromVelocity(m.zeros(new Shape(4, 2)), m.zeros(new Shape(4, 2)), m.zeros(new Shape(3))));
            assertTrue(e.getMessage().contains("t must have shape (4)"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new VelocityConversions(null));
        }
    }
}
