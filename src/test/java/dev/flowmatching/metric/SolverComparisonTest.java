package dev.flowmatching.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.data.ImageSet;
import dev.flowmatching.data.SyntheticFlowers;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;
import tech.tablesaw.api.Table;

/** Real images score near the floor, noise far above it; the grid has a row per setting. */
class SolverComparisonTest {

    @Test
    void realImagesScoreNearTheFloorAndNoiseFarAbove() {
        ImageSet flowers = new SyntheticFlowers(0).generate(90, 16);
        try (NDManager m = Torch.engine().newBaseManager()) {
            NDArray heldOut = flowers.images(m, range(0, 30));
            NDArray other = flowers.images(m, range(30, 60));
            NDArray moreReal = flowers.images(m, range(60, 90));
            NDArray noise = new Rng(1).normal(m, new Shape(30, 3, 16, 16)).clip(-1, 1);
            SolverComparison c = new SolverComparison(heldOut, other).add("real", 1, moreReal).add("noise", 1, noise);
            double spread = Math.abs(c.floor());
            assertTrue(Math.abs(c.distance(0)) < 5 * spread + 0.05, "real " + c.distance(0) + " vs floor " + c.floor());
            assertTrue(c.distance(1) > 20 * spread + 1, "noise " + c.distance(1) + " vs floor " + c.floor());
            Table t = c.table();
            assertEquals(3, t.rowCount(), "the real-vs-real row, then one per setting");
            assertEquals(2, c.grid(8).rows());
            assertThrows(IllegalArgumentException.class, () -> c.add("wrong size", 1, m.zeros(new Shape(4, 3, 8, 8))));
        }
    }

    private static int[] range(int from, int to) {
        return java.util.stream.IntStream.range(from, to).toArray();
    }
}
