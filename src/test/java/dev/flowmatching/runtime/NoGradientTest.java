package dev.flowmatching.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;

class NoGradientTest {

    @Test
    void scopesSwitchRecordingOffAndPutBackWhatTheThreadHad() {
        List<Boolean> seen = CellThread.call(() -> {
            List<Boolean> modes = new ArrayList<>();
            try (NoGradient outer = NoGradient.begin()) {
                modes.add(JniUtils.isGradMode());
                try (NoGradient inner = NoGradient.begin()) {
                    modes.add(JniUtils.isGradMode());
                }
                modes.add(JniUtils.isGradMode()); // the inner scope restores "off", not "on"
                try (GradientCollector gc = Torch.engine().newGradientCollector()) {
                    modes.add(JniUtils.isGradMode()); // training inside a scope still records
                }
                modes.add(JniUtils.isGradMode());
            }
            modes.add(JniUtils.isGradMode());
            return modes;
        });
        assertEquals(List.of(false, false, false, true, false, true), seen);
    }

    @Test
    void nothingComputedInsideCanBeDifferentiated() {
        String recorded = CellThread.call(() -> {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray w = m.ones(new Shape(3));
                w.setRequiresGradient(true);
                NDArray outside = w.mul(2).sum(); // the thread records: backward works
                try (GradientCollector gc = Torch.engine().newGradientCollector()) {
                    gc.backward(outside);
                }
                NDArray inside = NoGradient.run(() -> w.mul(2).sum());
                try (GradientCollector gc = Torch.engine().newGradientCollector()) {
                    return assertThrows(RuntimeException.class, () -> gc.backward(inside)).getMessage();
                }
            }
        });
        assertTrue(recorded.contains("does not require grad"), recorded);
    }
}
