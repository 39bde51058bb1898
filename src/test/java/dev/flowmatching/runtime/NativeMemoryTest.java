package dev.flowmatching.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.Reference;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

class NativeMemoryTest {

    @Test
    void theManagerOfADroppedOwnerIsClosedAndThatOfAKeptOneIsNot() {
        Object kept = new Object();
        NDManager keptManager = NDManager.newBaseManager();
        NDArray keptArray = keptManager.ones(new Shape(4));
        NativeMemory.track(kept, keptManager);
        NDManager droppedManager = NDManager.newBaseManager();
        NDArray droppedArray = droppedManager.ones(new Shape(1000));
        NativeMemory.track(new Object(), droppedManager); // nothing refers to this owner
        assertTrue(NativeMemory.reclaim() >= 1);
        assertFalse(droppedManager.isOpen());
        assertTrue(droppedArray.isReleased());
        assertTrue(keptManager.isOpen());
        assertEquals(4f, keptArray.sum().getFloat());
        Reference.reachabilityFence(kept);
        keptManager.close();
    }

    @Test
    void managersClosedByTheirOwnersCostNoCollection() {
        NDManager m = NDManager.newBaseManager();
        Object owner = new Object();
        NativeMemory.track(owner, m);
        m.close();
        NativeMemory.reclaim(); // forgets the closed one
        assertEquals(0, NativeMemory.reclaim(), "nothing open is tracked for this owner any more");
        Reference.reachabilityFence(owner);
    }
}
