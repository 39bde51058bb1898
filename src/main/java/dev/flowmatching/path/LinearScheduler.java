package dev.flowmatching.path;

import ai.djl.ndarray.NDArray;

/**
 * The linear (conditional optimal transport, "CondOT") scheduler: alpha_t = t, sigma_t = 1 - t, so
 * {@code x_t = (1 - t) x0 + t x1} moves on the straight line from x0 to x1 at the constant velocity
 * {@code x1 - x0} (Lipman et al. 2023; Liu et al. 2023, "rectified flow").
 */
public final class LinearScheduler implements Scheduler {
    @Override
    public double alpha(double t) {
        return t;
    }

    @Override
    public double sigma(double t) {
        return 1 - t;
    }

    @Override
    public double dAlpha(double t) {
        return 1;
    }

    @Override
    public double dSigma(double t) {
        return -1;
    }

    @Override
    public NDArray alpha(NDArray t) {
        return t;
    }

    @Override
    public NDArray sigma(NDArray t) {
        return t.neg().add(1f);
    }

    @Override
    public NDArray dAlpha(NDArray t) {
        return t.onesLike();
    }

    @Override
    public NDArray dSigma(NDArray t) {
        return t.onesLike().neg();
    }

    @Override
    public String name() {
        return "linear";
    }
}
