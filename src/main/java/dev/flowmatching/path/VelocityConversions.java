package dev.flowmatching.path;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The four things a network on an affine path can predict, and how to turn one into another: the velocity v,
 * the data (target) prediction x1_hat = E[x1 | x_t], the noise (source, "epsilon") prediction x0_hat = E[x0 | x_t]
 * and the score grad log p_t (Lipman et al. 2024, "Flow Matching Guide and Code", Sec. 4.8; Song et al. 2021,
 * "Score-Based Generative Modeling through SDEs"; Kingma et al. 2021, "Variational Diffusion Models").
 *
 * <p>Derivation. On the path x_t = alpha_t x1 + sigma_t x0 the marginal velocity is the posterior mean of the
 * conditional one, and x_t is known given itself, so
 * <pre>
 *   x = alpha x1_hat + sigma x0_hat,     v = dalpha x1_hat + dsigma x0_hat.
 * </pre>
 * Solving this 2x2 system with D = alpha dsigma - sigma dalpha (negative for every scheduler here):
 * <pre>
 *   x1_hat = (dsigma x - sigma v) / D,            x0_hat = (alpha v - dalpha x) / D,
 *   v = (dsigma / sigma) x - (D / sigma) x1_hat   = (dalpha / alpha) x + (D / alpha) x0_hat.
 * </pre>
 * Linear (D = -1): x1_hat = x + (1 - t) v, x0_hat = x - t v. Cosine: D = -pi/2 at every t.
 * VP: D = -alpha beta(1 - t) / (2 sigma), infinite at t = 1 where the velocity itself is.
 *
 * <p>Score. If the source is N(0, I) and independent of x1 (the independent coupling, not an OT coupling),
 * p_t(x) = int N(x; alpha x1, sigma^2 I) p(x1) dx1 and Tweedie's formula gives
 * grad log p_t(x) = E[-(x - alpha x1) / sigma^2 | x_t = x] = -E[sigma x0 | x_t = x] / sigma^2, so
 * <pre>
 *   score = -x0_hat / sigma,     v = (dalpha / alpha) x - (D sigma / alpha) score.
 * </pre>
 * For another source (notebook 01's N((0, -5), I), or a coupled batch) the score formulas are wrong; the
 * velocity/x1_hat/x0_hat ones hold for any source and coupling.
 *
 * <p>Ends. A conversion divides by D, sigma_t (score, from x1_hat) or alpha_t (from x0_hat or the score). When
 * that divisor is below {@value #MIN_COEFFICIENT} in magnitude, or a coefficient is not finite, it throws,
 * naming t and the coefficient, instead of clamping: a clamp would return a wrong number without a word. So the
 * score is undefined at t = 1 (sigma_1 = 0) and v from x0_hat or the score at t = 0 (alpha_0 = 0); the
 * velocity -> x1_hat / x0_hat conversions work at both ends for the linear and cosine schedulers.
 *
 * <p>Each conversion is an elementwise {@code a x + b p}; a and b are computed on the host in double from the
 * scalar scheduler (a tensor t of shape (B) is read back once per call, one (a, b) per row).
 *
 * <pre>{@code
 * VelocityConversions c = new VelocityConversions(new CosineScheduler());
 * NDArray v = model.at(x, t);
 * NDArray x1Hat = c.targetFromVelocity(v, x, t);      // the denoised guess
 * NDArray score = c.scoreFromVelocity(v, x, t);       // standard normal source only
 * NDArray back = c.velocityFromTarget(x1Hat, x, t);   // = v up to rounding
 * }</pre>
 */
public final class VelocityConversions {
    /** The smallest |divisor| (D, sigma_t or alpha_t) a conversion accepts. */
    public static final double MIN_COEFFICIENT = 1e-6;

    private final Scheduler scheduler;

    public VelocityConversions(Scheduler scheduler) {
        if (scheduler == null) {
            throw new IllegalArgumentException("VelocityConversions needs a scheduler, got null");
        }
        this.scheduler = scheduler;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /** x1_hat = (dsigma x - sigma v) / D. */
    public NDArray targetFromVelocity(NDArray v, NDArray x, double t) {
        return combine(x, v, coefficients(Conversion.TARGET_FROM_VELOCITY, t));
    }

    /** x0_hat = (alpha v - dalpha x) / D: the noise ("epsilon") prediction. */
    public NDArray sourceFromVelocity(NDArray v, NDArray x, double t) {
        return combine(x, v, coefficients(Conversion.SOURCE_FROM_VELOCITY, t));
    }

    /** score = -x0_hat / sigma; needs a N(0, I) source independent of x1 and sigma_t > 0. */
    public NDArray scoreFromVelocity(NDArray v, NDArray x, double t) {
        return combine(x, v, coefficients(Conversion.SCORE_FROM_VELOCITY, t));
    }

    /** v = (dsigma / sigma) x - (D / sigma) x1_hat; needs sigma_t > 0. */
    public NDArray velocityFromTarget(NDArray x1Hat, NDArray x, double t) {
        return combine(x, x1Hat, coefficients(Conversion.VELOCITY_FROM_TARGET, t));
    }

    /** v = (dalpha / alpha) x + (D / alpha) x0_hat; needs alpha_t > 0. */
    public NDArray velocityFromSource(NDArray x0Hat, NDArray x, double t) {
        return combine(x, x0Hat, coefficients(Conversion.VELOCITY_FROM_SOURCE, t));
    }

    /** v = (dalpha / alpha) x - (D sigma / alpha) score; needs a N(0, I) source and alpha_t > 0. */
    public NDArray velocityFromScore(NDArray score, NDArray x, double t) {
        return combine(x, score, coefficients(Conversion.VELOCITY_FROM_SCORE, t));
    }

    /** {@link #targetFromVelocity(NDArray, NDArray, double)} with one t per row (t of shape (B)). */
    public NDArray targetFromVelocity(NDArray v, NDArray x, NDArray t) {
        return combine(x, v, t, Conversion.TARGET_FROM_VELOCITY);
    }

    /** {@link #sourceFromVelocity(NDArray, NDArray, double)} with one t per row. */
    public NDArray sourceFromVelocity(NDArray v, NDArray x, NDArray t) {
        return combine(x, v, t, Conversion.SOURCE_FROM_VELOCITY);
    }

    /** {@link #scoreFromVelocity(NDArray, NDArray, double)} with one t per row. */
    public NDArray scoreFromVelocity(NDArray v, NDArray x, NDArray t) {
        return combine(x, v, t, Conversion.SCORE_FROM_VELOCITY);
    }

    /** {@link #velocityFromTarget(NDArray, NDArray, double)} with one t per row. */
    public NDArray velocityFromTarget(NDArray x1Hat, NDArray x, NDArray t) {
        return combine(x, x1Hat, t, Conversion.VELOCITY_FROM_TARGET);
    }

    /** {@link #velocityFromSource(NDArray, NDArray, double)} with one t per row. */
    public NDArray velocityFromSource(NDArray x0Hat, NDArray x, NDArray t) {
        return combine(x, x0Hat, t, Conversion.VELOCITY_FROM_SOURCE);
    }

    /** {@link #velocityFromScore(NDArray, NDArray, double)} with one t per row. */
    public NDArray velocityFromScore(NDArray score, NDArray x, NDArray t) {
        return combine(x, score, t, Conversion.VELOCITY_FROM_SCORE);
    }

    /** Which prediction goes in, which comes out, and what it divides by. */
    private enum Conversion {
        TARGET_FROM_VELOCITY("x1_hat from the velocity", "D = alpha dsigma - sigma dalpha"),
        SOURCE_FROM_VELOCITY("x0_hat from the velocity", "D = alpha dsigma - sigma dalpha"),
        SCORE_FROM_VELOCITY("the score from the velocity", "sigma_t"),
        VELOCITY_FROM_TARGET("the velocity from x1_hat", "sigma_t"),
        VELOCITY_FROM_SOURCE("the velocity from x0_hat", "alpha_t"),
        VELOCITY_FROM_SCORE("the velocity from the score", "alpha_t");

        final String what;
        final String divisor;

        Conversion(String what, String divisor) {
            this.what = what;
            this.divisor = divisor;
        }
    }

    /** {a, b} with output = a x + b prediction, at time t; throws at an end where the divisor vanishes. */
    private double[] coefficients(Conversion c, double t) {
        double a = scheduler.alpha(t);
        double s = scheduler.sigma(t);
        double da = scheduler.dAlpha(t);
        double ds = scheduler.dSigma(t);
        double d = a * ds - s * da;
        double[] out = switch (c) {
            case TARGET_FROM_VELOCITY -> new double[] {ds / d, -s / d};
            case SOURCE_FROM_VELOCITY -> new double[] {-da / d, a / d};
            case SCORE_FROM_VELOCITY -> new double[] {da / (s * d), -a / (s * d)};
            case VELOCITY_FROM_TARGET -> new double[] {ds / s, -d / s};
            case VELOCITY_FROM_SOURCE -> new double[] {da / a, d / a};
            case VELOCITY_FROM_SCORE -> new double[] {da / a, -d * s / a};
        };
        double divisor = switch (c) {
            case TARGET_FROM_VELOCITY, SOURCE_FROM_VELOCITY -> d;
            case SCORE_FROM_VELOCITY, VELOCITY_FROM_TARGET -> s;
            case VELOCITY_FROM_SOURCE, VELOCITY_FROM_SCORE -> a;
        };
        if (!(Math.abs(divisor) >= MIN_COEFFICIENT) || !Double.isFinite(out[0]) || !Double.isFinite(out[1])) {
            throw new IllegalArgumentException(String.format("%s is undefined at t = %s for the %s scheduler: it"
                    + " divides by %s = %s (|%s| must be >= %s and the coefficients finite; alpha_t = %s,"
                    + " sigma_t = %s, dalpha_t = %s, dsigma_t = %s)", c.what, t, scheduler.name(), c.divisor,
                    divisor, c.divisor, MIN_COEFFICIENT, a, s, da, ds));
        }
        return out;
    }

    private NDArray combine(NDArray x, NDArray p, double[] ab) {
        checkSameShape(x, p);
        return x.mul(ab[0]).add(p.mul(ab[1]));
    }

    private NDArray combine(NDArray x, NDArray p, NDArray t, Conversion c) {
        checkSameShape(x, p);
        long batch = x.getShape().get(0);
        if (!t.getShape().equals(new Shape(batch))) {
            throw new IllegalArgumentException("t must have shape (" + batch + ") to match the batch, got "
                    + t.getShape());
        }
        double[] ts = t.toType(DataType.FLOAT64, false).toDoubleArray();
        double[] a = new double[ts.length];
        double[] b = new double[ts.length];
        for (int i = 0; i < ts.length; i++) {
            double[] ab = coefficients(c, ts[i]);
            a[i] = ab[0];
            b[i] = ab[1];
        }
        int dims = x.getShape().dimension();
        NDArray ax = AffinePath.broadcastable(x.getManager().create(a).toType(x.getDataType(), false), dims);
        NDArray bp = AffinePath.broadcastable(x.getManager().create(b).toType(x.getDataType(), false), dims);
        return x.mul(ax).add(p.mul(bp));
    }

    private static void checkSameShape(NDArray x, NDArray p) {
        if (!x.getShape().equals(p.getShape())) {
            throw new IllegalArgumentException("the prediction must have the shape of x: x is " + x.getShape()
                    + ", the prediction is " + p.getShape());
        }
        if (x.getShape().dimension() < 2) {
            throw new IllegalArgumentException("x must be a batch of shape (B, ...), got " + x.getShape());
        }
    }
}
