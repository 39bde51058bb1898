package dev.flowmatching.metric;

import ai.djl.training.tracker.Tracker;

/**
 * Cosine decay of the learning rate from its peak to {@value #FINAL_LR_SHARE} of it over the steps of one call
 * to {@code ImageClassifier.train}: a short run ends with small steps, which settles the accuracy. DJL's
 * optimizer asks with its own update count, so the window is placed after the updates made before.
 */
final class CosineDecay implements Tracker {
    /** The learning rate ends at this share of its peak. */
    static final float FINAL_LR_SHARE = 0.05f;

    private float peak = 1e-3f;
    private int first;
    private int steps = 1;

    /** The next {@code steps} updates, after {@code updatesBefore} earlier ones, decay from {@code peak}. */
    void window(float peak, int updatesBefore, int steps) {
        this.peak = peak;
        this.first = updatesBefore + 1;
        this.steps = Math.max(1, steps);
    }

    @Override
    public float getNewValue(int numUpdate) {
        double progress = Math.min(1, Math.max(0, (numUpdate - first) / (double) Math.max(1, steps - 1)));
        double share = FINAL_LR_SHARE + (1 - FINAL_LR_SHARE) * 0.5 * (1 + Math.cos(Math.PI * progress));
        return (float) (peak * share);
    }
}
