package dev.flowmatching.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

import dev.flowmatching.runtime.Rng;

class EmaTest {

    /** Sets every weight of the model to {@code value + k} (k = parameter index): a stand-in optimizer step. */
    static void setWeights(VelocityModel model, float value) {
        int k = 0;
        for (Pair<String, Parameter> p : model.block().getParameters()) {
            p.getValue().getArray().set(new NDIndex("..."), value + k++);
        }
    }

    static void assertShadow(Ema ema, double[] expected, double tol) {
        int k = 0;
        for (NDArray s : ema.shadow().values()) {
            for (float v : s.toFloatArray()) {
                assertEquals(expected[k], v, tol, "parameter " + k);
            }
            k++;
        }
    }

    /** Updates with weights 1, 2, 3, 4 (+ k) from a start of 0 (+ k), checked against the formula in double. */
    static void followsTheFormula(boolean warmup, double[] decays) {
        try (VelocityModel model = VelocityModel.mlp(2, 4, 1, new Rng(1))) {
            setWeights(model, 0f);
            int params = model.block().getParameters().size();
            try (Ema ema = new Ema(model, 0.2f, warmup)) {
                double[] s = new double[params];
                for (int k = 0; k < params; k++) {
                    s[k] = k;
                }
                for (int n = 0; n < decays.length; n++) {
                    assertEquals(decays[n], ema.nextDecay(), 1e-7, "decay of update " + n);
                    setWeights(model, n + 1);
                    ema.update();
                    for (int k = 0; k < params; k++) {
                        s[k] = decays[n] * s[k] + (1 - decays[n]) * (n + 1 + k);
                    }
                    assertShadow(ema, s, 1e-5);
                }
                assertEquals(decays.length, ema.updates());
            }
        }
    }

    @Test
    void theShadowIsTheMovingAverageOfTheWeights() {
        followsTheFormula(false, new double[] {0.2, 0.2, 0.2, 0.2});
    }

    @Test
    void theWarmUpDecayIsMinOfDecayAndOnePlusNOverTenPlusN() {
        // min(0.2, (1+n)/(10+n)) for n = 0, 1, 2, 3: 0.1, 2/11, then capped at 0.2.
        followsTheFormula(true, new double[] {0.1, 2.0 / 11, 0.2, 0.2});
    }

    @Test
    void applySwapsTheAverageInAndTheTrainingWeightsBack() {
        try (VelocityModel model = VelocityModel.mlp(2, 4, 1, new Rng(2)); Ema ema = new Ema(model, 0.5f, false)) {
            setWeights(model, 10f);
            ema.update();
            float[][] training = model.weights();
            float[][] averaged = ema.shadow().values().stream().map(NDArray::toFloatArray).toArray(float[][]::new);
            try (Ema.Applied a = ema.apply()) {
                float[][] now = model.weights();
                for (int k = 0; k < now.length; k++) {
                    assertArrayEquals(averaged[k], now[k], 0f);
                }
                assertTrue(assertThrows(IllegalStateException.class, ema::update).getMessage().contains("applied"));
            }
            float[][] back = model.weights();
            for (int k = 0; k < back.length; k++) {
                assertArrayEquals(training[k], back[k], 0f);
            }
            ema.update(); // allowed again
        }
    }

    @Test
    void copyToAndRestoreCarryTheAverage() {
        try (VelocityModel model = VelocityModel.mlp(2, 4, 1, new Rng(3));
                VelocityModel other = VelocityModel.mlp(2, 4, 1, new Rng(4));
                VelocityModel wider = VelocityModel.mlp(2, 8, 1, new Rng(4));
                Ema ema = new Ema(model, 0.9f)) {
            setWeights(model, 5f);
            ema.update();
            ema.copyTo(other);
            float[][] expected = ema.shadow().values().stream().map(NDArray::toFloatArray).toArray(float[][]::new);
            float[][] copied = other.weights();
            for (int k = 0; k < copied.length; k++) {
                assertArrayEquals(expected[k], copied[k], 0f);
            }
            try (Ema fresh = new Ema(other, 0.9f)) {
                setWeights(other, -1f);
                fresh.restore(ema.updates(), ema.shadow());
                assertEquals(1, fresh.updates());
                List<NDArray> restored = List.copyOf(fresh.shadow().values());
                for (int k = 0; k < restored.size(); k++) {
                    assertArrayEquals(expected[k], restored.get(k).toFloatArray(), 0f);
                }
            }
            var e = assertThrows(IllegalArgumentException.class, () -> ema.copyTo(wider));
            assertTrue(e.getMessage().contains("shape"), e.getMessage());
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new Ema(model, 1f)).getMessage().contains("decay"));
        }
    }
}
