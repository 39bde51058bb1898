package dev.flowmatching.train;

/** Called by the training loop: to show progress, record history, or stop early. */
public interface TrainingListener {
    default void onStart(int totalSteps) {
    }

    void onStep(StepInfo info);

    /** Called once at the end, also after an interruption or a divergence. */
    default void onEnd(TrainingResult result) {
    }
}
