package dev.flowmatching.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;

class GuidedVelocityTest {

    @Test
    void scaleZeroIsUnconditionalOneConditionalAndTwoExtrapolates() {
        try (VelocityModel model = VelocityModel.mlp(2, 16, 2, 4, new Rng(1));
                NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x = new Rng(2).normal(m, new Shape(5, 2));
            NDArray t = m.create(new float[] {0f, 0.25f, 0.5f, 0.75f, 1f});
            NDArray labels = m.create(new int[] {0, 1, 2, 3, 1});
            float[] uncond = model.at(x, t).toFloatArray();
            float[] cond = model.conditional(labels).at(x, t).toFloatArray();
            assertArrayEquals(uncond, new GuidedVelocity(model, labels, 0f).at(x, t).toFloatArray(), 0f);
            assertArrayEquals(cond, new GuidedVelocity(model, labels, 1f).at(x, t).toFloatArray(), 0f);
            for (float w : new float[] {2f, 0.5f, -1f}) {
                float[] guided = new GuidedVelocity(model, labels, w).at(x, t).toFloatArray();
                for (int i = 0; i < cond.length; i++) {
                    double expected = uncond[i] + (double) w * (cond[i] - uncond[i]);
                    // One forward pass over the doubled batch vs two separate ones: equal up to rounding.
                    assertEquals(expected, guided[i], 1e-5, "w=" + w + ", element " + i);
                }
            }
            float gap = Math.abs(cond[0] - uncond[0]);
            assertTrue(gap > 1e-3, "the test needs the label to matter, gap " + gap);
        }
    }

    @Test
    void badSettingsAreNamed() {
        try (VelocityModel cond = VelocityModel.mlp(2, 8, 1, 3, new Rng(3));
                VelocityModel plain = VelocityModel.mlp(2, 8, 1, new Rng(3));
                NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray labels = m.create(new int[] {0, 2});
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new GuidedVelocity(cond, labels, Float.NaN))
                    .getMessage().contains("guidance scale"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new GuidedVelocity(plain, labels, 2f))
                    .getMessage().contains("unconditional"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new GuidedVelocity(cond, m.create(new int[] {-1, 0}), 2f))
                    .getMessage().contains("[0, 3]"));
            GuidedVelocity g = new GuidedVelocity(cond, labels, 2f);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> g.at(m.zeros(new Shape(3, 2)), m.zeros(new Shape(3))))
                    .getMessage().contains("labels must have shape (3)"));
        }
    }
}
