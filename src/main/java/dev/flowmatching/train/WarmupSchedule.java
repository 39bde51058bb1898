package dev.flowmatching.train;

import ai.djl.training.tracker.Tracker;

/**
 * Linear learning-rate warm-up, then constant: {@code lr(n) = peak * min(1, n / warmup)} for update n >= 1.
 * Small first steps keep Adam's early, badly estimated second moments from throwing the weights far.
 */
public final class WarmupSchedule implements Tracker {
    private final float peak;
    private final int warmup;

    public WarmupSchedule(float peak, int warmup) {
        if (!(peak > 0) || !Float.isFinite(peak)) {
            throw new IllegalArgumentException("learning rate must be a finite number > 0, got " + peak);
        }
        if (warmup < 0) {
            throw new IllegalArgumentException("warm-up steps must be >= 0, got " + warmup);
        }
        this.peak = peak;
        this.warmup = warmup;
    }

    @Override
    public float getNewValue(int numUpdate) {
        return warmup == 0 ? peak : peak * Math.min(1f, (float) numUpdate / warmup);
    }
}
