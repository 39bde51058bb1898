package dev.flowmatching.path;

import ai.djl.ndarray.NDArray;

/**
 * The linear (conditional optimal transport, "CondOT") scheduler: alpha_t = t, sigma_t = 1 - t, so
 * {@code x_t = (1 - t) x0 + t x1} moves on the straight line from x0 to x1 at the constant velocity
 * {@code x1 - x0} (Lipman et al. 2023; Liu et al. 2023, "rectified flow").
 *
 * <p>With {@code sigma_min > 0} it is the OT path of Lipman et al. 2023 (Sec. 4.1, Example II, eq. 20-22),
 * which ends in a small Gaussian around each data point instead of the point itself:
 * <pre>
 *   alpha_t = t,   sigma_t = 1 - (1 - sigma_min) t,   dalpha_t = 1,   dsigma_t = -(1 - sigma_min),
 *   x_t = t x1 + (1 - (1 - sigma_min) t) x0,          u_t = x1 - (1 - sigma_min) x0.
 * </pre>
 * Its endpoints are alpha_0 = 0, sigma_0 = 1, alpha_1 = 1, and sigma_1 = sigma_min (not 0).
 *
 * <pre>{@code
 * AffinePath condOt = new AffinePath(new LinearScheduler());      // sigma_min = 0
 * AffinePath lipman = new AffinePath(new LinearScheduler(1e-4));  // sigma_t ends at 1e-4
 * }</pre>
 */
public final class LinearScheduler implements Scheduler {
    private final double sigmaMin;

    /** sigma_min = 0: the straight line from x0 to x1. */
    public LinearScheduler() {
        this(0);
    }

    /** sigma_1 = sigmaMin, in [0, 1). */
    public LinearScheduler(double sigmaMin) {
        if (!(sigmaMin >= 0 && sigmaMin < 1)) {
            throw new IllegalArgumentException("linear scheduler needs 0 <= sigma_min < 1, got sigma_min=" + sigmaMin);
        }
        this.sigmaMin = sigmaMin;
    }

    /** The noise scale left at t = 1. */
    public double sigmaMin() {
        return sigmaMin;
    }

    @Override
    public double alpha(double t) {
        return t;
    }

    @Override
    public double sigma(double t) {
        return 1 - (1 - sigmaMin) * t;
    }

    @Override
    public double dAlpha(double t) {
        return 1;
    }

    @Override
    public double dSigma(double t) {
        return -(1 - sigmaMin);
    }

    @Override
    public NDArray alpha(NDArray t) {
        return t;
    }

    @Override
    public NDArray sigma(NDArray t) {
        return sigmaMin == 0 ? t.neg().add(1f) : t.mul((float) -(1 - sigmaMin)).add(1f);
    }

    @Override
    public NDArray dAlpha(NDArray t) {
        return t.onesLike();
    }

    @Override
    public NDArray dSigma(NDArray t) {
        return sigmaMin == 0 ? t.onesLike().neg() : t.onesLike().mul((float) -(1 - sigmaMin));
    }

    @Override
    public String name() {
        return sigmaMin == 0 ? "linear" : "linear(sigma_min=" + sigmaMin + ")";
    }
}
