package dev.flowmatching.coupling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;

class ExactOtCouplingTest {
    private final Coupling ot = new ExactOtCoupling();
    private final Rng rng = new Rng(0);

    @Test
    void totalCostEqualsTheBruteForceMinimumOverAllPermutations() {
        Random r = new Random(1);
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            for (int b = 1; b <= 7; b++) {
                for (int trial = 0; trial < 6; trial++) {
                    int d = 1 + trial % 3;
                    float[][] x0 = Batch.cloud(r, b, d, 1);
                    float[][] x1 = Batch.cloud(r, b, d, 2);
                    NDList pairs = ot.pair(m.create(x0), m.create(x1), rng);
                    double cost = Batch.pairedCost(Batch.rows(pairs.get(0)), Batch.rows(pairs.get(1)));
                    double best = Batch.bruteForceOtCost(x0, x1);
                    assertEquals(best, cost, 1e-9 * (1 + best), "B=" + b + " d=" + d + " trial " + trial);
                }
            }
        }
    }

    @Test
    void pairsImagesLikeTheirFlattenedPoints() {
        // (B, C, H, W) batches: the cost is over all C*H*W coordinates of a sample.
        Random r = new Random(2);
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            int b = 6;
            float[][] x0 = Batch.cloud(r, b, 12, 1);
            float[][] x1 = Batch.cloud(r, b, 12, 1);
            NDArray a = m.create(x0).reshape(b, 3, 2, 2);
            NDArray c = m.create(x1).reshape(b, 3, 2, 2);
            NDList pairs = ot.pair(a, c, rng);
            assertEquals(new Shape(b, 3, 2, 2), pairs.get(0).getShape());
            assertEquals(new Shape(b, 3, 2, 2), pairs.get(1).getShape());
            assertEquals(Batch.bruteForceOtCost(x0, x1), Batch.pairedCost(Batch.rows(pairs.get(0)),
                    Batch.rows(pairs.get(1))), 1e-9);
        }
    }

    @Test
    void neverCostsMoreThanRandomPairings() {
        Random r = new Random(3);
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            for (int trial = 0; trial < 20; trial++) {
                int b = 64;
                float[][] x0 = Batch.cloud(r, b, 2, 1);
                float[][] x1 = Batch.cloud(r, b, 2, 1);
                NDList pairs = ot.pair(m.create(x0), m.create(x1), rng);
                double cost = Batch.pairedCost(Batch.rows(pairs.get(0)), Batch.rows(pairs.get(1)));
                assertTrue(cost <= Batch.pairedCost(x0, x1) + 1e-9, "worse than the pairing as drawn");
                for (int k = 0; k < 20; k++) {
                    assertTrue(cost <= Batch.pairedCost(x0, Batch.shuffled(x1, r)) + 1e-9,
                            "worse than a random pairing, trial " + trial);
                }
                // and for independent standard normals, much better: E|x0 - x1|^2 = 4 per pair at random
                assertTrue(cost / b < 1.5, "mean OT cost per pair " + cost / b);
            }
        }
    }

    @Test
    void keepsX0AndReordersX1OnItsDevice() {
        Random r = new Random(4);
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            float[][] x0 = Batch.cloud(r, 20, 2, 1);
            float[][] x1 = Batch.cloud(r, 20, 2, 1);
            NDArray a = m.create(x0);
            NDArray c = m.create(x1);
            NDList pairs = ot.pair(a, c, rng);
            assertTrue(pairs.get(0) == a, "x0 is returned as it is");
            assertEquals(c.getDevice(), pairs.get(1).getDevice());
            assertEquals(Batch.multiset(x1), Batch.multiset(Batch.rows(pairs.get(1))));
            assertArrayEquals(x1[0], Batch.rows(c)[0], "x1 itself is not changed");
        }
    }

    @Test
    void badInputIsNamed() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            int tooMany = ExactOtCoupling.MAX_BATCH + 1;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ot.pair(m.zeros(new Shape(tooMany, 1)), m.zeros(new Shape(tooMany, 1)), rng));
            assertTrue(e.getMessage().contains("at most " + ExactOtCoupling.MAX_BATCH)
                    && e.getMessage().contains(Integer.toString(tooMany)), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> ot.pair(m.zeros(new Shape(4, 2)), m.zeros(new Shape(4, 3)), rng));
            assertTrue(e.getMessage().contains("(4, 2)") && e.getMessage().contains("(4, 3)"), e.getMessage());
            NDArray withNan = m.create(new float[][] {{0, 1}, {Float.NaN, 2}});
            e = assertThrows(IllegalArgumentException.class, () -> ot.pair(m.zeros(new Shape(2, 2)), withNan, rng));
            assertTrue(e.getMessage().contains("x1 row 1 is not finite"), e.getMessage());
        }
    }
}
