package dev.flowmatching.coupling;

/**
 * Sinkhorn's iterations did not bring the marginal error down to the tolerance within the allowed number of
 * iterations. Small epsilons need many more iterations (roughly 1/epsilon): raise epsilon or the iteration
 * limit, or loosen the tolerance.
 */
public final class SinkhornNotConvergedException extends IllegalStateException {
    private final double epsilon;
    private final int iterations;
    private final double marginalError;

    public SinkhornNotConvergedException(double epsilon, double absoluteEpsilon, int iterations,
            double marginalError, double tolerance) {
        super("Sinkhorn did not converge: epsilon " + epsilon + " (" + absoluteEpsilon
                + " in cost units, epsilon x the mean cost), after " + iterations
                + " iterations the marginal error is " + marginalError + " > tolerance " + tolerance
                + ". Raise epsilon or maxIterations, or loosen the tolerance.");
        this.epsilon = epsilon;
        this.iterations = iterations;
        this.marginalError = marginalError;
    }

    /** The relative epsilon of the coupling. */
    public double epsilon() {
        return epsilon;
    }

    public int iterations() {
        return iterations;
    }

    /** The L1 row marginal error after the last iteration. */
    public double marginalError() {
        return marginalError;
    }
}
