package dev.flowmatching.path;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * The variance-preserving (VP) scheduler: the path of the VP SDE of DDPM / score SDEs (Ho et al. 2020; Song
 * et al. 2021) with the linear noise rate beta(s) = beta_min + s (beta_max - beta_min), s in [0, 1] running
 * from data to noise, put on flow matching's clock t = 1 - s (Lipman et al. 2023, "Flow Matching for
 * Generative Modeling", Sec. 4.1, Example I; facebookresearch/flow_matching's {@code VPScheduler}):
 * <pre>
 *   T(s)     = int_0^s beta = s beta_min + s^2 (beta_max - beta_min) / 2
 *   alpha_t  = exp(-T(1 - t) / 2),            sigma_t  = sqrt(1 - alpha_t^2) = sqrt(1 - exp(-T(1 - t)))
 *   dalpha_t = alpha_t beta(1 - t) / 2,       dsigma_t = -alpha_t^2 beta(1 - t) / (2 sigma_t)
 * </pre>
 * so alpha_t^2 + sigma_t^2 = 1 at every t.
 *
 * <p>Endpoints: the data end is exact, alpha_1 = 1 and sigma_1 = 0; the noise end is not:
 * alpha_0 = exp(-T(1) / 2) = exp(-(beta_min + beta_max) / 4), which is 0.0066 with the defaults (0.1, 20),
 * and sigma_0 = sqrt(1 - alpha_0^2) = 0.99998. x_0 is therefore noise plus 0.0066 x1, close to but not exactly
 * the source. dsigma_t diverges as t approaches 1 (sigma_t ~ sqrt(beta_min (1 - t))): dsigma_1 = -infinity,
 * so draw training times from [0, 1) (as {@link UniformTime} does).
 *
 * <p>The tensor forms compute in float64 and return the input's data type: 1 - exp(-T) loses all its digits
 * in float32 near t = 1 (the scalar form uses {@code expm1}).
 *
 * <pre>{@code
 * AffinePath path = new AffinePath(new VpScheduler());          // beta_min = 0.1, beta_max = 20
 * AffinePath gentle = new AffinePath(new VpScheduler(0.1, 10));
 * }</pre>
 */
public final class VpScheduler implements Scheduler {
    public static final double DEFAULT_BETA_MIN = 0.1;
    public static final double DEFAULT_BETA_MAX = 20;

    private final double betaMin;
    private final double betaMax;

    /** beta_min = 0.1, beta_max = 20, as in DDPM, score SDEs and the Flow Matching paper. */
    public VpScheduler() {
        this(DEFAULT_BETA_MIN, DEFAULT_BETA_MAX);
    }

    public VpScheduler(double betaMin, double betaMax) {
        if (!(betaMin > 0) || !(betaMax >= betaMin) || !Double.isFinite(betaMax)) {
            throw new IllegalArgumentException("VP scheduler needs 0 < beta_min <= beta_max < infinity, got beta_min="
                    + betaMin + ", beta_max=" + betaMax);
        }
        this.betaMin = betaMin;
        this.betaMax = betaMax;
    }

    public double betaMin() {
        return betaMin;
    }

    public double betaMax() {
        return betaMax;
    }

    /** T(1 - t): the integrated noise rate from the data end back to time t. */
    private double bigT(double t) {
        double s = 1 - t;
        return s * betaMin + 0.5 * s * s * (betaMax - betaMin);
    }

    /** beta(1 - t). */
    private double beta(double t) {
        return betaMin + (1 - t) * (betaMax - betaMin);
    }

    @Override
    public double alpha(double t) {
        return Math.exp(-0.5 * bigT(t));
    }

    @Override
    public double sigma(double t) {
        return Math.sqrt(-Math.expm1(-bigT(t)));
    }

    @Override
    public double dAlpha(double t) {
        return 0.5 * beta(t) * alpha(t);
    }

    @Override
    public double dSigma(double t) {
        return -0.5 * beta(t) * Math.exp(-bigT(t)) / sigma(t);
    }

    @Override
    public NDArray alpha(NDArray t) {
        return bigT(t).mul(-0.5).exp().toType(t.getDataType(), false);
    }

    @Override
    public NDArray sigma(NDArray t) {
        return sigma64(bigT(t)).toType(t.getDataType(), false);
    }

    @Override
    public NDArray dAlpha(NDArray t) {
        NDArray bigT = bigT(t);
        return beta(t).mul(0.5).mul(bigT.mul(-0.5).exp()).toType(t.getDataType(), false);
    }

    @Override
    public NDArray dSigma(NDArray t) {
        NDArray bigT = bigT(t);
        return beta(t).mul(-0.5).mul(bigT.neg().exp()).div(sigma64(bigT)).toType(t.getDataType(), false);
    }

    /** sqrt(1 - exp(-T)) in float64. */
    private static NDArray sigma64(NDArray bigT) {
        return bigT.neg().exp().neg().add(1.0).sqrt();
    }

    /** T(1 - t) in float64. */
    private NDArray bigT(NDArray t) {
        NDArray s = t.toType(DataType.FLOAT64, false).neg().add(1.0);
        return s.mul(betaMin).add(s.square().mul(0.5 * (betaMax - betaMin)));
    }

    /** beta(1 - t) in float64. */
    private NDArray beta(NDArray t) {
        return t.toType(DataType.FLOAT64, false).neg().add(1.0).mul(betaMax - betaMin).add(betaMin);
    }

    @Override
    public String name() {
        return betaMin == DEFAULT_BETA_MIN && betaMax == DEFAULT_BETA_MAX
                ? "vp" : "vp(beta_min=" + betaMin + ", beta_max=" + betaMax + ")";
    }
}
