package dev.flowmatching.path;

import ai.djl.ndarray.NDArray;

/**
 * The coefficients of an affine probability path {@code x_t = alpha_t x1 + sigma_t x0}, with x0 the source
 * (noise) sample, x1 the data sample, and t in [0, 1] running from source (t = 0) to data (t = 1), so
 * alpha_0 = 0, sigma_0 = 1, alpha_1 = 1, sigma_1 = 0 (Lipman et al., Flow Matching Guide and Code, 2024).
 * Some reach an end only approximately, and say so: {@link VpScheduler}'s alpha_0 is small but not 0, and
 * {@link LinearScheduler} with sigma_min keeps sigma_1 = sigma_min.
 *
 * <p>Each coefficient is given for a scalar t (for formulas, plots and tests) and for a tensor of times
 * (for training); the two must agree.
 */
public interface Scheduler {
    double alpha(double t);

    double sigma(double t);

    /** d alpha / dt. */
    double dAlpha(double t);

    /** d sigma / dt. */
    double dSigma(double t);

    NDArray alpha(NDArray t);

    NDArray sigma(NDArray t);

    NDArray dAlpha(NDArray t);

    NDArray dSigma(NDArray t);

    /** A short name for tables and legends, e.g. "linear". */
    String name();
}
