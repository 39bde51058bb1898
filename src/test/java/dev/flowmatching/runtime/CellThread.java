package dev.flowmatching.runtime;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Runs work on a new thread whose libtorch gradient mode is on, as it is on the thread a notebook kernel starts
 * for a cell after a minute idle or an interrupt (libtorch's default for a new thread; DJL switches it off only
 * on the thread that started the engine).
 */
public final class CellThread {
    private CellThread() {
    }

    public static <T> T call(Callable<T> work) {
        Torch.engine();
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                if (!JniUtils.isGradMode()) {
                    throw new AssertionError("a new thread should start with libtorch's gradient mode on");
                }
                result.set(work.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "cell-thread");
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (failure.get() instanceof RuntimeException e) {
            throw e;
        }
        if (failure.get() instanceof Error e) {
            throw e;
        }
        if (failure.get() != null) {
            throw new IllegalStateException(failure.get());
        }
        return result.get();
    }
}
