package dev.flowmatching.notebook;

import java.util.Arrays;
import java.util.Base64;
import java.util.function.LongSupplier;

import dev.flowmatching.train.StepInfo;
import dev.flowmatching.train.TrainingListener;
import dev.flowmatching.train.TrainingResult;
import dev.flowmatching.viz.Curves;
import dev.flowmatching.viz.Plot;

/**
 * The live view of a training run: one notebook output, replaced in place, never a new line per step.
 * It shows a progress bar with step / total, the smoothed loss, steps per second and the time left,
 * refreshed at most every {@value #TEXT_EVERY_MS} ms, and the loss curve, redrawn every few seconds. When
 * training ends (or is interrupted) the output becomes a static summary with the final curve.
 *
 * <pre>{@code
 * trainer.train(steps, rng, new LiveTraining("MLP, Gaussian pair"));
 * }</pre>
 */
public final class LiveTraining implements TrainingListener {
    static final long TEXT_EVERY_MS = 500;
    static final long CURVE_EVERY_MS = 3000;
    private static final double EMA_BETA = 0.98;

    private final String title;
    private final LongSupplier clockNanos;
    private String displayId;
    private float[] losses = new float[0];
    private int count;
    private double ema;
    private double emaCorrection = 1;
    private long lastText;
    private long lastCurve;
    private String curveImg = "";
    private StepInfo last;

    public LiveTraining(String title) {
        this(title, System::nanoTime);
    }

    /** With a clock, so tests can drive time. */
    LiveTraining(String title, LongSupplier clockNanos) {
        this.title = title;
        this.clockNanos = clockNanos;
    }

    @Override
    public void onStart(int totalSteps) {
        losses = new float[Math.max(totalSteps, 1)];
        count = 0;
        long now = clockNanos.getAsLong();
        lastText = now;
        lastCurve = now;
        displayId = Display.showUpdatable(MimeBundle.text(title + ": starting " + totalSteps + " steps")
                .withHtml(html(0, totalSteps, "starting", "")));
    }

    @Override
    public void onStep(StepInfo info) {
        if (count == losses.length) {
            losses = Arrays.copyOf(losses, 2 * losses.length);
        }
        losses[count++] = info.loss();
        ema = EMA_BETA * ema + (1 - EMA_BETA) * info.loss();
        emaCorrection *= EMA_BETA;
        last = info;
        long now = clockNanos.getAsLong();
        boolean curveDue = now - lastCurve >= CURVE_EVERY_MS * 1_000_000L;
        if (now - lastText < TEXT_EVERY_MS * 1_000_000L && !curveDue) {
            return;
        }
        lastText = now;
        if (curveDue) {
            lastCurve = now;
            curveImg = "<img src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(curve().png()) + "\"/>";
        }
        Display.update(displayId, MimeBundle.text(status(info)).withHtml(html(info.step(), info.totalSteps(), status(info), curveImg)));
    }

    @Override
    public void onEnd(TrainingResult result) {
        if (displayId == null) {
            return;
        }
        String summary = String.format("%s: %s %d steps in %.1f s (%s), final smoothed loss %.4f", title,
                result.interrupted() ? "stopped by you after" : "done,", result.steps(), result.seconds(),
                rate(result.stepsPerSecond()), smoothedLoss());
        if (result.interrupted()) {
            summary += "; the model keeps what it learned so far";
        }
        MimeBundle bundle = MimeBundle.text(summary);
        if (count > 0) {
            byte[] png = curve().png();
            bundle = bundle.withHtml(html(result.steps(), last.totalSteps(), summary,
                    "<img src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(png) + "\"/>")).withPng(png);
        }
        Display.update(displayId, bundle);
    }

    /** The losses of every step so far. */
    public float[] losses() {
        return Arrays.copyOf(losses, count);
    }

    private double smoothedLoss() {
        return count == 0 ? Double.NaN : ema / (1 - emaCorrection);
    }

    private String status(StepInfo info) {
        double rate = info.step() / Math.max(info.seconds(), 1e-9);
        double eta = (info.totalSteps() - info.step()) / Math.max(rate, 1e-9);
        return String.format("step %d / %d | loss %.4f (smoothed) | %s | %s left", info.step(),
                info.totalSteps(), smoothedLoss(), rate(rate), duration(eta));
    }

    /** Steps per second, or seconds per step when a step takes longer than a second (image models on a CPU). */
    static String rate(double stepsPerSecond) {
        if (stepsPerSecond >= 10) {
            return String.format("%.0f steps/s", stepsPerSecond);
        }
        if (stepsPerSecond >= 1) {
            return String.format("%.1f steps/s", stepsPerSecond);
        }
        return String.format("%.1f s/step", 1 / Math.max(stepsPerSecond, 1e-9));
    }

    private Plot curve() {
        float[] l = losses();
        return new Plot(title + ": training loss", "step", "loss (log scale)").size(560, 300).logY()
                .line("loss per step", Curves.steps(count), Curves.toDouble(l))
                .line("smoothed", Curves.steps(count), Curves.ema(l, EMA_BETA));
    }

    private static String html(int step, int total, String status, String img) {
        return "<div style=\"font-family:monospace\"><progress value=\"" + step + "\" max=\"" + Math.max(total, 1)
                + "\" style=\"width:320px;vertical-align:middle\"></progress> " + Notebook.escape(status) + "</div>" + img;
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
