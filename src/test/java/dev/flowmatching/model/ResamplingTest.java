package dev.flowmatching.model;

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

/** Downsample and Upsample against convolutions and nearest-neighbour copies written as loops. */
class ResamplingTest {
    @Test
    void downsampleIsAStrideTwoThreeByThreeConvolution() {
        int b = 2, c = 3, h = 6, w = 4;
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            Downsample down = new Downsample(c);
            down.initialize(m, DataType.FLOAT32, new Shape(1, c, h, w));
            Loops.param(down, "bias").set(new Rng(2).normal(m, new Shape(c)).toFloatArray());
            NDArray x = new Rng(1).normal(m, new Shape(b, c, h, w));
            NDArray y = Loops.forward(down, m, false, x);
            assertEquals(new Shape(b, c, 3, 2), y.getShape());
            double[] expected = Loops.conv(x.toFloatArray(), b, c, h, w, Loops.param(down, "weight").toFloatArray(),
                    Loops.param(down, "bias").toFloatArray(), c, 3, 2);
            float[] actual = y.toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-4, "element " + i);
            }
        }
    }

    @Test
    void nearestTwoTimesCopiesEachPixelIntoATwoByTwoPatch() {
        int b = 2, c = 3, h = 3, w = 5;
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x = new Rng(4).normal(m, new Shape(b, c, h, w));
            float[] in = x.toFloatArray();
            NDArray y = Upsample.nearest2x(x);
            assertEquals(new Shape(b, c, 2 * h, 2 * w), y.getShape());
            float[] out = y.toFloatArray();
            for (int s = 0; s < b * c; s++) {
                for (int i = 0; i < 2 * h; i++) {
                    for (int j = 0; j < 2 * w; j++) {
                        assertEquals(in[(s * h + i / 2) * w + j / 2], out[(s * 2 * h + i) * 2 * w + j], 0f);
                    }
                }
            }
        }
    }

    @Test
    void upsampleConvolvesTheDoubledMap() {
        int b = 1, c = 2, h = 3, w = 2;
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            Upsample up = new Upsample(c);
            up.initialize(m, DataType.FLOAT32, new Shape(1, c, h, w));
            NDArray x = new Rng(6).normal(m, new Shape(b, c, h, w));
            NDArray y = Loops.forward(up, m, false, x);
            assertEquals(new Shape(b, c, 2 * h, 2 * w), y.getShape());
            double[] expected = Loops.conv(Upsample.nearest2x(x).toFloatArray(), b, c, 2 * h, 2 * w,
                    Loops.param(up, "weight").toFloatArray(), Loops.param(up, "bias").toFloatArray(), c, 3, 1);
            float[] actual = y.toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-4, "element " + i);
            }
        }
    }

    @Test
    void namesAWrongChannelCount() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            Upsample up = new Upsample(4);
            var e = assertThrows(IllegalArgumentException.class, () -> up.initialize(m, DataType.FLOAT32, new Shape(1, 3, 4, 4)));
            assertTrue(e.getMessage().contains("Upsample(4) expects x of shape (B, 4, H, W), got (1, 3, 4, 4)"), e.getMessage());
        }
    }
}
