package dev.flowmatching.solver;

import dev.flowmatching.path.Scheduler;

/**
 * The diffusion coefficient g(t) of the sampling SDE dx = (v + g^2/2 score) dt + g dW (see {@link EulerMaruyama}):
 * how much fresh noise is injected at time t. Any g keeps the marginals of the flow; g = 0 is the ODE.
 *
 * <p>Families, each scaled by c >= 0. With a score from the velocity, score = -x0_hat / sigma_t (x0_hat the
 * predicted noise, O(1)), so the drift's extra term g^2/2 score = -g^2 x0_hat / (2 sigma_t) is governed by
 * g^2 / sigma_t as t -> 1:
 * <ul>
 *   <li>{@link #constant}: g = c; g^2 / sigma_t grows like 1 / sigma_t near the data (harmless for a target with a
 *       density, whose x0_hat vanishes with sigma_t; the last step's drift is O(c^2) for point-like data).</li>
 *   <li>{@link #bridge}: g = c sqrt(t (1 - t)), the Brownian bridge's profile: no noise at either end;
 *       g^2 / sigma_t stays bounded on the linear and cosine paths (sigma_t ~ 1 - t) and vanishes on VP's.</li>
 *   <li>{@link #sigma}: g = c sigma_t, following the path's noise level: g^2 / sigma_t = c^2 sigma_t -> 0.</li>
 * </ul>
 * Measured on N(0, I) -> N((2, -1), 0.25 I) with the exact velocity, W2 of the fitted Gaussian to the target
 * (20000 samples, sampling noise about 0.005), 5 / 10 steps: linear path, ODE (g = 0) 0.189 / 0.103, g = 1
 * 0.014 / 0.003, bridge(2) 0.016 / 0.017, sigma(2) 0.022 / 0.021, g = 2 1.36 / 0.199 (too big a step for the
 * score term); cosine, ODE 0.261 / 0.135, g = 1 0.196 / 0.094, bridge(2) 0.211 / 0.105; VP, ODE 0.109 / 0.065,
 * g = 1 0.225 / 0.097, sigma(1) 0.169 / 0.085. Noise helps most on the linear path, little on the cosine one,
 * and hurts on VP at few steps.
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
