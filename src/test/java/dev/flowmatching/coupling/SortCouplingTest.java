package dev.flowmatching.coupling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;

class SortCouplingTest {
    private final Rng rng = new Rng(0);

    @Test
    void equalsExactOtIn1D() {
        Random r = new Random(1);
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            for (int b : new int[] {1, 2, 7, 50, 300}) {
                float[][] x0 = Batch.cloud(r, b, 1, 1);
                float[][] x1 = Batch.cloud(r, b, 1, 3);
                NDList sorted = new SortCoupling().pair(m.create(x0), m.create(x1), rng);
                NDList exact = new ExactOtCoupling().pair(m.create(x0), m.create(x1), rng);
                assertArrayEquals(exact.get(1).toFloatArray(), sorted.get(1).toFloatArray(), "B=" + b);
                assertArrayEquals(x0[0], Batch.rows(sorted.get(0))[0]);
            }
        }
    }

    @Test
    void givesTheSamePairsWhateverTheOrderOfTheInputs() {
        Random r = new Random(2);
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            for (SortCoupling sort : new SortCoupling[] {new SortCoupling(), new SortCoupling(new double[] {1, -2})}) {
                float[][] x0 = Batch.cloud(r, 40, 2, 1);
                float[][] x1 = Batch.cloud(r, 40, 2, 1);
                NDList pairs = sort.pair(m.create(x0), m.create(x1), rng);
                for (int k = 0; k < 5; k++) {
                    NDList again = sort.pair(m.create(Batch.shuffled(x0, r)), m.create(Batch.shuffled(x1, r)), rng);
                    assertEquals(Batch.pairs(Batch.rows(pairs.get(0)), Batch.rows(pairs.get(1))),
                            Batch.pairs(Batch.rows(again.get(0)), Batch.rows(again.get(1))), sort.name());
                }
            }
        }
    }

    @Test
    void pairsByRankAlongTheDirection() {
        Random r = new Random(3);
        double[] u = {3, 4}; // scaled to (0.6, 0.8)
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            float[][] x0 = Batch.cloud(r, 30, 2, 1);
            float[][] x1 = Batch.cloud(r, 30, 2, 1);
            NDList pairs = new SortCoupling(u).pair(m.create(x0), m.create(x1), rng);
            float[][] a = Batch.rows(pairs.get(0));
            float[][] b = Batch.rows(pairs.get(1));
            // a monotone pairing of the projections: p0_i < p0_k exactly when p1_i < p1_k
            for (int i = 0; i < a.length; i++) {
                for (int k = 0; k < a.length; k++) {
                    double p0 = 0.6 * (a[i][0] - a[k][0]) + 0.8 * (a[i][1] - a[k][1]);
                    double p1 = 0.6 * (b[i][0] - b[k][0]) + 0.8 * (b[i][1] - b[k][1]);
                    assertTrue(p0 * p1 >= 0, "pairs " + i + " and " + k + " cross along u");
                }
            }
            assertArrayEquals(new double[] {0.6, 0.8}, new SortCoupling(u).direction(), 1e-15);
            // and along the first axis by default, for samples of any shape (here (B, 2, 1))
            NDList byFirst = new SortCoupling().pair(m.create(x0).reshape(30, 2, 1), m.create(x1).reshape(30, 2, 1), rng);
            assertEquals(new Shape(30, 2, 1), byFirst.get(1).getShape());
            float[][] a1 = Batch.rows(byFirst.get(0));
            float[][] b1 = Batch.rows(byFirst.get(1));
            for (int i = 0; i < a1.length; i++) {
                for (int k = 0; k < a1.length; k++) {
                    assertTrue((a1[i][0] - a1[k][0]) * (b1[i][0] - b1[k][0]) >= 0, "pairs cross along x");
                }
            }
        }
    }

    @Test
    void badDirectionsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SortCoupling(new double[] {0, 0}));
        assertTrue(e.getMessage().contains("non-zero"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SortCoupling(new double[] {1, Double.NaN}));
        assertTrue(e.getMessage().contains("finite"), e.getMessage());
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            e = assertThrows(IllegalArgumentException.class, () -> new SortCoupling(new double[] {1, 0, 0})
                    .pair(m.zeros(new Shape(4, 2)), m.zeros(new Shape(4, 2)), rng));
            assertTrue(e.getMessage().contains("3 coordinates") && e.getMessage().contains("have 2"), e.getMessage());
        }
    }
}
