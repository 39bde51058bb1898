package dev.flowmatching.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;

/** The random horizontal flip mirrors exactly the images its coins choose, along the width only. */
class AugmentTest {

    @Test
    void exactlyTheChosenImagesAreMirroredAlongTheWidth() {
        try (NDManager m = Torch.engine().newBaseManager()) {
            // Three 1 x 2 x 3 images; image k holds 100k + 10row + col.
            float[] v = new float[18];
            for (int k = 0; k < 3; k++) {
                for (int row = 0; row < 2; row++) {
                    for (int col = 0; col < 3; col++) {
                        v[6 * k + 3 * row + col] = 100 * k + 10 * row + col;
                    }
                }
            }
            NDArray images = m.create(v, new Shape(3, 1, 2, 3));
            NDArray out = Augment.flipHorizontal(images, new boolean[] {true, false, true});
            assertEquals(new Shape(3, 1, 2, 3), out.getShape());
            assertArrayEquals(new float[] {2, 1, 0, 12, 11, 10, 100, 101, 102, 110, 111, 112, 202, 201, 200, 212, 211, 210},
                    out.toFloatArray());
            assertEquals(m, out.getManager());
            assertThrows(IllegalArgumentException.class, () -> Augment.flipHorizontal(images, new boolean[2]));
        }
    }

    @Test
    void theRngDecidesAndTheSameSeedDecidesAlike() {
        try (NDManager m = Torch.engine().newBaseManager()) {
            int n = 64;
            float[] v = new float[n * 2];
            for (int i = 0; i < v.length; i++) {
                v[i] = i; // image i: (2i, 2i + 1) along the width
            }
            NDArray images = m.create(v, new Shape(n, 1, 1, 2));
            boolean[] coins = Augment.coinFlips(n, new Rng(11));
            float[] out = Augment.flipHorizontal(images, new Rng(11)).toFloatArray();
            int flipped = 0;
            for (int i = 0; i < n; i++) {
                float[] want = coins[i] ? new float[] {2 * i + 1, 2 * i} : new float[] {2 * i, 2 * i + 1};
                assertArrayEquals(want, new float[] {out[2 * i], out[2 * i + 1]}, "image " + i);
                flipped += coins[i] ? 1 : 0;
            }
            assertTrue(flipped > 16 && flipped < 48, "about half are flipped: " + flipped);
            assertArrayEquals(coins, Augment.coinFlips(n, new Rng(11)));
        }
    }

    @Test
    void successiveDrawsOfOneRngDiffer() {
        Rng rng = new Rng(3);
        boolean[] a = Augment.coinFlips(64, rng);
        boolean[] b = Augment.coinFlips(64, rng);
        assertTrue(!java.util.Arrays.equals(a, b), "a new draw each batch");
    }
}
