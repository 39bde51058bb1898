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

class ResBlockTest {
    @Test
    void startsAsTheIdentityWhenTheChannelsStay() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            ResBlock block = new ResBlock(4, 4, 6, 2, 0f);
            block.initialize(m, DataType.FLOAT32, new Shape(1, 4, 5, 5), new Shape(1, 6));
            Rng rng = new Rng(1);
            NDArray x = rng.normal(m, new Shape(3, 4, 5, 5));
            NDArray y = Loops.forward(block, m, false, x, rng.normal(m, new Shape(3, 6)));
            assertArrayEquals(x.toFloatArray(), y.toFloatArray(), 0f);
        }
    }

    @Test
    void startsAsItsOneByOneSkipWhenTheChannelsChange() {
        int b = 2, cin = 2, cout = 4, h = 3, w = 3;
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            ResBlock block = new ResBlock(cin, cout, 5, 2, 0f);
            block.initialize(m, DataType.FLOAT32, new Shape(1, cin, h, w), new Shape(1, 5));
            Rng rng = new Rng(2);
            NDArray x = rng.normal(m, new Shape(b, cin, h, w));
            NDArray y = Loops.forward(block, m, false, x, rng.normal(m, new Shape(b, 5)));
            assertEquals(new Shape(b, cout, h, w), y.getShape());
            double[] expected = Loops.conv(x.toFloatArray(), b, cin, h, w, Loops.param(block, "skip_weight").toFloatArray(),
                    Loops.param(block, "skip_bias").toFloatArray(), cout, 1, 1);
            float[] actual = y.toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-5, "element " + i);
            }
        }
    }

    @Test
    void theEmbeddingChangesTheOutputOnceTheLastConvolutionIsNonZero() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            ResBlock block = new ResBlock(4, 4, 3, 2, 0f);
            block.initialize(m, DataType.FLOAT32, new Shape(1, 4, 4, 4), new Shape(1, 3));
            Rng rng = new Rng(3);
            Loops.param(block, "conv2_weight").set(rng.normal(m, new Shape(4, 4, 3, 3)).mul(0.1f).toFloatArray());
            NDArray x = rng.normal(m, new Shape(1, 4, 4, 4));
            NDArray e1 = rng.normal(m, new Shape(1, 3));
            float[] y1 = Loops.forward(block, m, false, x, e1).toFloatArray();
            float[] again = Loops.forward(block, m, false, x, e1.duplicate()).toFloatArray();
            float[] y2 = Loops.forward(block, m, false, x, e1.add(1)).toFloatArray();
            assertArrayEquals(y1, again, 0f);
            double diff = 0;
            for (int i = 0; i < y1.length; i++) {
                diff = Math.max(diff, Math.abs(y1[i] - y2[i]));
            }
            assertTrue(diff > 1e-3, "another embedding should change the output, max difference " + diff);
        }
    }

    @Test
    void namesBadShapes() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            ResBlock block = new ResBlock(4, 8, 6, 2, 0f);
            block.initialize(m, DataType.FLOAT32, new Shape(1, 4, 5, 5), new Shape(1, 6));
            var x = assertThrows(IllegalArgumentException.class,
                    () -> Loops.forward(block, m, false, m.zeros(new Shape(2, 3, 5, 5)), m.zeros(new Shape(2, 6))));
            assertTrue(x.getMessage().contains("(B, 4, H, W), got (2, 3, 5, 5)"), x.getMessage());
            var e = assertThrows(IllegalArgumentException.class,
                    () -> Loops.forward(block, m, false, m.zeros(new Shape(2, 4, 5, 5)), m.zeros(new Shape(2, 7))));
            assertTrue(e.getMessage().contains("embedding of shape (2, 6), got (2, 7)"), e.getMessage());
            var g = assertThrows(IllegalArgumentException.class, () -> new ResBlock(4, 6, 6, 4, 0f));
            assertTrue(g.getMessage().contains("channels (6) must be divisible by groups (4)"), g.getMessage());
        }
    }
}
