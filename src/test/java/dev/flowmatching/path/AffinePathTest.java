package dev.flowmatching.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Torch;

class AffinePathTest {
    private final AffinePath path = new AffinePath(new LinearScheduler());

    @Test
    void linearPathMatchesTheClosedForm() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            float[] x0 = {1, 2, -3, 4, 0.5f, -1};
            float[] x1 = {5, -1, 2, 2, 7, 3};
            float[] t = {0f, 0.25f, 1f};
            PathSample s = path.sample(m.create(x0, new Shape(3, 2)), m.create(x1, new Shape(3, 2)), m.create(t));
            float[] xt = s.xt().toFloatArray();
            float[] u = s.velocity().toFloatArray();
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 2; j++) {
                    int k = 2 * i + j;
                    assertEquals((1 - t[i]) * x0[k] + t[i] * x1[k], xt[k], 1e-6, "x_t at row " + i);
                    assertEquals(x1[k] - x0[k], u[k], 1e-6, "u_t at row " + i);
                }
            }
        }
    }

    @Test
    void everySchedulerGivesItsClosedForm() {
        // sigma_min > 0 goes through the linear shortcut, cosine and VP through the general formula
        Scheduler[] schedulers = {new LinearScheduler(0.1), new CosineScheduler(), new VpScheduler()};
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            float[] x0 = {1, 2, -3, 4, 0.5f, -1};
            float[] x1 = {5, -1, 2, 2, 7, 3};
            float[] t = {0f, 0.25f, 0.9f};
            for (Scheduler sc : schedulers) {
                PathSample s = new AffinePath(sc).sample(m.create(x0, new Shape(3, 2)), m.create(x1, new Shape(3, 2)),
                        m.create(t));
                float[] xt = s.xt().toFloatArray();
                float[] u = s.velocity().toFloatArray();
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 2; j++) {
                        int k = 2 * i + j;
                        double ti = t[i];
                        assertEquals(sc.alpha(ti) * x1[k] + sc.sigma(ti) * x0[k], xt[k], 1e-5,
                                sc.name() + " x_t at row " + i);
                        assertEquals(sc.dAlpha(ti) * x1[k] + sc.dSigma(ti) * x0[k], u[k], 1e-5,
                                sc.name() + " u_t at row " + i);
                    }
                }
            }
        }
    }

    @Test
    void imagesBroadcastTimePerRow() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x0 = m.zeros(new Shape(2, 1, 2, 2));
            NDArray x1 = m.ones(new Shape(2, 1, 2, 2));
            PathSample s = path.sample(x0, x1, m.create(new float[] {0.1f, 0.9f}));
            float[] xt = s.xt().toFloatArray();
            assertEquals(0.1f, xt[0], 1e-6);
            assertEquals(0.9f, xt[7], 1e-6);
            assertEquals(x0.getShape(), s.velocity().getShape());
        }
    }

    @Test
    void scalarAndTensorCoefficientsAgree() {
        Scheduler s = new LinearScheduler();
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray t = m.create(new float[] {0f, 0.3f, 0.7f, 1f});
            float[] a = s.alpha(t).toFloatArray();
            float[] sg = s.sigma(t).toFloatArray();
            float[] da = s.dAlpha(t).toFloatArray();
            float[] ds = s.dSigma(t).toFloatArray();
            float[] ts = t.toFloatArray();
            for (int i = 0; i < ts.length; i++) {
                assertEquals(s.alpha(ts[i]), a[i], 1e-6);
                assertEquals(s.sigma(ts[i]), sg[i], 1e-6);
                assertEquals(s.dAlpha(ts[i]), da[i], 1e-6);
                assertEquals(s.dSigma(ts[i]), ds[i], 1e-6);
                // derivatives against central finite differences of the scalar form
                double h = 1e-4;
                double tt = Math.min(Math.max(ts[i], h), 1 - h);
                assertEquals((s.alpha(tt + h) - s.alpha(tt - h)) / (2 * h), s.dAlpha(tt), 1e-6);
                assertEquals((s.sigma(tt + h) - s.sigma(tt - h)) / (2 * h), s.dSigma(tt), 1e-6);
            }
            assertEquals(0, s.alpha(0.0));
            assertEquals(1, s.sigma(0.0));
            assertEquals(1, s.alpha(1.0));
            assertEquals(0, s.sigma(1.0));
        }
    }

    @Test
    void wrongShapesAreNamedWithBothShapes() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> path.sample(m.zeros(new Shape(4, 2)), m.zeros(new Shape(4, 3)), m.zeros(new Shape(4))));
            assertTrue(e.getMessage().contains("(4, 2)") && e.getMessage().contains("(4, 3)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> path.sample(m.zeros(new Shape(4, 2)), m.zeros(new Shape(4, 2)), m.zeros(new Shape(3))));
            assertTrue(e.getMessage().contains("t must have shape (4)") && e.getMessage().contains("(3)"), e.getMessage());
        }
    }
}
