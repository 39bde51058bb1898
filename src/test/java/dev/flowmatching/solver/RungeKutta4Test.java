package dev.flowmatching.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Torch;

class RungeKutta4Test {
    @Test
    void convergesAtFourthOrder() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            // from 10 to 160 steps the error goes 1e-6 .. 1e-11, well above float64 round-off (~1e-15)
            for (int steps = 10; steps <= 80; steps *= 2) {
                double ratio = Problems.expError(new RungeKutta4(), steps, m)
                        / Problems.expError(new RungeKutta4(), 2 * steps, m);
                assertEquals(16.0, ratio, 1.2, "exp: doubling " + steps + " steps should cut the error 16-fold");
                ratio = Problems.timeDependentError(new RungeKutta4(), 1, steps, m)
                        / Problems.timeDependentError(new RungeKutta4(), 1, 2 * steps, m);
                assertEquals(16.0, ratio, 1.2, "t x: doubling " + steps + " steps should cut the error 16-fold");
            }
            assertTrue(Problems.expError(new RungeKutta4(), 160, m) < 2e-11);
        }
    }

    @Test
    void oneStepIsTheClassicFormula() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            // v = x^2 + t from x = 1, t = 0.5, h = 0.5, stages computed by hand
            double h = 0.5;
            double k1 = 1 + 0.5;
            double k2 = Math.pow(1 + h / 2 * k1, 2) + 0.75;
            double k3 = Math.pow(1 + h / 2 * k2, 2) + 0.75;
            double k4 = Math.pow(1 + h * k3, 2) + 1;
            NDArray x0 = m.ones(new Shape(1, 1), DataType.FLOAT64);
            Solution s = new RungeKutta4().solve((x, t) -> x.square().add(t.reshape(-1, 1)), x0, 0.5, 1, 1, false);
            assertEquals(1 + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4), s.x().getDouble(0, 0), 1e-12);
        }
    }

    @Test
    void closesAFullTurnOfARotation() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            assertTrue(Problems.fullTurnError(new RungeKutta4(), 100, m) < 1e-5);
            assertTrue(Problems.fullTurnError(new RungeKutta4(), 10, m) > 0.01, "a coarse solve spirals inwards");
        }
    }

    @Test
    void countsFourEvaluationsPerStepAndRecords() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            Problems.Counting field = new Problems.Counting((x, t) -> x.onesLike());
            Solution s = new RungeKutta4().solve(field, m.zeros(new Shape(3, 2)), 0, 1, 7, true);
            assertEquals(28, s.nfe());
            assertEquals(28, field.calls);
            assertEquals(8, s.trajectory().size());
            assertEquals(1.0, s.times()[7], 0.0);
            assertEquals(3.0 / 7, s.trajectory().get(3).getFloat(2, 1), 1e-6);
        }
    }
}
