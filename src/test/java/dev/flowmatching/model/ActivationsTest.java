package dev.flowmatching.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import dev.flowmatching.runtime.Torch;

class ActivationsTest {
    private static final float[] X = {-6f, -2.5f, -0.3f, 0f, 0.7f, 3f, 9f};

    @Test
    void siluWithoutAutogradIsXTimesSigmoidOfXAndClosesItsInput() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            assertFalse(Torch.recordingGradients());
            NDArray x = m.create(X);
            float[] y = Activations.SILU.applyAndClose(x).toFloatArray();
            assertTrue(x.isReleased(), "the input is closed");
            for (int i = 0; i < X.length; i++) {
                assertEquals(X[i] / (1 + Math.exp(-X[i])), y[i], 1e-6, "x = " + X[i]);
            }
        }
    }

    @Test
    void siluUnderAutogradHasTheClosedFormDerivative() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x = m.create(X);
            x.setRequiresGradient(true);
            try (GradientCollector gc = Torch.engine().newGradientCollector()) {
                assertTrue(Torch.recordingGradients());
                // A temporary, as in a model: closing it must not cut the graph.
                gc.backward(Activations.SILU.applyAndClose(x.mul(1f)).sum());
            }
            float[] g = x.getGradient().toFloatArray();
            for (int i = 0; i < X.length; i++) {
                double s = 1 / (1 + Math.exp(-X[i]));
                assertEquals(s * (1 + X[i] * (1 - s)), g[i], 1e-6, "x = " + X[i]);
            }
        }
    }

    @Test
    void theOtherActivationsCloseTheirInputToo() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x = m.create(X);
            float[] y = Activations.RELU.applyAndClose(x).toFloatArray();
            assertTrue(x.isReleased());
            for (int i = 0; i < X.length; i++) {
                assertEquals(Math.max(0, X[i]), y[i], 0);
            }
        }
    }
}
