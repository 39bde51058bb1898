package dev.flowmatching.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

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
        int b = 2, c = 4, h = 2, w = 3, heads = 2, groups = 2, d = c / heads, t = h * w;
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            Rng rng = new Rng(5);
            SelfAttention a = new SelfAttention(c, heads, groups);
            a.initialize(m, DataType.FLOAT32, new Shape(1, c, h, w));
            // Random output projection and biases: the zero start would hide the attention.
            Loops.param(a, "out_weight").set(rng.normal(m, new Shape(c, c, 1, 1)).toFloatArray());
            Loops.param(a, "out_bias").set(rng.normal(m, new Shape(c)).toFloatArray());
            Loops.param(a, "qkv_bias").set(rng.normal(m, new Shape(3 * c)).toFloatArray());
            NDArray input = rng.normal(m, new Shape(b, c, h, w)).mul(2);
            float[] x = input.toFloatArray();
            float[] y = Loops.forward(a, m, false, input).toFloatArray();

            float[] normed = Loops.toFloat(Loops.groupNorm(x, b, c, t, groups, 1e-5));
            double[] qkv = Loops.conv(normed, b, c, h, w, Loops.param(a, "qkv_weight").toFloatArray(),
                    Loops.param(a, "qkv_bias").toFloatArray(), 3 * c, 1, 1);
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
                assertEquals(x[i] + projected[i], y[i], 1e-4, "element " + i);
            }
        }
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
