package dev.flowmatching.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.flowmatching.train.StepInfo;
import dev.flowmatching.train.TrainingResult;

class LiveTrainingTest {
    @RegisterExtension
    final RecordingSink recorder = new RecordingSink();
    private final long[] now = {0};

    private LiveTraining run(int steps, boolean interrupted) {
        LiveTraining live = new LiveTraining("test run", () -> now[0]);
        live.onStart(steps);
        for (int i = 1; i <= steps; i++) {
            now[0] += 10_000_000L; // 10 ms a step
            live.onStep(new StepInfo(i, steps, 1f / i, 1e-3f, 1f, now[0] / 1e9));
        }
        live.onEnd(new TrainingResult(live.losses(), steps, interrupted, now[0] / 1e9));
        return live;
    }

    @Test
    void oneOutputIsUpdatedInPlaceAFewTimesASecond() {
        run(1000, false); // 10 s of training
        String id = recorder.calls.get(0).id();
        assertNotNull(id);
        assertEquals("display", recorder.calls.get(0).kind());
        assertTrue(recorder.calls.stream().skip(1).allMatch(c -> c.kind().equals("update") && id.equals(c.id())));
        int updates = recorder.calls.size() - 1;
        // every 500 ms over 10 s, plus the final summary: about 21, far fewer than 1000 steps
        assertTrue(updates >= 15 && updates <= 25, "updates: " + updates);
        long withCurve = recorder.calls.stream().filter(c -> c.bundle().has(MimeBundle.HTML)
                && ((String) c.bundle().data().get(MimeBundle.HTML)).contains("<img")).count();
        assertTrue(withCurve >= 3, "the loss curve is redrawn every few seconds: " + withCurve);
        assertTrue(recorder.calls.get(10).bundle().plainText().matches("step \\d+ / 1000 \\| loss .* \\| 100 steps/s \\| .*s left"),
                recorder.calls.get(10).bundle().plainText());
    }

    @Test
    void theFinalOutputIsAStaticSummaryWithTheCurve() {
        run(50, false);
        MimeBundle last = recorder.calls.get(recorder.calls.size() - 1).bundle();
        assertTrue(last.has(MimeBundle.PNG), "the final summary carries the loss curve as PNG");
        assertTrue(last.plainText().contains("done, 50 steps"), last.plainText());
    }

    @Test
    void anInterruptionIsSaidPlainly() {
        run(5, true);
        MimeBundle last = recorder.calls.get(recorder.calls.size() - 1).bundle();
        assertTrue(last.plainText().contains("stopped by you after 5 steps"), last.plainText());
        assertTrue(last.plainText().contains("keeps what it learned"), last.plainText());
    }

    @Test
    void durationsReadLikeAClock() {
        assertEquals("42s", LiveTraining.duration(42));
        assertEquals("2m05s", LiveTraining.duration(125));
        assertEquals("1h01m", LiveTraining.duration(3660));
    }

    @Test
    void slowStepsShowSecondsPerStep() {
        assertEquals("100 steps/s", LiveTraining.rate(100));
        assertEquals("2.5 steps/s", LiveTraining.rate(2.5));
        assertEquals("4.0 s/step", LiveTraining.rate(0.25));
    }
}
