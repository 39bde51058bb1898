package dev.flowmatching.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import dev.flowmatching.runtime.Torch;

class EulerTest {
    private static final double A = -1.3;

    /** Euler on dx/dt = a x from x(0) = 1 to t = 1, in float64; the exact answer is exp(a). */
    static double errorWith(int steps, NDManager m) {
        NDArray x0 = m.ones(new ai.djl.ndarray.types.Shape(1, 1), DataType.FLOAT64);
        Solution s = new Euler().solve((x, t) -> x.mul(A), x0, steps);
        return Math.abs(s.x().getDouble(0, 0) - Math.exp(A));
    }

    @Test
    void convergesAtFirstOrder() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            double previous = errorWith(10, m);
            for (int steps = 20; steps <= 640; steps *= 2) {
                double err = errorWith(steps, m);
                double ratio = previous / err;
                assertEquals(2.0, ratio, 0.15, "doubling the steps to " + steps + " should halve the error");
                previous = err;
            }
            assertTrue(previous < 2e-3);
        }
    }

    @Test
    void countsEvaluationsAndRecordsTheTrajectory() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x0 = m.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
            Solution s = new Euler().solve((x, t) -> x.onesLike(), x0, 0, 1, 5, true);
            assertEquals(5, s.nfe());
            assertEquals(6, s.trajectory().size());
            assertEquals(1.0, s.times()[5], 1e-12);
            assertEquals(0.4, s.times()[2], 1e-12);
            // constant unit velocity: the state moves by t
            assertEquals(1.4f, s.trajectory().get(2).getFloat(0, 0), 1e-6);
            assertEquals(5f, s.x().getFloat(1, 1), 1e-6);
            assertEquals(1f, x0.getFloat(0, 0), "the start point is not changed");
        }
    }

    @Test
    void timeIsPassedPerRow() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x0 = m.zeros(new ai.djl.ndarray.types.Shape(3, 1));
            // v = t: x(1) = sum over steps of h * t_k = h^2 * (0 + 1 + ... + n-1)
            Solution s = new Euler().solve((x, t) -> t.reshape(-1, 1), x0, 4);
            assertEquals(0.0625 * 6, s.x().getFloat(2, 0), 1e-6);
        }
    }

    @Test
    void badInputIsNamed() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x0 = m.zeros(new ai.djl.ndarray.types.Shape(3, 2));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new Euler().solve((x, t) -> x, x0, 0))
                    .getMessage().contains("steps must be >= 1"));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new Euler().solve((x, t) -> t, x0, 2));
            assertTrue(e.getMessage().contains("(3)") && e.getMessage().contains("(3, 2)"), e.getMessage());
        }
    }
}
