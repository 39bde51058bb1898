package dev.flowmatching.train;

/**
 * What one training step did. {@code step} counts from 1 to {@code totalSteps}; {@code gradNorm} is the
 * global gradient norm before clipping; {@code seconds} is the wall time since training started.
 */
public record StepInfo(int step, int totalSteps, float loss, float learningRate, float gradNorm, double seconds) {
}
