package dev.flowmatching.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

class SelfAttentionTest {
    @Test
    void startsAsTheIdentity() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            SelfAttention a = new SelfAttention(8, 2, 4);
            a.initialize(m, DataType.FLOAT32, new Shape(1, 8, 3, 3));
            NDArray x = new Rng(1).normal(m, new Shape(2, 8, 3, 3));
            assertArrayEquals(x.toFloatArray(), Loops.forward(a, m, false, x).toFloatArray(), 0f);
        }
    }

    @Test
    void matchesSoftmaxAttentionComputedByLoops() {
        matchesLoops(false);
    }

    @Test
    void withQkNormMatchesRmsNormalisedAttentionComputedByLoops() {
        matchesLoops(true);
    }

    private static void matchesLoops(boolean qkNorm) {
        int b = 2, c = 4, h = 2, w = 3, heads = 2, groups = 2, d = c / heads, t = h * w;
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            Rng rng = new Rng(5);
            SelfAttention a = new SelfAttention(c, heads, groups, qkNorm);
            a.initialize(m, DataType.FLOAT32, new Shape(1, c, h, w));
            // Random output projection and biases: the zero start would hide the attention.
            Loops.param(a, "out_weight").set(rng.normal(m, new Shape(c, c, 1, 1)).toFloatArray());
            Loops.param(a, "out_bias").set(rng.normal(m, new Shape(c)).toFloatArray());
            Loops.param(a, "qkv_bias").set(rng.normal(m, new Shape(3 * c)).toFloatArray());
            float[][] gains = new float[2][];
            if (qkNorm) { // gains away from 1, one per head and channel, so a wrong layout shows
                gains[0] = setRandom(Loops.param(a, "queryGain"), rng, m);
                gains[1] = setRandom(Loops.param(a, "keyGain"), rng, m);
            }
            NDArray input = rng.normal(m, new Shape(b, c, h, w)).mul(2);
            float[] x = input.toFloatArray();
            float[] y = Loops.forward(a, m, false, input).toFloatArray();

            float[] normed = Loops.toFloat(Loops.groupNorm(x, b, c, t, groups, 1e-5));
            double[] qkv = Loops.conv(normed, b, c, h, w, Loops.param(a, "qkv_weight").toFloatArray(),
                    Loops.param(a, "qkv_bias").toFloatArray(), 3 * c, 1, 1);
            if (qkNorm) {
                rmsNormalise(qkv, b, c, t, heads, 0, gains[0]);
                rmsNormalise(qkv, b, c, t, heads, c, gains[1]);
            }
            double[] attended = new double[b * c * t];
            for (int s = 0; s < b; s++) {
                for (int head = 0; head < heads; head++) {
                    for (int i = 0; i < t; i++) {
                        double[] score = new double[t];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j < t; j++) {
                            for (int e = 0; e < d; e++) {
                                int ch = head * d + e;
                                score[j] += qkv[(s * 3 * c + ch) * t + i] * qkv[(s * 3 * c + c + ch) * t + j];
                            }
                            score[j] /= Math.sqrt(d);
                            max = Math.max(max, score[j]);
                        }
                        double z = 0;
                        for (int j = 0; j < t; j++) {
                            score[j] = Math.exp(score[j] - max);
                            z += score[j];
                        }
                        for (int e = 0; e < d; e++) {
                            int ch = head * d + e;
                            double acc = 0;
                            for (int j = 0; j < t; j++) {
                                acc += score[j] / z * qkv[(s * 3 * c + 2 * c + ch) * t + j];
                            }
                            attended[(s * c + ch) * t + i] = acc;
                        }
                    }
                }
            }
            double[] projected = Loops.conv(Loops.toFloat(attended), b, c, h, w,
                    Loops.param(a, "out_weight").toFloatArray(), Loops.param(a, "out_bias").toFloatArray(), c, 1, 1);
            for (int i = 0; i < y.length; i++) {
                assertEquals(x[i] + projected[i], y[i], 1e-4, "element " + i + (qkNorm ? " with QK-norm" : ""));
            }
        }
    }

    private static float[] setRandom(NDArray gain, Rng rng, NDManager m) {
        float[] g = rng.uniform(m, 0.5f, 2f, gain.getShape()).toFloatArray();
        gain.set(g);
        return g;
    }

    /**
     * In place: the (B, 3C, T) channels [from, from + C) divided, per sample, head and position, by the RMS of the
     * head's d values (eps 1e-6), times gain[head * d + e].
     */
    private static void rmsNormalise(double[] qkv, int b, int c, int t, int heads, int from, float[] gain) {
        int d = c / heads;
        for (int s = 0; s < b; s++) {
            for (int head = 0; head < heads; head++) {
                for (int i = 0; i < t; i++) {
                    double ms = 0;
                    for (int e = 0; e < d; e++) {
                        double v = qkv[(s * 3 * c + from + head * d + e) * t + i];
                        ms += v * v / d;
                    }
                    for (int e = 0; e < d; e++) {
                        qkv[(s * 3 * c + from + head * d + e) * t + i] *= gain[head * d + e] / Math.sqrt(ms + 1e-6);
                    }
                }
            }
        }
    }

    @Test
    void qkNormGivesEveryHeadsQueriesAndKeysUnitRms() {
        int c = 12, heads = 3, d = c / heads;
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            Rng rng = new Rng(6);
            SelfAttention a = new SelfAttention(c, heads, 3, true);
            a.initialize(m, DataType.FLOAT32, new Shape(1, c, 4, 4));
            Loops.param(a, "qkv_bias").set(rng.normal(m, new Shape(3 * c)).mul(3).toFloatArray());
            NDList qkv = a.queriesKeysValues(new ParameterStore(m, false), rng.normal(m, new Shape(2, c, 4, 4)), false);
            for (int part = 0; part < 2; part++) { // gains start at 1: the normalised vectors themselves
                float[] rms = qkv.get(part).square().mean(new int[] {1}).sqrt().toFloatArray(); // over d, per head
                assertEquals(2 * heads * 16, rms.length);
                for (float r : rms) {
                    assertEquals(1.0, r, 1e-4, (part == 0 ? "query" : "key") + " RMS over a head's " + d + " channels");
                }
            }
            float[] v = qkv.get(2).square().mean(new int[] {1}).sqrt().toFloatArray();
            assertTrue(maxAbsDeviationFrom1(v) > 0.1, "values are not normalised");
        }
    }

    /**
     * Queries and keys that grow (W_qkv x 1000: GroupNorm before W_qkv makes the input's own scale irrelevant, so
     * it is the weights that grow in training) drive the logits to ~1e6 and the softmax to one-hot; with QK-norm
     * the logits stay within sqrt(d) and the output is unchanged.
     */
    @Test
    void qkNormBoundsTheLogitsWhenQueriesAndKeysGrow() {
        int c = 8, heads = 2, d = c / heads;
        for (boolean qkNorm : new boolean[] {false, true}) {
            try (NDManager m = NDManager.newBaseManager(Torch.device())) {
                Rng rng = new Rng(7);
                SelfAttention a = new SelfAttention(c, heads, 4, qkNorm);
                a.initialize(m, DataType.FLOAT32, new Shape(1, c, 3, 3));
                Loops.param(a, "out_weight").set(rng.normal(m, new Shape(c, c, 1, 1)).toFloatArray());
                NDArray x = rng.normal(m, new Shape(2, c, 3, 3));
                ParameterStore ps = new ParameterStore(m, false);
                float[] before = Loops.forward(a, m, false, x).toFloatArray();
                float smallLogits = maxAbsLogit(a, ps, x);

                scaleQueriesAndKeys(a, c, 1000f);
                float bigLogits = maxAbsLogit(a, ps, x);
                NDList qkv = a.queriesKeysValues(ps, x, false);
                float maxWeight = a.logits(qkv.get(0), qkv.get(1)).softmax(-1).max(new int[] {-1}).min().getFloat();
                float[] after = Loops.forward(a, m, false, x).toFloatArray();
                if (qkNorm) {
                    assertTrue(bigLogits <= Math.sqrt(d) + 1e-4, "|logit| <= sqrt(d) = 2 with QK-norm, got " + bigLogits);
                    assertEquals(smallLogits, bigLogits, 1e-4, "QK-norm: the scale of W_q, W_k does not matter");
                    assertArrayEquals(before, after, 1e-4f, "QK-norm: same output");
                } else {
                    assertTrue(bigLogits > 1e5 * smallLogits, "without QK-norm the logits grow 1e6-fold: " + smallLogits
                            + " -> " + bigLogits);
                    assertTrue(maxWeight > 0.99, "without QK-norm every row's softmax is nearly one-hot: " + maxWeight);
                }
            }
        }
    }

    private static float maxAbsLogit(SelfAttention a, ParameterStore ps, NDArray x) {
        NDList qkv = a.queriesKeysValues(ps, x, false);
        return a.logits(qkv.get(0), qkv.get(1)).abs().max().getFloat();
    }

    /** Multiplies the rows of W_qkv and b_qkv that make Q and K (channels [0, 2C)) by {@code factor}. */
    private static void scaleQueriesAndKeys(SelfAttention a, int c, float factor) {
        for (String name : new String[] {"qkv_weight", "qkv_bias"}) {
            NDArray p = Loops.param(a, name);
            float[] v = p.toFloatArray();
            int perRow = v.length / (3 * c);
            for (int i = 0; i < 2 * c * perRow; i++) {
                v[i] *= factor;
            }
            p.set(v);
        }
    }

    private static double maxAbsDeviationFrom1(float[] a) {
        double d = 0;
        for (float v : a) {
            d = Math.max(d, Math.abs(v - 1));
        }
        return d;
    }

    @Test
    void namesBadShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> new SelfAttention(6, 4, 2));
        assertTrue(e.getMessage().contains("channels (6) must be divisible by heads (4)"), e.getMessage());
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            SelfAttention a = new SelfAttention(8, 2, 4);
            a.initialize(m, DataType.FLOAT32, new Shape(1, 8, 3, 3));
            var f = assertThrows(IllegalArgumentException.class, () -> Loops.forward(a, m, false, m.zeros(new Shape(1, 4, 3, 3))));
            assertTrue(f.getMessage().contains("(B, 8, H, W), got (1, 4, 3, 3)"), f.getMessage());
        }
    }
}
