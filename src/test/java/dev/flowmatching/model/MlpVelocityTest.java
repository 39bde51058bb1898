package dev.flowmatching.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;

import dev.flowmatching.runtime.NoGradient;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;

class MlpVelocityTest {

    /** v at one shared time, computed while recording (the op-by-op pass autograd needs) or not (one scripted call). */
    private static float[] velocity(Block block, NDManager m, NDArray x, NDArray t, boolean recording) {
        ParameterStore ps = new ParameterStore(m, false);
        if (recording) {
            try (GradientCollector gc = Torch.engine().newGradientCollector()) {
                return block.forward(ps, new NDList(x, t), false).singletonOrThrow().toFloatArray();
            }
        }
        try (NoGradient off = NoGradient.begin()) {
            return block.forward(ps, new NDList(x, t), false).singletonOrThrow().toFloatArray();
        }
    }

    @Test
    void aSamplingPassInOneScriptedCallIsTheOpByOpPassUpToRounding() throws ReflectiveOperationException {
        for (int depth : new int[] {1, 2, 4}) {
            Rng rng = new Rng(depth);
            try (VelocityModel model = VelocityModel.mlp(2, 64, depth, rng);
                    NDManager m = NDManager.newBaseManager(Torch.device())) {
                NDArray x = rng.normal(m, new Shape(300, 2)).mul(3);
                NDArray t = m.create(new float[] {0.3f});
                float[] ops = velocity(model.block(), m, x, t, true);
                float[] scripted = velocity(model.block(), m, x, t, false);
                double largest = 0;
                double diff = 0;
                for (int i = 0; i < ops.length; i++) {
                    largest = Math.max(largest, Math.abs(ops[i]));
                    diff = Math.max(diff, Math.abs(ops[i] - scripted[i]));
                }
                assertEquals(600, scripted.length);
                assertTrue(largest > 0.1, "a random network's v should not vanish: " + largest);
                assertTrue(diff <= 1e-5 * largest, "depth " + depth + ": scripted and op-by-op differ by " + diff
                        + " for |v| up to " + largest);
                assertTrue(loadedModules().keySet().stream().anyMatch(k -> k.toString().contains("torch.narrow(")),
                        "the scripted sampling pass should have run");
            }
        }
    }

    /** The fused-kernel modules loaded so far, by key. */
    static Map<?, ?> loadedModules() throws ReflectiveOperationException {
        Field f = FusedKernels.class.getDeclaredField("MODULES");
        f.setAccessible(true);
        return (Map<?, ?>) f.get(null);
    }
}
