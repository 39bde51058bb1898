package dev.flowmatching.solver;

import java.util.List;
import java.util.Locale;

/**
 * Solvers by name, for a notebook's parameters cell: {@code OdeSolver solver = Solvers.named("rk4");}.
 * Dopri5 comes with its default tolerances.
 */
public final class Solvers {
    /** The names {@link #named} accepts (in any case). */
    public static final List<String> NAMES = List.of("euler", "midpoint", "heun", "rk4", "dopri5");

    private Solvers() {
    }

    /** The solver called {@code name}: one of {@link #NAMES}, case-insensitive. */
    public static OdeSolver named(String name) {
        String key = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        switch (key) {
            case "euler":
                return new Euler();
            case "midpoint":
                return new Midpoint();
            case "heun":
                return new Heun();
            case "rk4":
                return new RungeKutta4();
            case "dopri5":
                return new Dopri5();
            default:
                throw new IllegalArgumentException("unknown solver " + (name == null ? "null" : "\"" + name + "\"")
                        + "; valid names: " + String.join(", ", NAMES));
        }
    }

    /**
     * Steps of the fixed-step solver {@code name} that spend at most {@code nfe} function evaluations (at least
     * one step): nfe for Euler, nfe / 2 for midpoint and Heun, nfe / 4 for RK4. Comparing solvers at equal NFE
     * compares them at equal cost.
     */
    public static int stepsForNfe(String name, int nfe) {
        if (nfe < 1) {
            throw new IllegalArgumentException("NFE must be >= 1, got " + nfe);
        }
        named(name); // fails naming the valid ones
        int perStep = switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "euler" -> 1;
            case "midpoint", "heun" -> 2;
            case "rk4" -> 4;
            default -> throw new IllegalArgumentException("\"" + name + "\" is adaptive: its NFE follows from its "
                    + "tolerance, not from a step count");
        };
        return Math.max(1, nfe / perStep);
    }
}
