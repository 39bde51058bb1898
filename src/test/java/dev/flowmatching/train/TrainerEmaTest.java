package dev.flowmatching.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;

import dev.flowmatching.model.VelocityModel;
import dev.flowmatching.runtime.Rng;

/** The trainer's moving average follows the weights each step leaves, by the formula of Ema. */
class TrainerEmaTest {

    @Test
    void theAverageIsUpdatedAfterEveryStepFromThatStepsWeights() {
        Rng rng = new Rng(31);
        float decay = 0.5f;
        try (VelocityModel model = VelocityModel.mlp(2, 8, 1, rng)) {
            FlowMatchingTrainer t = FlowMatchingTrainerTest.trainer(model,
                    PairSource.independent(FlowMatchingTrainerTest.SOURCE, FlowMatchingTrainerTest.TARGET)).ema(decay);
            float[][] start = model.weights();
            List<float[][]> after = new ArrayList<>();
            TrainingListener record = info -> after.add(model.weights());
            t.train(6, rng, record);
            // Reference in double: s_0 = start, s_n = d_n s + (1 - d_n) w_n, d_n = min(0.5, (1+n)/(10+n)), n from 0.
            double[][] s = new double[start.length][];
            for (int k = 0; k < start.length; k++) {
                s[k] = new double[start[k].length];
                for (int i = 0; i < s[k].length; i++) {
                    s[k][i] = start[k][i];
                }
            }
            for (int n = 0; n < after.size(); n++) {
                double d = Math.min(decay, (1.0 + n) / (10.0 + n));
                for (int k = 0; k < s.length; k++) {
                    for (int i = 0; i < s[k].length; i++) {
                        s[k][i] = d * s[k][i] + (1 - d) * after.get(n)[k][i];
                    }
                }
            }
            assertEquals(6, t.ema().updates());
            List<NDArray> shadow = List.copyOf(t.ema().shadow().values());
            for (int k = 0; k < s.length; k++) {
                float[] got = shadow.get(k).toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    assertEquals(s[k][i], got[i], 1e-6 + 1e-5 * Math.abs(s[k][i]), "parameter " + k + "[" + i + "]");
                }
            }
            // The average lags: it is not the last weights.
            float[] last = after.get(5)[0];
            float[] avg = shadow.get(0).toFloatArray();
            double gap = 0;
            for (int i = 0; i < last.length; i++) {
                gap = Math.max(gap, Math.abs(last[i] - avg[i]));
            }
            org.junit.jupiter.api.Assertions.assertTrue(gap > 1e-4, "gap " + gap);
        }
    }

    @Test
    void trainingWhileTheAverageIsAppliedIsRefused() {
        Rng rng = new Rng(33);
        try (VelocityModel model = VelocityModel.mlp(2, 8, 1, rng)) {
            FlowMatchingTrainer t = FlowMatchingTrainerTest.trainer(model,
                    PairSource.independent(FlowMatchingTrainerTest.SOURCE, FlowMatchingTrainerTest.TARGET)).ema(0.9f);
            t.train(2, rng);
            try (var applied = t.ema().apply()) {
                var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> t.train(1, rng));
                org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("apply()"), e.getMessage());
            }
            assertEquals(2, t.stepsDone());
            t.train(1, rng);
            assertEquals(3, t.ema().updates());
        }
    }

    @Test
    void withoutEmaThereIsNone() {
        Rng rng = new Rng(32);
        try (VelocityModel model = VelocityModel.mlp(2, 8, 1, rng)) {
            assertNull(FlowMatchingTrainerTest.trainer(model,
                    PairSource.independent(FlowMatchingTrainerTest.SOURCE, FlowMatchingTrainerTest.TARGET)).ema());
        }
    }
}
