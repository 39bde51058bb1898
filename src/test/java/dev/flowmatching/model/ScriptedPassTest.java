package dev.flowmatching.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

import dev.flowmatching.runtime.NoGradient;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;

/** The UNet's inference pass as one TorchScript call ({@link ScriptedPass}) against its op-by-op pass. */
class ScriptedPassTest {

    /** v by the scripted pass (as solvers get it) or by the op-by-op pass from Java, nothing recorded. */
    private static float[] velocity(UNet unet, NDManager m, boolean scripted, NDArray... inputs) {
        ParameterStore ps = new ParameterStore(m, false);
        try (NoGradient off = NoGradient.begin()) {
            NDArray y = inputs.length > 2 ? inputs[2] : null;
            NDArray v = scripted ? unet.forward(ps, new NDList(inputs), false).singletonOrThrow()
                    : unet.opByOp(ps, inputs[0], inputs[1], y, false);
            return v.toFloatArray();
        }
    }

    /** A training pass, scripted or op by op, from a fixed engine seed (dropout), and d(sum v * r)/d(each weight). */
    private static float[][] trainingPass(UNet unet, NDManager m, boolean scripted, NDArray x, NDArray t, NDArray r) {
        ParameterStore ps = new ParameterStore(m, false);
        List<Parameter> params = unet.getParameters().values();
        float[][] out = new float[params.size() + 1][];
        Torch.engine().setRandomSeed(42);
        try (GradientCollector gc = Torch.engine().newGradientCollector()) {
            NDArray v = scripted ? unet.forward(ps, new NDList(x, t), true).singletonOrThrow()
                    : unet.opByOp(ps, x, t, null, true);
            out[0] = v.toFloatArray();
            gc.backward(v.mul(r).sum());
        }
        for (int i = 0; i < params.size(); i++) {
            NDArray g = params.get(i).getArray().getGradient();
            out[i + 1] = g.toFloatArray();
            g.subi(g); // libtorch adds the next backward pass to it
        }
        return out;
    }

    /** Every weight redrawn (gains around 1): a fresh UNet's zero convolutions would hide most of the pass. */
    private static void randomise(UNet unet, NDManager m, Rng rng) {
        for (Pair<String, Parameter> p : unet.getParameters()) {
            NDArray w = p.getValue().getArray();
            boolean gain = p.getValue().getType() == Parameter.Type.GAMMA;
            w.set(rng.normal(m, w.getShape()).mul(0.3f).add(gain ? 1f : 0f).toFloatArray());
        }
    }

    private static void assertClose(float[] ops, float[] scripted, String what) {
        assertEquals(ops.length, scripted.length, what);
        double largest = 0;
        double diff = 0;
        for (int i = 0; i < ops.length; i++) {
            largest = Math.max(largest, Math.abs(ops[i]));
            diff = Math.max(diff, Math.abs(ops[i] - scripted[i]));
        }
        assertTrue(largest > 0.1, what + ": a random network's v should not vanish: " + largest);
        assertTrue(diff <= 1e-5 * largest, what + ": scripted and op-by-op differ by " + diff + " for |v| up to " + largest);
    }

    @Test
    void theScriptedPassIsTheOpByOpPassForEveryKindOfBlock() {
        // tiny (no attention but the middle's), two levels with attention and QK-norm, and a conditional one.
        List<UNetConfig> configs = List.of(UNetConfig.mnist("tiny", 0),
                new UNetConfig(3, 8, List.of(1, 2, 2), 2, Set.of(1, 2), 2, 0.1f, 32, 0, 4).withQkNorm(true),
                UNetTest.tiny(1, 3));
        int k = 0;
        for (UNetConfig config : configs) {
            Rng rng = new Rng(11 + k++);
            long side = config.inChannels() == 3 ? 16 : config.channelMultipliers().size() == 3 ? 28 : 8;
            try (NDManager m = NDManager.newBaseManager(Torch.device())) {
                UNet unet = UNetTest.initialised(config, m, side, side, rng);
                if (config.conditional()) {
                    unet.initialize(m, DataType.FLOAT32, new Shape(1, 1, side, side), new Shape(1), new Shape(1));
                }
                randomise(unet, m, rng);
                NDArray x = rng.normal(m, new Shape(3, config.inChannels(), side, side));
                NDArray t = m.create(new float[] {0f, 0.4f, 1f});
                String what = config.toString();
                assertClose(velocity(unet, m, false, x, t), velocity(unet, m, true, x, t), what);
                if (config.conditional()) {
                    NDArray y = m.create(new int[] {2, 0, 3});
                    assertClose(velocity(unet, m, false, x, t, y), velocity(unet, m, true, x, t, y), what + " labels");
                    assertArrayEquals(velocity(unet, m, true, x, t, m.create(new int[] {3, 3, 3})),
                            velocity(unet, m, true, x, t), 0f, "no labels = the null class");
                }
                // The module holds no weights: changed weights are seen on the next call.
                randomise(unet, m, rng);
                assertClose(velocity(unet, m, false, x, t), velocity(unet, m, true, x, t), what + " new weights");
            }
        }
    }

    @Test
    void aScriptedTrainingPassGivesTheOpByOpPassesOutputAndGradients() {
        // Dropout on: both passes draw the same masks from the same engine seed.
        UNetConfig config = UNetTest.tiny(1, 0).withDropout(0.3f).withQkNorm(true);
        Rng rng = new Rng(5);
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            UNet unet = UNetTest.initialised(config, m, 8, 8, rng);
            randomise(unet, m, rng);
            NDArray x = rng.normal(m, new Shape(3, 1, 8, 8));
            NDArray t = m.create(new float[] {0.1f, 0.5f, 0.9f});
            NDArray r = rng.normal(m, new Shape(3, 1, 8, 8));
            float[][] ops = trainingPass(unet, m, false, x, t, r);
            float[][] scripted = trainingPass(unet, m, true, x, t, r);
            assertClose(ops[0], scripted[0], "v in training");
            assertTrue(maxDiff(ops[0], velocity(unet, m, true, x, t)) > 1e-3, "dropout should act in training");
            for (int i = 1; i < ops.length; i++) {
                assertClose(ops[i], scripted[i], "gradient of weight " + i);
            }
        }
    }

    private static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @Test
    void aModelRunsTheScriptedPassAndTrainsThroughIt() throws ReflectiveOperationException {
        Rng rng = new Rng(3);
        try (VelocityModel model = new VelocityModel(new UNet(UNetConfig.mnist("tiny", 0)), new long[] {1, 28, 28}, rng);
                NDManager m = NDManager.newBaseManager(Torch.device())) {
            randomise((UNet) model.block(), m, rng);
            NDArray x = rng.normal(m, new Shape(2, 1, 28, 28));
            NDArray t = m.create(new float[] {0.2f, 0.7f});
            NDArray v = model.forward(x, t, false);
            assertTrue(MlpVelocityTest.loadedModules().keySet().stream().anyMatch(k -> k.toString().contains(
                    "torch.upsample_nearest2d")), "inference should have run the scripted pass");
            assertTrue(!v.hasGradient() && v.getShape().equals(x.getShape()));
            // DJL reads structure from array names ("a.b" makes a dict): a named input must not change the call.
            x.setName("batch.images");
            assertArrayEquals(v.toFloatArray(), model.forward(x, t, false).toFloatArray(), 0f);
            try (GradientCollector gc = Torch.engine().newGradientCollector()) {
                gc.backward(model.forward(x, t, true).square().mean());
            }
            for (Pair<String, Parameter> p : model.block().getParameters()) {
                assertTrue(p.getValue().getArray().getGradient().abs().sum().getFloat() > 0,
                        p.getKey() + " got no gradient");
            }
        }
    }
}
