package dev.flowmatching.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;

class GroupNormTest {
    @Test
    void matchesPerGroupMeanAndVarianceComputedByLoops() {
        int b = 2, c = 6, h = 3, w = 4, groups = 3;
        float eps = 1e-5f;
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            Rng rng = new Rng(11);
            GroupNorm norm = new GroupNorm(groups, c, eps);
            norm.initialize(m, DataType.FLOAT32, new Shape(1, c, h, w));
            // Non-trivial affine part, so the test sees gamma and beta applied per channel.
            float[] gamma = rng.normal(m, new Shape(c)).toFloatArray();
            float[] beta = rng.normal(m, new Shape(c)).toFloatArray();
            norm.getParameters().get("gamma").getArray().set(gamma);
            norm.getParameters().get("beta").getArray().set(beta);
            // A per-channel offset makes the groups' means differ, so a wrong grouping would show.
            NDArray x = rng.normal(m, new Shape(b, c, h, w)).mul(3).add(m.arange(c).reshape(1, c, 1, 1).toType(DataType.FLOAT32, false));
            float[] in = x.toFloatArray();
            float[] out = norm.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow().toFloatArray();

            int cg = c / groups, hw = h * w;
            for (int s = 0; s < b; s++) {
                for (int g = 0; g < groups; g++) {
                    double sum = 0, sq = 0;
                    int n = cg * hw;
                    for (int ch = g * cg; ch < (g + 1) * cg; ch++) {
                        for (int p = 0; p < hw; p++) {
                            sum += in[(s * c + ch) * hw + p];
                        }
                    }
                    double mean = sum / n;
                    for (int ch = g * cg; ch < (g + 1) * cg; ch++) {
                        for (int p = 0; p < hw; p++) {
                            double d = in[(s * c + ch) * hw + p] - mean;
                            sq += d * d;
                        }
                    }
                    double var = sq / n; // biased, as in the paper
                    for (int ch = g * cg; ch < (g + 1) * cg; ch++) {
                        for (int p = 0; p < hw; p++) {
                            int i = (s * c + ch) * hw + p;
                            double expected = gamma[ch] * (in[i] - mean) / Math.sqrt(var + eps) + beta[ch];
                            assertEquals(expected, out[i], 1e-4, "sample " + s + " channel " + ch + " position " + p);
                        }
                    }
                }
            }
        }
    }

    @Test
    void startsAsPureNormalisation() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            GroupNorm norm = new GroupNorm(1, 4);
            norm.initialize(m, DataType.FLOAT32, new Shape(1, 4, 5, 5));
            NDArray x = new Rng(3).normal(m, new Shape(3, 4, 5, 5)).mul(5).add(2);
            NDArray y = norm.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
            for (int s = 0; s < 3; s++) {
                assertEquals(0, y.get(s).mean().getFloat(), 1e-5);
                assertEquals(1, y.get(s).square().mean().getFloat(), 1e-3);
            }
        }
    }

    @Test
    void namesTheProblemWithBadShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> new GroupNorm(4, 6));
        assertTrue(e.getMessage().contains("channels (6) must be divisible by groups (4)"), e.getMessage());
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            GroupNorm norm = new GroupNorm(2, 4);
            var init = assertThrows(IllegalArgumentException.class,
                    () -> norm.initialize(m, DataType.FLOAT32, new Shape(1, 3, 4, 4)));
            assertTrue(init.getMessage().contains("expects (B, 4, H, W), got (1, 3, 4, 4)"), init.getMessage());
            GroupNorm ok = new GroupNorm(2, 4);
            ok.initialize(m, DataType.FLOAT32, new Shape(1, 4, 4, 4));
            var fwd = assertThrows(IllegalArgumentException.class, () -> ok.forward(new ParameterStore(m, false),
                    new NDList(m.zeros(new Shape(2, 8, 4, 4))), false));
            assertTrue(fwd.getMessage().contains("got (2, 8, 4, 4)"), fwd.getMessage());
        }
    }
}
