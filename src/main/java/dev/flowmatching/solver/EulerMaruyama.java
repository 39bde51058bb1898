package dev.flowmatching.solver;

import ai.djl.ndarray.NDArray;

import dev.flowmatching.path.Scheduler;
import dev.flowmatching.path.VelocityConversions;
import dev.flowmatching.runtime.Rng;

/**
 * Stochastic sampling with the marginals of the flow: Euler-Maruyama (Kloeden and Platen 1992, Sec. 9.1) on
 * <pre>
 *   dx = (v(x, t) + g(t)^2 / 2 score(x, t)) dt + g(t) dW.
 * </pre>
 * Why the marginals stay those of the ODE dx = v dt: its Fokker-Planck equation is
 * dp/dt = -div(p v) - g^2/2 div(p grad log p) + g^2/2 lap p, and p grad log p = grad p makes the last two terms
 * cancel, leaving the continuity equation of the flow (Song et al. 2021, "Score-Based Generative Modeling through
 * SDEs", eq. 13 and App. D.1; Albergo, Boffi and Vanden-Eijnden 2023, "Stochastic Interpolants", Sec. 2.3; Ma et
 * al. 2024, "SiT", eq. 6). Integrating backwards (t1 < t0, data to noise) flips the score term's sign:
 * dx = (v - g^2/2 score) dt + g dW with dt < 0.
 *
 * <p>One step of size h from t: x + h (v + sign(h) g(t)^2 / 2 score) + g(t) sqrt(|h|) z, z ~ N(0, I) drawn
 * through the run's {@link Rng}. Where g(t) = 0 the step is exactly {@link Euler}'s, in the same arithmetic, with
 * no score and no draw: with g = 0 the sampler gives Euler's numbers bit for bit. Every step is stochastic,
 * the last included; a g that vanishes at t = 1 ({@link DiffusionCoefficient#bridge},
 * {@link DiffusionCoefficient#sigma}) makes the last steps nearly deterministic. NFE counts the velocity
 * evaluations (one per step); a {@link ScoreField} derived from the velocity costs none, a separate score network
 * would cost its own, which are not counted here. Weak order 1: the error in expectations halves as the steps
 * double. Stability: on a Gaussian marginal of variance S^2 the score term pulls x towards the mean by
 * h g^2 / (2 S^2) per step, so a large g with few steps overshoots (g = 2, 5 steps, target std 0.5 ends far off).
 *
 * <pre>{@code
 * Rng rng = new Rng(7);
 * OdeSolver sde = EulerMaruyama.forScheduler(scheduler, DiffusionCoefficient.constant(1), rng);
 * Solution s = sde.solve(model, noise, 0, 1, 100, true);         // score from the velocity, N(0, I) source
 * Solution t = new EulerMaruyama(g, (v, x, tt) -> flow.score(x, tt), rng).solve(flow, noise, 100);
 * }</pre>
 */
public final class EulerMaruyama extends FixedStepSolver {
    private final DiffusionCoefficient g;
    private final ScoreField score;
    private final Rng rng;

    /** @param score the score at (x, t), given the velocity there; its evaluations are not counted in NFE */
    public EulerMaruyama(DiffusionCoefficient g, ScoreField score, Rng rng) {
        if (g == null || score == null || rng == null) {
            throw new IllegalArgumentException("EulerMaruyama needs a diffusion coefficient, a score and an Rng, got"
                    + " g = " + g + ", score = " + score + ", rng = " + rng);
        }
        this.g = g;
        this.score = score;
        this.rng = rng;
    }

    /**
     * The score from the velocity on the scheduler's path, score = -x0_hat / sigma_t
     * ({@link VelocityConversions#scoreFromVelocity}); right only for a N(0, I) source independent of the data.
     */
    public static EulerMaruyama forScheduler(Scheduler scheduler, DiffusionCoefficient g, Rng rng) {
        return new EulerMaruyama(g, new VelocityConversions(scheduler)::scoreFromVelocity, rng);
    }

    public DiffusionCoefficient diffusion() {
        return g;
    }

    @Override
    protected NDArray step(VelocityField v, NDArray x, double t, double h, Counter nfe) {
        double gt = g.at(t);
        if (!(gt >= 0) || Double.isInfinite(gt)) {
            throw new IllegalArgumentException(name() + ": g(t) must be finite and >= 0, got g(" + t + ") = " + gt);
        }
        NDArray vel = eval(v, x, t, nfe);
        if (gt == 0) {
            return x.add(vel.mul(h)); // Euler's step, operation for operation
        }
        NDArray s = score.at(vel, x, VelocityField.times(x, t));
        if (!s.getShape().equals(x.getShape())) {
            throw new IllegalStateException("the score returned shape " + s.getShape() + " for a state of shape "
                    + x.getShape());
        }
        NDArray drift = vel.add(s.mul(Math.signum(h) * gt * gt / 2));
        NDArray noise = rng.normal(x.getManager(), x.getShape()).toType(x.getDataType(), false);
        return x.add(drift.muli(h)).addi(noise.muli(gt * Math.sqrt(Math.abs(h))));
    }

    @Override
    public String name() {
        return "Euler-Maruyama(" + g.name() + ")";
    }
}
