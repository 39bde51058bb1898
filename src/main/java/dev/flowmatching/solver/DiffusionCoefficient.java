package dev.flowmatching.solver;

import dev.flowmatching.path.Scheduler;

/**
 * The diffusion coefficient g(t) of the sampling SDE dx = (v + g^2/2 score) dt + g dW (see {@link EulerMaruyama}):
 * how much fresh noise is injected at time t. Any g keeps the marginals of the flow; g = 0 is the ODE.
 *
 * <p>Families, each scaled by c >= 0:
 * <ul>
 *   <li>{@link #constant}: g = c.</li>
 *   <li>{@link #bridge}: g = c sqrt(t (1 - t)), the Brownian bridge's profile: no noise at either end, so the
 *       last step adds next to none and the score (which diverges as sigma_t -> 0 for data without a density)
 *       is weighted by g^2 ~ (1 - t) near the data.</li>
 *   <li>{@link #sigma}: g = c sigma_t, following the path's noise level: g^2 score = -c^2 sigma_t x0_hat stays
 *       bounded at the data end for any data.</li>
 * </ul>
 *
 * <pre>{@code
 * DiffusionCoefficient g = DiffusionCoefficient.sigma(1.0, scheduler);
 * DiffusionCoefficient custom = t -> 0.5 * (1 - t);      // any function of t
 * }</pre>
 */
@FunctionalInterface
public interface DiffusionCoefficient {
    /** g(t) >= 0. */
    double at(double t);

    /** A short label for tables and legends. */
    default String name() {
        return "g(t)";
    }

    /** g = 0: the probability-flow ODE itself. */
    static DiffusionCoefficient zero() {
        return constant(0);
    }

    /** g = c. */
    static DiffusionCoefficient constant(double c) {
        checkScale(c);
        return named("g=" + c, t -> c);
    }

    /** g = c sqrt(t (1 - t)), for t in [0, 1]. */
    static DiffusionCoefficient bridge(double c) {
        checkScale(c);
        return named("g=" + c + " sqrt(t(1-t))", t -> {
            if (!(t >= 0 && t <= 1)) {
                throw new IllegalArgumentException("the bridge coefficient is defined for t in [0, 1], got t = " + t);
            }
            return c * Math.sqrt(t * (1 - t));
        });
    }

    /** g = c sigma_t of the scheduler. */
    static DiffusionCoefficient sigma(double c, Scheduler scheduler) {
        checkScale(c);
        return named("g=" + c + " sigma_t", t -> c * scheduler.sigma(t));
    }

    private static void checkScale(double c) {
        if (!(c >= 0) || Double.isInfinite(c)) {
            throw new IllegalArgumentException("a diffusion coefficient's scale must be finite and >= 0, got " + c);
        }
    }

    private static DiffusionCoefficient named(String name, DiffusionCoefficient g) {
        return new DiffusionCoefficient() {
            @Override
            public double at(double t) {
                return g.at(t);
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
