package dev.flowmatching.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
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
            float[][] affine = randomAffine(norm, m, rng, new Shape(1, c, h, w));
            float[] gamma = affine[0];
            float[] beta = affine[1];
            // A per-channel offset makes the groups' means differ, so a wrong grouping would show.
            NDArray x = rng.normal(m, new Shape(b, c, h, w)).mul(3).add(m.arange(c).reshape(1, c, 1, 1).toType(DataType.FLOAT32, false));
            float[] in = x.toFloatArray();
            float[] out = norm.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow().toFloatArray();

            double[] expected = byLoops(in, gamma, beta, b, c, h * w, groups, eps);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], out[i], 1e-4, "element " + i);
            }
        }
    }

    @Test
    void forwardSiluIsSiluOfTheNormalisationComputedByLoops() {
        int b = 2, c = 8, h = 3, w = 3, groups = 2;
        float eps = 1e-3f; // not the default: the fused kernel's source carries its own epsilon
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            Rng rng = new Rng(5);
            GroupNorm norm = new GroupNorm(groups, c, eps);
            float[][] affine = randomAffine(norm, m, rng, new Shape(1, c, h, w));
            float[] gamma = affine[0];
            float[] beta = affine[1];
            NDArray x = rng.normal(m, new Shape(b, c, h, w)).mul(0.1f); // small variance: eps matters
            float[] out = norm.forwardSilu(new ParameterStore(m, false), x, false).toFloatArray();
            double[] y = byLoops(x.toFloatArray(), gamma, beta, b, c, h * w, groups, eps);
            for (int i = 0; i < y.length; i++) {
                assertEquals(y[i] / (1 + Math.exp(-y[i])), out[i], 1e-4, "element " + i);
            }
        }
    }

    @Test
    void gradientsThroughTheFusedKernelEqualThoseOfTheSameFunctionBuiltFromSeparateOps() {
        int b = 3, c = 4, h = 5, w = 5, groups = 2;
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            Rng rng = new Rng(8);
            GroupNorm norm = new GroupNorm(groups, c);
            norm.initialize(m, DataType.FLOAT32, new Shape(1, c, h, w));
            NDArray gamma = norm.getParameters().get("gamma").getArray();
            NDArray beta = norm.getParameters().get("beta").getArray();
            gamma.set(rng.normal(m, new Shape(c)).toFloatArray());
            beta.set(rng.normal(m, new Shape(c)).toFloatArray());
            NDArray x = rng.normal(m, new Shape(b, c, h, w));
            NDArray weights = rng.normal(m, new Shape(b, c, h, w)); // loss = sum(weights * y): every output counts
            float[][] fused = gradients(x, gamma, beta, xi -> norm.forwardSilu(new ParameterStore(m, false), xi, true)
                    .mul(weights).sum());
            float[][] separate = gradients(x, gamma, beta, xi -> {
                long per = (long) c / groups * h * w;
                NDArray rows = xi.reshape(b, groups, per);
                NDArray n = rows.getNDArrayInternal().layerNorm(rows, new Shape(per), m.ones(new Shape(per)),
                        m.zeros(new Shape(per)), 1e-5f).singletonOrThrow().reshape(b, c, h, w);
                NDArray y = n.mul(gamma.reshape(1, c, 1, 1)).add(beta.reshape(1, c, 1, 1));
                return y.mul(ai.djl.nn.Activation.sigmoid(y)).mul(weights).sum();
            });
            for (int k = 0; k < 3; k++) {
                for (int i = 0; i < fused[k].length; i++) {
                    assertEquals(separate[k][i], fused[k][i], 1e-4 * Math.max(1, Math.abs(separate[k][i])),
                            new String[] {"x", "gamma", "beta"}[k] + " gradient, element " + i);
                }
            }
        }
    }

    /** Initialises the block for {@code input} and draws a non-trivial affine part, so tests see it applied per channel. */
    private static float[][] randomAffine(GroupNorm norm, NDManager m, Rng rng, Shape input) {
        norm.initialize(m, DataType.FLOAT32, input);
        float[] gamma = rng.normal(m, new Shape(norm.channels())).toFloatArray();
        float[] beta = rng.normal(m, new Shape(norm.channels())).toFloatArray();
        norm.getParameters().get("gamma").getArray().set(gamma);
        norm.getParameters().get("beta").getArray().set(beta);
        return new float[][] {gamma, beta};
    }

    /** Gradients of loss(x) with respect to x, gamma and beta. */
    private static float[][] gradients(NDArray x, NDArray gamma, NDArray beta,
            java.util.function.Function<NDArray, NDArray> loss) {
        NDArray xi = x.duplicate();
        xi.setRequiresGradient(true);
        for (NDArray p : List.of(gamma, beta)) {
            p.setRequiresGradient(true);
            p.getGradient().muli(0); // libtorch accumulates across backward passes
        }
        try (GradientCollector gc = Torch.engine().newGradientCollector()) {
            gc.backward(loss.apply(xi));
        }
        return new float[][] {xi.getGradient().toFloatArray(), gamma.getGradient().toFloatArray(),
                beta.getGradient().toFloatArray()};
    }

    /** GroupNorm of Wu and He 2018, computed element by element: per (sample, group) mean and biased variance. */
    private static double[] byLoops(float[] in, float[] gamma, float[] beta, int b, int c, int hw, int groups, float eps) {
        double[] out = new double[in.length];
        int cg = c / groups;
        int n = cg * hw;
        for (int s = 0; s < b; s++) {
            for (int g = 0; g < groups; g++) {
                int from = (s * c + g * cg) * hw;
                double sum = 0;
                for (int i = from; i < from + n; i++) {
                    sum += in[i];
                }
                double mean = sum / n;
                double sq = 0;
                for (int i = from; i < from + n; i++) {
                    sq += (in[i] - mean) * (in[i] - mean);
                }
                double var = sq / n; // biased, as in the paper
                for (int i = from; i < from + n; i++) {
                    int ch = i / hw % c;
                    out[i] = gamma[ch] * (in[i] - mean) / Math.sqrt(var + eps) + beta[ch];
                }
            }
        }
        return out;
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
