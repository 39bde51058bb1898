package dev.flowmatching.path;

import ai.djl.ndarray.NDArray;

/**
 * The cosine scheduler: a quarter turn from noise to data,
 * <pre>
 *   alpha_t = sin(pi t / 2),   sigma_t = cos(pi t / 2),
 *   dalpha_t = (pi / 2) cos(pi t / 2),   dsigma_t = -(pi / 2) sin(pi t / 2),
 * </pre>
 * so alpha_t^2 + sigma_t^2 = 1: a variance-preserving path (independent x0, x1 of unit variance give x_t of
 * unit variance) that spends more of its time near the ends than the linear path does (Nichol and Dhariwal
 * 2021, "Improved DDPM"; Lipman et al. 2024, "Flow Matching Guide and Code", {@code CosineScheduler}).
 *
 * <p>Endpoints: alpha_0 = 0, sigma_0 = 1, alpha_1 = 1 exactly in double; sigma_1 = cos(pi / 2) is 6e-17 in
 * double and about -4e-8 in float32, not an exact 0.
 *
 * <pre>{@code
 * AffinePath path = new AffinePath(new CosineScheduler());
 * }</pre>
 */
public final class CosineScheduler implements Scheduler {
    private static final double HALF_PI = Math.PI / 2;

    @Override
    public double alpha(double t) {
        return Math.sin(HALF_PI * t);
    }

    @Override
    public double sigma(double t) {
        return Math.cos(HALF_PI * t);
    }

    @Override
    public double dAlpha(double t) {
        return HALF_PI * Math.cos(HALF_PI * t);
    }

    @Override
    public double dSigma(double t) {
        return -HALF_PI * Math.sin(HALF_PI * t);
    }

    @Override
    public NDArray alpha(NDArray t) {
        return t.mul((float) HALF_PI).sin();
    }

    @Override
    public NDArray sigma(NDArray t) {
        return t.mul((float) HALF_PI).cos();
    }

    @Override
    public NDArray dAlpha(NDArray t) {
        return t.mul((float) HALF_PI).cos().mul((float) HALF_PI);
    }

    @Override
    public NDArray dSigma(NDArray t) {
        return t.mul((float) HALF_PI).sin().mul((float) -HALF_PI);
    }

    @Override
    public String name() {
        return "cosine";
    }
}
