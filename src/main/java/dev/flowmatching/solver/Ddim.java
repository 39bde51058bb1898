package dev.flowmatching.solver;

import ai.djl.ndarray.NDArray;

import dev.flowmatching.path.Scheduler;
import dev.flowmatching.path.VelocityConversions;

/**
 * The deterministic DDIM update (Song, Meng and Ermon 2021, "Denoising Diffusion Implicit Models", eq. 12 with
 * sigma = 0), written with a velocity: from (x, t) predict the data and the noise,
 * x1_hat = E[x1 | x_t] and x0_hat = E[x0 | x_t] ({@link VelocityConversions}), and put them back on the path at
 * the next time t' = t + h:
 * <pre>
 *   x_{t'} = alpha_{t'} x1_hat + sigma_{t'} x0_hat.
 * </pre>
 * What it equals. Divide by sigma: with z = x / sigma and kappa = alpha / sigma, x = alpha x1_hat + sigma x0_hat
 * reads z = kappa x1_hat + x0_hat, and along the exact flow dz/dkappa = x1_hat (differentiate:
 * d(x / sigma)/dt = (sigma v - dsigma x) / sigma^2 = -D x1_hat / sigma^2 and dkappa/dt = -D / sigma^2, with
 * D = alpha dsigma - sigma dalpha). The DDIM step z_{t'} = kappa_{t'} x1_hat + x0_hat = z_t + (kappa_{t'} -
 * kappa_t) x1_hat is Euler's method on that ODE in the time variable kappa = alpha/sigma (equivalently on
 * y = x / alpha in rho = sigma / alpha with slope x0_hat: the form of Song et al. 2021, eq. 14, and Karras et al.
 * 2022, "EDM", Sec. 3). It is exact when x1_hat does not change along the trajectory (a single data point).
 *
 * <p>Linear scheduler (alpha = t, sigma = 1 - (1 - sigma_min) t, D = -1): x1_hat = (1 - sigma_min) x + sigma_t v
 * and x0_hat = x - t v, so x_{t'} = t' ((1 - sigma_min) x + sigma_t v) + sigma_{t'} (x - t v)
 * = x (t' (1 - sigma_min) + sigma_{t'}) + v (t' sigma_t - t sigma_{t'}) = x + (t' - t) v: DDIM is Euler in t,
 * exactly, up to float rounding. For the cosine and VP schedulers kappa is not affine in t, so DDIM and Euler
 * in t differ (at first order in h both, by O(h^2) per step).
 *
 * <p>One velocity evaluation per step. The time t' is clamped into [0, 1], the domain of a scheduler, so that
 * rounding in t0 + k h cannot step past t = 1 (VP's sigma is NaN there).
 *
 * <pre>{@code
 * Solution s = new Ddim(new CosineScheduler()).solve(model, noise, 0, 1, 20, true);
 * }</pre>
 */
public final class Ddim extends FixedStepSolver {
    private final Scheduler scheduler;
    private final VelocityConversions conversions;

    public Ddim(Scheduler scheduler) {
        this.conversions = new VelocityConversions(scheduler);
        this.scheduler = scheduler;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    @Override
    protected NDArray step(VelocityField v, NDArray x, double t, double h, Counter nfe) {
        NDArray vel = eval(v, x, t, nfe);
        NDArray x1Hat = conversions.targetFromVelocity(vel, x, t);
        NDArray x0Hat = conversions.sourceFromVelocity(vel, x, t);
        double next = Math.min(1, Math.max(0, t + h));
        return x1Hat.muli(scheduler.alpha(next)).addi(x0Hat.muli(scheduler.sigma(next)));
    }

    @Override
    public String name() {
        return "DDIM";
    }
}
