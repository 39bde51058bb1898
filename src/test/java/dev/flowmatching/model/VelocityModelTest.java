package dev.flowmatching.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.engine.Engine;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;

import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;

class VelocityModelTest {

    static NDArray param(VelocityModel model, String name) {
        for (Pair<String, Parameter> p : model.block().getParameters()) {
            if (p.getKey().equals(name)) {
                return p.getValue().getArray();
            }
        }
        throw new AssertionError("no parameter " + name);
    }

    @Test
    void anUnconditionalMlpHasNoLabelParameters() {
        try (VelocityModel model = VelocityModel.mlp(2, 8, 2, new Rng(1))) {
            List<String> names = model.block().getParameters().keys();
            assertEquals(List.of("01hidden0_weight", "01hidden0_bias", "02hidden1_weight", "02hidden1_bias",
                    "03out_weight", "03out_bias"), names);
            assertEquals(0, model.classes());
        }
    }

    @Test
    void theConditionalMlpIsTheMlpOnXTimeEmbeddingAndLabelRow() {
        // Reference built from the weights by hand: v = W_out silu(W_0 [x, emb(t), E[:, y]] + b_0) + b_out.
        try (VelocityModel model = VelocityModel.mlp(2, 8, 1, 3, new Rng(2));
                NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x = m.create(new float[][] {{0.5f, -1f}, {2f, 0.25f}, {-0.3f, 0.7f}});
            NDArray t = m.create(new float[] {0.1f, 0.5f, 0.9f});
            NDArray y = m.create(new int[] {2, 0, 3});
            NDArray table = param(model, "03label_01table_weight"); // (32, classes + 1): column k is label k
            NDArray rows = table.transpose().get(y.toType(DataType.INT64, false));
            NDArray h0 = NDArrays.concat(new NDList(x, new TimeEmbedding(32).embed(t), rows), 1);
            NDArray pre = h0.matMul(param(model, "01hidden0_weight").transpose()).add(param(model, "01hidden0_bias"));
            NDArray h1 = pre.mul(pre.getNDArrayInternal().sigmoid());
            NDArray expected = h1.matMul(param(model, "02out_weight").transpose()).add(param(model, "02out_bias"));
            NDArray actual = model.forward(x, t, y, false);
            assertArrayEquals(expected.toFloatArray(), actual.toFloatArray(), 1e-5f);
        }
    }

    @Test
    void atIsTheNullClassAndConditionalUsesTheLabels() {
        try (VelocityModel model = VelocityModel.mlp(2, 8, 1, 3, new Rng(3));
                NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x = new Rng(4).normal(m, new Shape(4, 2));
            NDArray t = m.create(new float[] {0.2f, 0.4f, 0.6f, 0.8f});
            assertEquals(3, model.nullClass());
            float[] uncond = model.at(x, t).toFloatArray();
            assertArrayEquals(model.forward(x, t, m.full(new Shape(4), 3, DataType.INT32), false).toFloatArray(), uncond, 0f);
            NDArray labels = m.create(new int[] {0, 1, 2, 0});
            float[] cond = model.conditional(labels).at(x, t).toFloatArray();
            assertArrayEquals(model.forward(x, t, labels, false).toFloatArray(), cond, 0f);
            assertNotEquals(uncond[0], cond[0], "the label changes the velocity");
        }
    }

    @Test
    void badLabelsAreNamed() {
        try (VelocityModel cond = VelocityModel.mlp(2, 8, 1, 3, new Rng(5));
                VelocityModel plain = VelocityModel.mlp(2, 8, 1, new Rng(5));
                NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x = m.zeros(new Shape(2, 2));
            NDArray t = m.zeros(new Shape(2));
            NDArray labels = m.create(new int[] {0, 1});
            assertTrue(assertThrows(IllegalArgumentException.class, () -> plain.forward(x, t, labels, false))
                    .getMessage().contains("unconditional"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> cond.forward(x, t, m.create(new int[] {0}), false))
                    .getMessage().contains("labels must have shape (2)"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> cond.forward(x, t, m.create(new float[] {0, 1}), false))
                    .getMessage().contains("integer"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> cond.conditional(m.create(new int[] {0, 4})))
                    .getMessage().contains("[0, 3]"));
            assertTrue(assertThrows(IllegalStateException.class, plain::nullClass).getMessage().contains("unconditional"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> cond.block().forward(
                    new ai.djl.training.ParameterStore(m, false), new NDList(x, t), false)).getMessage().contains("NDList(x, t, labels)"));
        }
    }

    @Test
    void theFingerprintTellsArchitecturesApart() {
        Rng rng = new Rng(6);
        try (VelocityModel a = VelocityModel.mlp(2, 8, 1, rng);
                VelocityModel b = VelocityModel.mlp(2, 8, 1, new Rng(7));
                VelocityModel wider = VelocityModel.mlp(2, 16, 1, rng);
                VelocityModel conditional = VelocityModel.mlp(2, 8, 1, 3, rng);
                VelocityModel relu = new VelocityModel(new MlpVelocity(2, 8, 1, 32, Activations.RELU), new long[] {2}, rng)) {
            assertEquals(a.fingerprint(), b.fingerprint(), "same architecture, other weights");
            for (VelocityModel other : List.of(wider, conditional, relu)) {
                assertNotEquals(a.fingerprint(), other.fingerprint());
            }
            assertTrue(a.fingerprint().contains("hidden0_weight (8, 34)"), a.fingerprint());
        }
    }

    @Test
    void aForwardPassLeavesOnlyItsResultAndBackwardStillSeesEveryLayer() {
        // The MLP closes each layer's temporaries as soon as the next layer exists. The caller's manager must gain
        // only v, the model's nothing, and the gradient must still reach the first layer: checked against a
        // central difference of the loss in that layer's bias.
        for (int classes : new int[] {0, 3}) {
            try (VelocityModel model = VelocityModel.mlp(2, 16, 3, classes, new Rng(7));
                    NDManager m = NDManager.newBaseManager(Torch.device())) {
                NDArray x = m.create(new float[][] {{0.5f, -1f}, {2f, 0.25f}, {-0.3f, 0.7f}});
                NDArray t = m.create(new float[] {0.1f, 0.5f, 0.9f});
                NDArray y = classes == 0 ? null : m.create(new int[] {2, 0, 3});
                int callers = m.getManagedArrays().size();
                int models = model.manager().getManagedArrays().size();
                NDArray v = model.forward(x, t, y, false);
                assertEquals(callers + 1, m.getManagedArrays().size(), "arrays left beside v, classes " + classes);
                assertEquals(models, model.manager().getManagedArrays().size(), "arrays left in the model, classes " + classes);
                NDArray bias = param(model, "01hidden0_bias");
                float analytic;
                try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray loss = model.forward(x, t, y, true).square().mean();
                    gc.backward(loss);
                    analytic = bias.getGradient().toFloatArray()[5];
                }
                float b = bias.toFloatArray()[5];
                float h = 1e-2f;
                bias.set(new NDIndex(5), b + h);
                float up = model.forward(x, t, y, false).square().mean().getFloat();
                bias.set(new NDIndex(5), b - h);
                float down = model.forward(x, t, y, false).square().mean().getFloat();
                bias.set(new NDIndex(5), b);
                float numeric = (up - down) / (2 * h);
                assertEquals(numeric, analytic, 1e-3 + 1e-2 * Math.abs(numeric), "d loss / d b_0[5], classes " + classes);
                assertTrue(Math.abs(analytic) > 1e-5, "a gradient of zero would make the check empty: " + analytic);
            }
        }
    }

    @Test
    void oneTimeSharedByTheBatchGivesTheVelocityOfThatTimeRepeatedPerRow() {
        // The shared-time path splits the first layer (W_x x + W_t emb(t) + b) and embeds t once; the reference is
        // the ordinary path on t repeated per row, which concatenates [x, emb(t)] for every point.
        for (int classes : new int[] {0, 3}) {
            try (VelocityModel model = VelocityModel.mlp(2, 16, 3, classes, new Rng(9));
                    NDManager m = NDManager.newBaseManager(Torch.device())) {
                NDArray x = new Rng(2).normal(m, new Shape(40, 2)).mul(3);
                NDArray y = classes == 0 ? null : m.randomInteger(0, classes + 1, new Shape(40), DataType.INT32);
                for (double t : new double[] {0, 0.37, 1}) {
                    float[] perRow = model.forward(x, m.full(new Shape(40), (float) t), y, false).toFloatArray();
                    int callers = m.getManagedArrays().size();
                    int models = model.manager().getManagedArrays().size();
                    NDArray shared = classes == 0 ? model.at(x, t)
                            : model.forward(x, m.create(new float[] {(float) t}), y, false);
                    assertEquals(models, model.manager().getManagedArrays().size(), "arrays left in the model");
                    assertEquals(callers + 2, m.getManagedArrays().size(), "arrays left beside v and t");
                    float[] v = shared.toFloatArray();
                    for (int i = 0; i < v.length; i++) {
                        assertEquals(perRow[i], v[i], 1e-5 * Math.max(1, Math.abs(perRow[i])), "t " + t + ", element " + i
                                + ", classes " + classes);
                    }
                }
            }
        }
    }

    @Test
    void aTimeOfAnotherLengthIsNamed() {
        try (VelocityModel model = VelocityModel.mlp(2, 8, 1, new Rng(1));
                NDManager m = NDManager.newBaseManager(Torch.device())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(m.zeros(new Shape(5, 2)), m.zeros(new Shape(2)), false));
            assertTrue(e.getMessage().contains("(5), or (1)"), e.getMessage());
        }
    }
}
