package dev.flowmatching.train;

/**
 * The loss or the gradient became NaN or infinite. Training stops before that step's update, so the model
 * keeps the weights of the last good step.
 */
public final class TrainingDivergedException extends RuntimeException {
    private final int step;
    private final float lastFiniteLoss;

    public TrainingDivergedException(String what, int step, float value, float lastFiniteLoss, int lastFiniteStep) {
        super(what + " became " + value + " at step " + step
                + (lastFiniteStep > 0 ? " (last finite loss " + lastFiniteLoss + " at step " + lastFiniteStep + ")"
                        : " (no finite loss before it)")
                + "; the weights of the last good step are kept. Try a lower learning rate or gradient clipping.");
        this.step = step;
        this.lastFiniteLoss = lastFiniteLoss;
    }

    public int step() {
        return step;
    }

    public float lastFiniteLoss() {
        return lastFiniteLoss;
    }
}
