package dev.flowmatching.metric;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDArray;

import dev.flowmatching.solver.Dopri5;
import dev.flowmatching.solver.OdeSolver;
import dev.flowmatching.solver.Solution;
import dev.flowmatching.solver.VelocityField;
import dev.flowmatching.viz.Plot;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Sample quality against cost: integrates one flow from the same start points with several solvers and step
 * counts (and Dormand-Prince at several tolerances), and measures each result's exact W2 to a reference
 * sample of the target. One row per run: solver, steps (or tolerance), NFE, W2 and W2 / noise floor.
 *
 * <pre>{@code
 * Table t = SolverSweep.run(model, start, reference, floor, List.of(new Euler(), new RungeKutta4()),
 *         new int[] {1, 4, 16}, new double[] {1e-3});
 * Display.show(SolverSweep.plot(t, floor));
 * }</pre>
 */
public final class SolverSweep {
    private SolverSweep() {
    }

    public static Table run(VelocityField v, NDArray start, NDArray reference, double floor, List<OdeSolver> solvers,
            int[] steps, double[] dopri5Tolerances) {
        StringColumn solver = StringColumn.create("solver");
        StringColumn setting = StringColumn.create("setting");
        IntColumn nfe = IntColumn.create("NFE");
        DoubleColumn w2 = DoubleColumn.create("W2");
        for (OdeSolver s : solvers) {
            for (int n : steps) {
                add(s.solve(v, start, n), s.name(), n + " steps", reference, solver, setting, nfe, w2);
            }
        }
        for (double tol : dopri5Tolerances) {
            Dopri5 d = new Dopri5(tol, tol);
            add(d.solve(v, start, 4), d.name(), "tol " + tol, reference, solver, setting, nfe, w2);
        }
        Table t = Table.create("W2 to the target against NFE (noise floor " + String.format("%.4f", floor) + ")",
                solver, setting, nfe, w2);
        t.addColumns(w2.divide(floor).setName("W2 / floor"));
        return t;
    }

    private static void add(Solution s, String name, String how, NDArray reference, StringColumn solver,
            StringColumn setting, IntColumn nfe, DoubleColumn w2) {
        solver.append(name);
        setting.append(how);
        nfe.append(s.nfe());
        w2.append(Wasserstein.w2(s.x(), reference));
        s.x().close();
    }

    /** W2 against NFE on log-log axes, one line per solver, with the noise floor as a dashed reference. */
    public static Plot plot(Table sweep, double floor) {
        Map<String, List<double[]>> bySolver = new LinkedHashMap<>();
        for (int i = 0; i < sweep.rowCount(); i++) {
            bySolver.computeIfAbsent(sweep.stringColumn("solver").get(i), k -> new ArrayList<>())
                    .add(new double[] {sweep.intColumn("NFE").get(i), sweep.doubleColumn("W2").get(i)});
        }
        Plot p = new Plot("Sample quality against cost", "NFE (function evaluations)", "W2 to the target").logX().logY();
        double maxNfe = 1;
        for (Map.Entry<String, List<double[]>> e : bySolver.entrySet()) {
            List<double[]> pts = e.getValue();
            pts.sort((a, b) -> Double.compare(a[0], b[0]));
            p.line(e.getKey(), pts.stream().mapToDouble(a -> a[0]).toArray(), pts.stream().mapToDouble(a -> a[1]).toArray());
            maxNfe = Math.max(maxNfe, pts.get(pts.size() - 1)[0]);
        }
        return p.line("noise floor", new double[] {1, maxNfe}, new double[] {floor, floor});
    }
}
