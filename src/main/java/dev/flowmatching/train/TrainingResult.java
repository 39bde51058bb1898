package dev.flowmatching.train;

/**
 * The outcome of a call to {@link FlowMatchingTrainer#train}: the loss of every step taken, how many steps
 * were taken, whether the user interrupted it, and how long it took.
 */
public record TrainingResult(float[] losses, int steps, boolean interrupted, double seconds) {
    public float finalLoss() {
        return losses.length == 0 ? Float.NaN : losses[losses.length - 1];
    }

    public double stepsPerSecond() {
        return seconds > 0 ? steps / seconds : 0;
    }

    /** One readable line, as a notebook cell that ends in {@code train(...)} shows it. */
    @Override
    public String toString() {
        return String.format("%s%d steps in %.1f s (%.0f steps/s), final loss %.4g", interrupted ? "interrupted after " : "",
                steps, seconds, stepsPerSecond(), finalLoss());
    }
}
