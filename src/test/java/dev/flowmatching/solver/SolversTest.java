package dev.flowmatching.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Torch;

class SolversTest {
    private static List<OdeSolver> all() {
        List<OdeSolver> solvers = new ArrayList<>();
        for (String name : Solvers.NAMES) {
            solvers.add(Solvers.named(name));
        }
        return solvers;
    }

    @Test
    void namesPickTheSolverInAnyCase() {
        assertInstanceOf(Euler.class, Solvers.named("euler"));
        assertInstanceOf(Midpoint.class, Solvers.named("Midpoint"));
        assertInstanceOf(Heun.class, Solvers.named("HEUN"));
        assertInstanceOf(RungeKutta4.class, Solvers.named("rk4"));
        assertInstanceOf(RungeKutta4.class, Solvers.named("RK4"));
        assertInstanceOf(Dopri5.class, Solvers.named("Dopri5"));
        for (String name : Solvers.NAMES) {
            assertEquals(name, Solvers.named(name).name().toLowerCase(), "a solver's name finds it again");
        }
    }

    @Test
    void stepsForNfeSpendExactlyThatManyEvaluations() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x = m.ones(new ai.djl.ndarray.types.Shape(2, 1));
            for (String name : List.of("euler", "midpoint", "heun", "rk4")) {
                int steps = Solvers.stepsForNfe(name, 8);
                assertEquals(8, Solvers.named(name).solve((y, t) -> y.neg(), x, steps).nfe(), name);
            }
            assertEquals(1, Solvers.stepsForNfe("rk4", 2), "at least one step");
            assertThrows(IllegalArgumentException.class, () -> Solvers.stepsForNfe("dopri5", 8));
        }
    }

    @Test
    void anUnknownNameListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Solvers.named("rk45"));
        assertTrue(e.getMessage().contains("\"rk45\"") && e.getMessage().contains("euler, midpoint, heun, rk4, dopri5"),
                e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Solvers.named(null)).getMessage()
                .contains("valid names: euler"));
    }

    @Test
    void aFieldThatReturnsItsInputLeavesTheStartPointAlone() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            for (OdeSolver solver : all()) {
                NDArray x0 = m.create(new double[] {1, 2}, new Shape(2, 1));
                double same = solver.solve((x, t) -> x, x0, 0, 0.5, 5, false).x().getDouble(1, 0);
                double fresh = solver.solve((x, t) -> x.mul(1.0), x0, 0, 0.5, 5, false).x().getDouble(1, 0);
                assertEquals(fresh, same, 0.0, solver.name() + ": dx/dt = x, returned as is or as a copy");
                assertEquals(2 * Math.exp(0.5), same, 0.1, solver.name());
                assertEquals(1.0, x0.getDouble(0, 0), 0.0, solver.name() + " changed the start point");
                // views of the input: reshape shares x's storage
                double view = solver.solve((x, t) -> x.reshape(x.getShape()), x0, 0, 0.5, 5, false).x().getDouble(1, 0);
                assertEquals(fresh, view, 0.0, solver.name() + ": dx/dt = x as a view of x");
                assertEquals(2.0, x0.getDouble(1, 0), 0.0, solver.name() + " changed the start point");
            }
        }
    }

    @Test
    void timeKeepsTheStatesPrecision() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            for (OdeSolver solver : all()) {
                List<Double> seen64 = new ArrayList<>();
                solver.solve((x, t) -> {
                    assertEquals(DataType.FLOAT64, t.getDataType());
                    seen64.add(t.getDouble(1));
                    return x.zerosLike();
                }, m.zeros(new Shape(2, 3), DataType.FLOAT64), 0.1, 0.3, 1, false);
                assertEquals(0.1, seen64.get(0), 0.0, solver.name() + ": t0 = 0.1 reaches the field as a double");
                solver.solve((x, t) -> {
                    assertEquals(DataType.FLOAT32, t.getDataType(), "float32 time for a float32 state (models)");
                    assertEquals(new Shape(2), t.getShape());
                    return x.zerosLike();
                }, m.zeros(new Shape(2, 3)), 0.1, 0.3, 1, false);
            }
        }
    }

    @Test
    void memoryStaysFlat() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            VelocityField rotation = Problems.rotation(m);
            NDArray x0 = Problems.points(m);
            BaseNDManager base = (BaseNDManager) m;
            for (OdeSolver solver : all()) {
                int before = base.getManagedArrays().size();
                Solution s = solver.solve(rotation, x0, 0, 1, 50, false);
                assertEquals(before + 1, base.getManagedArrays().size(), solver.name() + " leaves only its result");
                s.x().close();
                s = solver.solve(rotation, x0, 0, 1, 50, true);
                assertEquals(before + s.trajectory().size() - 1, base.getManagedArrays().size(),
                        solver.name() + " leaves only its trajectory");
                s.trajectory().stream().skip(1).forEach(NDArray::close);
            }
        }
    }

    @Test
    void recordedTimesEndExactlyAtT1() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            for (OdeSolver solver : all()) {
                // 49 * (1.0 / 49) is 0.9999999999999999 in floating point
                double[] t = solver.solve((x, tt) -> x.zerosLike(), m.zeros(new Shape(1, 1)), 0, 1, 49, true).times();
                assertEquals(1.0, t[t.length - 1], 0.0, solver.name());
                assertEquals(0.0, t[0], 0.0, solver.name());
            }
        }
    }
}
