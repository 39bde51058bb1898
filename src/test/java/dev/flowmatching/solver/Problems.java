package dev.flowmatching.solver;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** ODEs with closed-form solutions, solved in float64 so that the solver's error is what is measured. */
final class Problems {
    /** The rate of dx/dt = a x. */
    static final double A = -1.3;

    private Problems() {
    }

    /** |x(1) - exp(a)| for dx/dt = a x, x(0) = 1. */
    static double expError(OdeSolver solver, int steps, NDManager m) {
        NDArray x0 = m.ones(new Shape(1, 1), DataType.FLOAT64);
        Solution s = solver.solve((x, t) -> x.mul(A), x0, 0, 1, steps, false);
        return Math.abs(s.x().getDouble(0, 0) - Math.exp(A));
    }

    /** |x(t1) - exp(t1^2 / 2)| for the time-dependent dx/dt = t x, x(0) = 1. */
    static double timeDependentError(OdeSolver solver, double t1, int steps, NDManager m) {
        NDArray x0 = m.ones(new Shape(1, 1), DataType.FLOAT64);
        Solution s = solver.solve((x, t) -> x.mul(t.reshape(-1, 1)), x0, 0, t1, steps, false);
        return Math.abs(s.x().getDouble(0, 0) - Math.exp(t1 * t1 / 2));
    }

    /** dx/dt = (-y, x): a rotation at unit speed, so one turn (t from 0 to 2 pi) brings every point back. */
    static VelocityField rotation(NDManager m) {
        NDArray r = m.create(new double[] {0, 1, -1, 0}, new Shape(2, 2)); // (x, y) r = (-y, x)
        return (x, t) -> x.matMul(r);
    }

    /** Five points on different circles. */
    static NDArray points(NDManager m) {
        return m.create(new double[] {1, 0, 0, 2, -0.5, 0.5, 3, -1, 0.1, 0.2}, new Shape(5, 2));
    }

    /** The largest distance between a point and where one turn of the rotation takes it. */
    static double fullTurnError(OdeSolver solver, int steps, NDManager m) {
        NDArray x0 = points(m);
        Solution s = solver.solve(rotation(m), x0, 0, 2 * Math.PI, steps, false);
        return s.x().sub(x0).abs().max().getDouble();
    }

    /** Errors for steps, 2 steps, 4 steps, ...: {@code count} of them. */
    static double[] expErrors(OdeSolver solver, int steps, int count, NDManager m) {
        double[] e = new double[count];
        for (int i = 0; i < count; i++) {
            e[i] = expError(solver, steps << i, m);
        }
        return e;
    }

    /** A field that counts its calls. */
    static final class Counting implements VelocityField {
        final VelocityField field;
        int calls;

        Counting(VelocityField field) {
            this.field = field;
        }

        @Override
        public NDArray at(NDArray x, NDArray t) {
            calls++;
            return field.at(x, t);
        }
    }
}
