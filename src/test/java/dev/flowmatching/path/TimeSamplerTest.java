package dev.flowmatching.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDManager;

import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;

class TimeSamplerTest {
    private static final int N = 200_000;

    @Test
    void logitNormalHasTheRequestedLogitMeanAndStd() {
        double m = 0.5;
        double s = 1.5;
        try (NDManager mgr = NDManager.newBaseManager(Torch.device())) {
            float[] t = TimeSampler.logitNormal(m, s).sample(mgr, N, new Rng(11)).toFloatArray();
            double sum = 0;
            double sumSq = 0;
            for (float v : t) {
                assertTrue(v > 0 && v < 1, "t out of (0, 1): " + v);
                double logit = Math.log(v / (1 - v));
                sum += logit;
                sumSq += logit * logit;
            }
            double mean = sum / N;
            double std = Math.sqrt(sumSq / N - mean * mean);
            // standard errors: s / sqrt(N) ~ 0.0034 for the mean, s / sqrt(2N) ~ 0.0024 for the std; allow 4 SE
            assertEquals(m, mean, 4 * s / Math.sqrt(N));
            assertEquals(s, std, 4 * s / Math.sqrt(2.0 * N) + 1e-3);
        }
    }

    @Test
    void uniformHasMeanHalfAndVarianceOneTwelfth() {
        try (NDManager mgr = NDManager.newBaseManager(Torch.device())) {
            float[] t = TimeSampler.uniform().sample(mgr, N, new Rng(12)).toFloatArray();
            double sum = 0;
            double sumSq = 0;
            for (float v : t) {
                assertTrue(v >= 0 && v < 1);
                sum += v;
                sumSq += v * v;
            }
            double mean = sum / N;
            assertEquals(0.5, mean, 4 * Math.sqrt(1 / 12.0 / N));
            assertEquals(1 / 12.0, sumSq / N - mean * mean, 2e-3);
        }
    }

    @Test
    void badLogitNormalParametersAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TimeSampler.logitNormal(0, 0));
        assertTrue(e.getMessage().contains("s > 0"), e.getMessage());
    }
}
