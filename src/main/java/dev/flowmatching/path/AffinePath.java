package dev.flowmatching.path;

import java.util.Arrays;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * The affine conditional path of a {@link Scheduler}:
 * <pre>
 *   x_t = alpha_t x1 + sigma_t x0,        u_t = dalpha_t x1 + dsigma_t x0
 * </pre>
 * u_t is the conditional velocity d x_t / dt; flow matching regresses a network on it.
 *
 * <pre>{@code
 * AffinePath path = new AffinePath(new LinearScheduler());
 * PathSample s = path.sample(x0, x1, t);   // x0, x1: (B, ...), t: (B)
 * NDArray loss = model(s.xt(), s.t()).sub(s.velocity()).square().mean();
 * }</pre>
 */
public final class AffinePath {
    private final Scheduler scheduler;

    public AffinePath(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /** Draws x_t and u_t for a batch of pairs (x0[i], x1[i]) at times t[i]. */
    public PathSample sample(NDArray x0, NDArray x1, NDArray t) {
        checkShapes(x0, x1, t);
        NDArray tb = broadcastable(t, x0.getShape().dimension());
        if (scheduler instanceof LinearScheduler linear) {
            // The same formulas with fewer temporaries: u = x1 - (1 - sigma_min) x0, x_t = x0 + t u.
            double sigmaMin = linear.sigmaMin();
            NDArray u = sigmaMin == 0 ? x1.sub(x0) : x1.sub(x0.mul((float) (1 - sigmaMin)));
            return new PathSample(x0.add(u.mul(tb)), u, t);
        }
        NDArray xt = scheduler.alpha(tb).mul(x1).add(scheduler.sigma(tb).mul(x0));
        NDArray u = scheduler.dAlpha(tb).mul(x1).add(scheduler.dSigma(tb).mul(x0));
        return new PathSample(xt, u, t);
    }

    /** t of shape (B) reshaped to (B, 1, ..., 1) so that it multiplies a (B, ...) batch row by row. */
    static NDArray broadcastable(NDArray t, int dims) {
        long[] shape = new long[dims];
        Arrays.fill(shape, 1);
        shape[0] = t.getShape().get(0);
        return t.reshape(new Shape(shape));
    }

    static void checkShapes(NDArray x0, NDArray x1, NDArray t) {
        if (!x0.getShape().equals(x1.getShape())) {
            throw new IllegalArgumentException("x0 and x1 must have the same shape: x0 is " + x0.getShape()
                    + ", x1 is " + x1.getShape());
        }
        if (x0.getShape().dimension() < 2) {
            throw new IllegalArgumentException("x0 must be a batch of shape (B, ...), got " + x0.getShape());
        }
        long batch = x0.getShape().get(0);
        if (!t.getShape().equals(new Shape(batch))) {
            throw new IllegalArgumentException("t must have shape (" + batch + ") to match the batch, got "
                    + t.getShape());
        }
    }
}
