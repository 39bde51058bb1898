package dev.flowmatching.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDArray;

import dev.flowmatching.runtime.Torch;

class SchedulersTest {

    static Stream<Scheduler> schedulers() {
        return Stream.of(new LinearScheduler(), new LinearScheduler(0.05), new CosineScheduler(), new VpScheduler(),
                new VpScheduler(0.5, 8));
    }

    /** t = 0.005, 0.015, ..., 0.995: the inside of [0, 1], where the central difference needs no one-sided step. */
    private static double[] interiorTimes() {
        double[] t = new double[100];
        for (int i = 0; i < t.length; i++) {
            t[i] = (i + 0.5) / t.length;
        }
        return t;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schedulers")
    void derivativesMatchCentralFiniteDifferences(Scheduler s) {
        double h = 1e-6;
        for (double t : interiorTimes()) {
            double fdAlpha = (s.alpha(t + h) - s.alpha(t - h)) / (2 * h);
            double fdSigma = (s.sigma(t + h) - s.sigma(t - h)) / (2 * h);
            // truncation ~h^2 |f'''| and rounding ~1e-16 / h: both well under 1e-6 relative here
            assertEquals(fdAlpha, s.dAlpha(t), 1e-6 * (1 + Math.abs(fdAlpha)), s.name() + " dalpha at t=" + t);
            assertEquals(fdSigma, s.dSigma(t), 1e-6 * (1 + Math.abs(fdSigma)), s.name() + " dsigma at t=" + t);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schedulers")
    void tensorFormEqualsScalarForm(Scheduler s) {
        float[] ts = new float[201];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = i / 200f;
        }
        ts[ts.length - 1] = 0.9999f; // VP's dsigma is infinite at exactly 1; t = 1 is checked in the boundary tests
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray t = m.create(ts);
            float[][] tensor = {s.alpha(t).toFloatArray(), s.sigma(t).toFloatArray(), s.dAlpha(t).toFloatArray(),
                s.dSigma(t).toFloatArray()};
            String[] what = {"alpha", "sigma", "dalpha", "dsigma"};
            for (int i = 0; i < ts.length; i++) {
                double ti = ts[i]; // the scalar form at the very same float time
                double[] scalar = {s.alpha(ti), s.sigma(ti), s.dAlpha(ti), s.dSigma(ti)};
                for (int k = 0; k < 4; k++) {
                    // float32 rounding of the result (and of sin/cos in float32 for the cosine scheduler)
                    assertEquals(scalar[k], tensor[k][i], 1e-6 * (1 + Math.abs(scalar[k])),
                            s.name() + " " + what[k] + " at t=" + ti);
                }
            }
            assertEquals(t.getDataType(), s.alpha(t).getDataType());
            assertEquals(t.getDataType(), s.dSigma(t).getDataType());
        }
    }

    @Test
    void linearReachesItsEndsExactly() {
        Scheduler s = new LinearScheduler(0.05);
        assertEquals(0, s.alpha(0.0));
        assertEquals(1, s.sigma(0.0));
        assertEquals(1, s.alpha(1.0));
        assertEquals(0.05, s.sigma(1.0), 1e-15, "sigma_1 = sigma_min");
        assertEquals(0.0, new LinearScheduler().sigma(1.0));
        assertEquals(-0.95, s.dSigma(0.3), 1e-15);
    }

    @Test
    void cosineReachesItsEndsAndPreservesVariance() {
        Scheduler s = new CosineScheduler();
        assertEquals(0, s.alpha(0.0));
        assertEquals(1, s.sigma(0.0));
        assertEquals(1, s.alpha(1.0), 1e-15);
        assertEquals(0, s.sigma(1.0), 1e-15); // cos(pi/2) = 6e-17 in double
        for (double t : interiorTimes()) {
            assertEquals(1, s.alpha(t) * s.alpha(t) + s.sigma(t) * s.sigma(t), 1e-14, "t=" + t);
        }
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            float[] ends = s.sigma(m.create(new float[] {0f, 1f})).toFloatArray();
            assertEquals(1, ends[0], 1e-7);
            assertEquals(0, ends[1], 1e-7); // about -4e-8 in float32
        }
    }

    @Test
    void vpReachesTheDataEndExactlyAndTheNoiseEndApproximately() {
        VpScheduler s = new VpScheduler();
        assertEquals(1.0, s.alpha(1.0));
        assertEquals(0.0, s.sigma(1.0));
        assertEquals(Double.NEGATIVE_INFINITY, s.dSigma(1.0), "sigma_t ~ sqrt(beta_min (1 - t)) near the data");
        // alpha_0 = exp(-T(1)/2), T(1) = beta_min + (beta_max - beta_min)/2 = 10.05: small, not 0
        double alpha0 = Math.exp(-10.05 / 2);
        assertEquals(alpha0, s.alpha(0.0), 1e-15);
        assertTrue(s.alpha(0.0) > 0.006 && s.alpha(0.0) < 0.007, "alpha_0 = " + s.alpha(0.0));
        assertEquals(Math.sqrt(1 - alpha0 * alpha0), s.sigma(0.0), 1e-15);
        assertEquals(1, s.sigma(0.0), 3e-5);
        for (double t : interiorTimes()) {
            assertEquals(1, s.alpha(t) * s.alpha(t) + s.sigma(t) * s.sigma(t), 1e-14, "t=" + t);
        }
        // near the data end in float32: the tensor form keeps its digits (1 - exp(-T) would cancel in float32)
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            float t = 0.99999f;
            float[] sigma = s.sigma(m.create(new float[] {t, 1f})).toFloatArray();
            assertEquals(s.sigma(t), sigma[0], 1e-6 * s.sigma(t));
            assertEquals(0f, sigma[1]);
            assertEquals(Float.NEGATIVE_INFINITY, s.dSigma(m.create(new float[] {1f})).toFloatArray()[0]);
            float[] a = s.alpha(m.create(new float[] {0.2f, 0.7f})).toFloatArray();
            float[] sg = s.sigma(m.create(new float[] {0.2f, 0.7f})).toFloatArray();
            for (int i = 0; i < 2; i++) {
                assertEquals(1, a[i] * a[i] + sg[i] * sg[i], 1e-6);
            }
        }
    }

    @Test
    void vpMatchesTheDiffusionFormula() {
        // the DDPM/score-SDE VP marginal at diffusion time s = 1 - t: mean coefficient exp(-int_0^s beta / 2)
        VpScheduler s = new VpScheduler(0.1, 20);
        double diffusionTime = 0.3;
        double integral = 0.1 * diffusionTime + 0.5 * diffusionTime * diffusionTime * (20 - 0.1);
        assertEquals(Math.exp(-integral / 2), s.alpha(1 - diffusionTime), 1e-15);
        assertEquals(Math.sqrt(1 - Math.exp(-integral)), s.sigma(1 - diffusionTime), 1e-15);
        assertTrue(s.alpha(0.2) < s.alpha(0.8), "alpha grows towards the data");
    }

    @Test
    void badSettingsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LinearScheduler(1));
        assertTrue(e.getMessage().contains("sigma_min=1.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LinearScheduler(-0.1));
        assertThrows(IllegalArgumentException.class, () -> new LinearScheduler(Double.NaN));
        e = assertThrows(IllegalArgumentException.class, () -> new VpScheduler(20, 0.1));
        assertTrue(e.getMessage().contains("beta_min=20.0") && e.getMessage().contains("beta_max=0.1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new VpScheduler(0, 20));
        assertThrows(IllegalArgumentException.class, () -> new VpScheduler(0.1, Double.POSITIVE_INFINITY));
    }

    @Test
    void factoryKnowsItsNamesAndListsThemOnAMiss() {
        assertInstanceOf(LinearScheduler.class, Schedulers.named("linear"));
        assertInstanceOf(CosineScheduler.class, Schedulers.named(" Cosine "));
        assertInstanceOf(VpScheduler.class, Schedulers.named("VP"));
        for (String name : Schedulers.NAMES) {
            assertEquals(name, Schedulers.named(name).name());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedulers.named("ve"));
        assertTrue(e.getMessage().contains("'ve'") && e.getMessage().contains("linear, cosine, vp"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Schedulers.named(null));
    }
}
