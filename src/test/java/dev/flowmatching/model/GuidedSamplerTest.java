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
import dev.flowmatching.solver.Euler;
import dev.flowmatching.solver.Solution;

class GuidedSamplerTest {
    @Test
    void rowsRepeatEachClass() {
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2}, GuidedSampler.rows(3, 2));
    }

    @Test
    void chunkedSamplingEqualsOneSolveOnTheSameNoise() {
        try (VelocityModel model = VelocityModel.mlp(2, 16, 2, 3, new Rng(1));
                NDManager m = NDManager.newBaseManager(Torch.device())) {
            int[] labels = {0, 1, 2, 3, 0, 1, 2};
            GuidedSampler sampler = new GuidedSampler(model, new Euler(), 4).guidance(2f);
            // Independent reference: the same noise (the same Rng draws) integrated by hand with Euler.
            Rng rng = new Rng(7);
            NDArray chunkA = rng.normal(m, new Shape(4, 2));
            NDArray chunkB = rng.normal(m, new Shape(3, 2));
            float[] expected = concat(euler(model, chunkA, new int[] {0, 1, 2, 3}, 2f, 4, m),
                    euler(model, chunkB, new int[] {0, 1, 2}, 2f, 4, m));
            NDArray x = sampler.chunk(4).sample(m, labels, new Rng(7));
            assertEquals(new Shape(7, 2), x.getShape());
            assertArrayEquals(expected, x.toFloatArray(), 1e-5f);
            assertEquals(4, sampler.nfe());
        }
    }

    @Test
    void unconditionalSamplingUsesTheNullClassAndRecordsTrajectories() {
        try (VelocityModel model = VelocityModel.mlp(2, 16, 2, 3, new Rng(1));
                NDManager m = NDManager.newBaseManager(Torch.device())) {
            GuidedSampler sampler = new GuidedSampler(model, new Euler(), 3).guidance(5f);
            NDArray x = sampler.sampleUnconditional(m, 5, new Rng(3));
            Rng rng = new Rng(3);
            float[] expected = euler(model, rng.normal(m, new Shape(5, 2)), new int[] {3, 3, 3, 3, 3}, 1f, 3, m);
            assertArrayEquals(expected, x.toFloatArray(), 1e-5f);
            Solution s = sampler.trajectory(m, new int[] {1, 2}, new Rng(3));
            assertEquals(4, s.trajectory().size(), "start point and three steps");
        }
    }

    @Test
    void refusesUnconditionalModels() {
        try (VelocityModel model = VelocityModel.mlp(2, 8, 1, new Rng(1))) {
            var e = assertThrows(IllegalArgumentException.class, () -> new GuidedSampler(model, new Euler(), 3));
            assertTrue(e.getMessage().contains("0 classes"), e.getMessage());
        }
    }

    /** Euler with the guided velocity written out: v_u + w (v_c - v_u). */
    private static float[] euler(VelocityModel model, NDArray x, int[] labels, float w, int steps, NDManager m) {
        NDArray y = m.create(labels);
        for (int k = 0; k < steps; k++) {
            NDArray t = m.full(new Shape(x.getShape().get(0)), (float) k / steps);
            NDArray vu = model.forward(x, t, false);
            NDArray vc = model.forward(x, t, y, false);
            x = x.add(vu.add(vc.sub(vu).mul(w)).mul(1f / steps));
        }
        return x.toFloatArray();
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
