package dev.flowmatching.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Torch;

class HeunTest {
    @Test
    void convergesAtSecondOrder() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            for (int steps = 10; steps <= 320; steps *= 2) {
                double ratio = Problems.expError(new Heun(), steps, m) / Problems.expError(new Heun(), 2 * steps, m);
                assertEquals(4.0, ratio, 0.25, "exp: doubling " + steps + " steps should quarter the error");
                ratio = Problems.timeDependentError(new Heun(), 1, steps, m)
                        / Problems.timeDependentError(new Heun(), 1, 2 * steps, m);
                assertEquals(4.0, ratio, 0.4, "t x: doubling " + steps + " steps should quarter the error");
            }
            assertTrue(Problems.expError(new Heun(), 640, m) < 5e-7);
        }
    }

    @Test
    void oneStepIsTheTrapezoidFormula() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            // v = x^2 + t from x = 1, t = 0.5, h = 0.5: k1 = 1.5, x' = 1.75, k2 = 1.75^2 + 1
            NDArray x0 = m.ones(new Shape(1, 1), DataType.FLOAT64);
            Solution s = new Heun().solve((x, t) -> x.square().add(t.reshape(-1, 1)), x0, 0.5, 1, 1, false);
            assertEquals(1 + 0.25 * (1.5 + 1.75 * 1.75 + 1), s.x().getDouble(0, 0), 1e-12);
        }
    }

    @Test
    void closesAFullTurnOfARotation() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            assertTrue(Problems.fullTurnError(new Heun(), 400, m) < 1e-3);
            assertTrue(Problems.fullTurnError(new Heun(), 20, m) > 0.1, "a coarse solve spirals outwards");
        }
    }

    @Test
    void countsTwoEvaluationsPerStepAndRecords() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            Problems.Counting field = new Problems.Counting((x, t) -> x.onesLike());
            Solution s = new Heun().solve(field, m.zeros(new Shape(3, 2)), 0, 1, 7, true);
            assertEquals(14, s.nfe());
            assertEquals(14, field.calls);
            assertEquals(8, s.trajectory().size());
            assertEquals(1.0, s.times()[7], 0.0);
            assertEquals(3.0 / 7, s.trajectory().get(3).getFloat(2, 1), 1e-6);
        }
    }
}
