package dev.flowmatching.path;

import java.util.Arrays;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.data.Gaussian;
import dev.flowmatching.solver.VelocityField;

/**
 * The exact marginal flow from one diagonal Gaussian to another on an affine path: the velocity a perfectly
 * trained network would learn, with its score and posterior means, all in closed form. A reference for solvers,
 * samplers and conversions.
 *
 * <p>Source x0 ~ N(m0, diag s0^2), target x1 ~ N(m1, diag s1^2), independent, x_t = alpha_t x1 + sigma_t x0.
 * Then x_t is Gaussian too, per dimension
 * <pre>
 *   m_t = alpha m1 + sigma m0,            S_t^2 = alpha^2 s1^2 + sigma^2 s0^2,
 * </pre>
 * and since (x0, x1, x_t) are jointly Gaussian, every posterior mean is linear in x (E[y | x] = E y +
 * Cov(y, x_t) / S_t^2 (x - m_t)):
 * <pre>
 *   v(x, t)    = E[dalpha x1 + dsigma x0 | x_t = x] = dm_t + (dS_t / S_t) (x - m_t),
 *                with dS_t / S_t = (alpha dalpha s1^2 + sigma dsigma s0^2) / S_t^2,
 *   E[x1 | x]  = m1 + (alpha s1^2 / S_t^2) (x - m_t),      E[x0 | x] = m0 + (sigma s0^2 / S_t^2) (x - m_t),
 *   score(x,t) = -(x - m_t) / S_t^2.
 * </pre>
 * This is the Gaussian-path velocity of Lipman et al. 2023 ("Flow Matching for Generative Modeling", Theorem 3),
 * here for the marginal, which is itself Gaussian. It keeps (x - m_t) / S_t constant along a trajectory, so the
 * ODE's exact solution is {@link #transport}: x_b = m_b + (S_b / S_a)(x_a - m_a).
 *
 * <p>Any diagonal source works here (notebook 01's N((0, -5), I) included); {@link VelocityConversions}'s score
 * formula needs the source N(0, I). A point x of shape (B, d); t of shape (B), read back to the host, where the
 * per-row coefficients are computed in double. At a t where a coefficient is not finite (VP at t = 1, where
 * dsigma is infinite) the velocity throws, naming t.
 *
 * <pre>{@code
 * GaussianMarginalFlow flow = GaussianMarginalFlow.of(new LinearScheduler(), source, target);
 * Solution s = new Euler().solve(flow, source.sample(manager, 500, rng), 20);
 * NDArray exact = flow.transport(start, 0, 1);        // where each point should have landed
 * NDArray score = flow.score(x, t);
 * }</pre>
 */
public final class GaussianMarginalFlow implements VelocityField {
    private final Scheduler scheduler;
    private final double[] m0;
    private final double[] s0;
    private final double[] m1;
    private final double[] s1;

    /** Source N(sourceMean, diag sourceStd^2) to target N(targetMean, diag targetStd^2); every std > 0. */
    public GaussianMarginalFlow(Scheduler scheduler, double[] sourceMean, double[] sourceStd, double[] targetMean,
            double[] targetStd) {
        if (scheduler == null) {
            throw new IllegalArgumentException("GaussianMarginalFlow needs a scheduler, got null");
        }
        int d = sourceMean.length;
        if (d == 0 || sourceStd.length != d || targetMean.length != d || targetStd.length != d) {
            throw new IllegalArgumentException("means and stds must have one common, non-zero length: source mean "
                    + d + ", source std " + sourceStd.length + ", target mean " + targetMean.length
                    + ", target std " + targetStd.length);
        }
        for (int i = 0; i < d; i++) {
            if (!Double.isFinite(sourceMean[i]) || !Double.isFinite(targetMean[i])) {
                throw new IllegalArgumentException("means must be finite, got " + Arrays.toString(sourceMean)
                        + " and " + Arrays.toString(targetMean));
            }
            if (!(sourceStd[i] > 0) || !(targetStd[i] > 0) || Double.isInfinite(sourceStd[i] + targetStd[i])) {
                throw new IllegalArgumentException("stds must be finite and > 0, got source "
                        + Arrays.toString(sourceStd) + " and target " + Arrays.toString(targetStd));
            }
        }
        this.scheduler = scheduler;
        this.m0 = sourceMean.clone();
        this.s0 = sourceStd.clone();
        this.m1 = targetMean.clone();
        this.s1 = targetStd.clone();
    }

    /** N(0, I) to N(targetMean, targetStd^2 I): the case {@link VelocityConversions}' score formula covers. */
    public static GaussianMarginalFlow standardSource(Scheduler scheduler, double[] targetMean, double targetStd) {
        double[] ones = new double[targetMean.length];
        double[] std = new double[targetMean.length];
        Arrays.fill(ones, 1);
        Arrays.fill(std, targetStd);
        return new GaussianMarginalFlow(scheduler, new double[targetMean.length], ones, targetMean, std);
    }

    /** From two {@link Gaussian}s with diagonal covariances. */
    public static GaussianMarginalFlow of(Scheduler scheduler, Gaussian source, Gaussian target) {
        return new GaussianMarginalFlow(scheduler, source.mean(), diagonalStd(source, "source"), target.mean(),
                diagonalStd(target, "target"));
    }

    private static double[] diagonalStd(Gaussian g, String which) {
        double[][] cov = g.cov();
        double[] std = new double[cov.length];
        for (int i = 0; i < cov.length; i++) {
            for (int j = 0; j < cov.length; j++) {
                if (i != j && cov[i][j] != 0) {
                    throw new IllegalArgumentException("GaussianMarginalFlow needs diagonal covariances; the " + which
                            + " has cov[" + i + "][" + j + "] = " + cov[i][j]);
                }
            }
            std[i] = Math.sqrt(cov[i][i]);
        }
        return std;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public int dimension() {
        return m0.length;
    }

    /** m_t: the mean of x_t. */
    public double[] mean(double t) {
        Coefficients c = new Coefficients(t);
        double[] m = new double[m0.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = c.a * m1[i] + c.s * m0[i];
        }
        return m;
    }

    /** S_t: the standard deviation of x_t, per dimension. */
    public double[] std(double t) {
        Coefficients c = new Coefficients(t);
        double[] std = new double[m0.length];
        for (int i = 0; i < std.length; i++) {
            std[i] = Math.sqrt(c.variance(i));
        }
        return std;
    }

    /** The marginal p_t = N(m_t, diag S_t^2) as a {@link Gaussian}, e.g. to sample VP's x_0. */
    public Gaussian marginal(double t) {
        double[] std = std(t);
        double[][] cov = new double[std.length][std.length];
        for (int i = 0; i < std.length; i++) {
            cov[i][i] = std[i] * std[i];
        }
        return new Gaussian(mean(t), cov);
    }

    /** The marginal velocity dm_t + (dS_t / S_t)(x - m_t). */
    @Override
    public NDArray at(NDArray x, NDArray t) {
        return affine(x, t, (c, i) -> {
            double k = (c.a * c.da * s1[i] * s1[i] + c.s * c.ds * s0[i] * s0[i]) / c.variance(i);
            return new double[] {k, c.da * m1[i] + c.ds * m0[i] - k * c.mean(i)};
        });
    }

    /** grad log p_t(x) = -(x - m_t) / S_t^2. */
    public NDArray score(NDArray x, NDArray t) {
        return affine(x, t, (c, i) -> new double[] {-1 / c.variance(i), c.mean(i) / c.variance(i)});
    }

    /** E[x1 | x_t = x] = m1 + (alpha s1^2 / S_t^2)(x - m_t): the ideal data prediction. */
    public NDArray targetPosteriorMean(NDArray x, NDArray t) {
        return affine(x, t, (c, i) -> {
            double k = c.a * s1[i] * s1[i] / c.variance(i);
            return new double[] {k, m1[i] - k * c.mean(i)};
        });
    }

    /** E[x0 | x_t = x] = m0 + (sigma s0^2 / S_t^2)(x - m_t): the ideal noise prediction. */
    public NDArray sourcePosteriorMean(NDArray x, NDArray t) {
        return affine(x, t, (c, i) -> {
            double k = c.s * s0[i] * s0[i] / c.variance(i);
            return new double[] {k, m0[i] - k * c.mean(i)};
        });
    }

    /** The exact solution of the flow ODE from time {@code from} to {@code to}: m_to + (S_to / S_from)(x - m_from). */
    public NDArray transport(NDArray x, double from, double to) {
        checkPoints(x);
        Coefficients a = new Coefficients(from);
        Coefficients b = new Coefficients(to);
        double[] k = new double[m0.length];
        double[] c = new double[m0.length];
        for (int i = 0; i < k.length; i++) {
            k[i] = Math.sqrt(b.variance(i) / a.variance(i));
            c[i] = b.mean(i) - k[i] * a.mean(i);
        }
        NDArray kk = x.getManager().create(k).toType(x.getDataType(), false);
        NDArray cc = x.getManager().create(c).toType(x.getDataType(), false);
        return x.mul(kk).add(cc);
    }

    /** alpha, sigma and their derivatives at one t, with the marginal's mean and variance per dimension. */
    private final class Coefficients {
        final double a;
        final double s;
        final double da;
        final double ds;

        Coefficients(double t) {
            this.a = scheduler.alpha(t);
            this.s = scheduler.sigma(t);
            this.da = scheduler.dAlpha(t);
            this.ds = scheduler.dSigma(t);
        }

        double mean(int i) {
            return a * m1[i] + s * m0[i];
        }

        double variance(int i) {
            return a * a * s1[i] * s1[i] + s * s * s0[i] * s0[i];
        }
    }

    /** {k, c} for output = k x + c in dimension i. */
    @FunctionalInterface
    private interface Affine {
        double[] of(Coefficients c, int i);
    }

    /** out[b, i] = k(t_b, i) x[b, i] + c(t_b, i), with k and c computed in double on the host. */
    private NDArray affine(NDArray x, NDArray t, Affine f) {
        checkPoints(x);
        int batch = (int) x.getShape().get(0);
        if (!t.getShape().equals(new Shape(batch))) {
            throw new IllegalArgumentException("t must have shape (" + batch + ") to match the batch, got "
                    + t.getShape());
        }
        double[] ts = t.toType(DataType.FLOAT64, false).toDoubleArray();
        int d = m0.length;
        double[] k = new double[batch * d];
        double[] c = new double[batch * d];
        for (int b = 0; b < batch; b++) {
            Coefficients co = new Coefficients(ts[b]);
            for (int i = 0; i < d; i++) {
                double[] kc = f.of(co, i);
                if (!Double.isFinite(kc[0]) || !Double.isFinite(kc[1])) {
                    throw new IllegalArgumentException("the Gaussian flow is not finite at t = " + ts[b] + " for the "
                            + scheduler.name() + " scheduler (alpha_t = " + co.a + ", sigma_t = " + co.s
                            + ", dalpha_t = " + co.da + ", dsigma_t = " + co.ds + ")");
                }
                k[b * d + i] = kc[0];
                c[b * d + i] = kc[1];
            }
        }
        Shape shape = new Shape(batch, d);
        NDArray kk = x.getManager().create(k, shape).toType(x.getDataType(), false);
        NDArray cc = x.getManager().create(c, shape).toType(x.getDataType(), false);
        return x.mul(kk).add(cc);
    }

    private void checkPoints(NDArray x) {
        if (x.getShape().dimension() != 2 || x.getShape().get(1) != m0.length) {
            throw new IllegalArgumentException("expected points of shape (B, " + m0.length + "), got " + x.getShape());
        }
    }
}
