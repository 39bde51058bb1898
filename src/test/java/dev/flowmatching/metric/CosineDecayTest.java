package dev.flowmatching.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CosineDecayTest {
    @Test
    void decaysFromThePeakToItsFinalShareOverTheWindow() {
        CosineDecay d = new CosineDecay();
        d.window(2f, 0, 11);
        assertEquals(2f, d.getNewValue(1), 1e-6f);
        assertEquals(2f * (0.05f + 0.95f * 0.5f), d.getNewValue(6), 1e-6f); // half-way
        assertEquals(2f * 0.05f, d.getNewValue(11), 1e-6f);
        assertEquals(2f * 0.05f, d.getNewValue(50), 1e-6f, "stays at the floor past the window");
        d.window(1f, 11, 5); // a second call to train: starts again at the peak
        assertEquals(1f, d.getNewValue(12), 1e-6f);
        assertEquals(0.05f, d.getNewValue(16), 1e-6f);
    }
}
