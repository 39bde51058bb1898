package dev.flowmatching.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;
import dev.flowmatching.solver.Euler;
import dev.flowmatching.solver.Midpoint;
import dev.flowmatching.viz.Grids;
import tech.tablesaw.api.Table;

class SolverSweepTest {

    @Test
    void anExactFlowGivesZeroW2AndTheNfeOfEachSolver() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray shift = m.create(new float[] {2f, -1f});
            NDArray reference = new Rng(1).normal(m, new Shape(50, 2));
            NDArray start = reference.sub(shift);
            Table t = SolverSweep.run((x, tt) -> x.zerosLike().add(shift), start, reference, 0.5,
                    List.of(new Euler(), new Midpoint()), new int[] {1, 3}, new double[] {1e-3});
            assertEquals(5, t.rowCount());
            assertEquals(List.of(1, 3, 2, 6), t.intColumn("NFE").asList().subList(0, 4));
            for (double w : t.doubleColumn("W2").asDoubleArray()) {
                assertTrue(w < 1e-5, "a constant field is integrated exactly: W2 " + w);
            }
            assertEquals(0, t.doubleColumn("W2 / floor").get(0), 1e-4);
            assertTrue(SolverSweep.plot(t, 0.5).png().length > 1000);
        }
    }

    @Test
    void gridCoversTheSquareRowByRow() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            float[][] g = Wasserstein.rows(Grids.square(-1, 1, 3, m));
            assertEquals(9, g.length);
            assertEquals(-1f, g[0][0]);
            assertEquals(-1f, g[0][1]);
            assertEquals(0f, g[4][0]);
            assertEquals(0f, g[4][1]);
            assertEquals(1f, g[8][0]);
            assertEquals(1f, g[8][1]);
            assertEquals(1f, g[2][0]);
            assertEquals(-1f, g[2][1]);
        }
    }
}
