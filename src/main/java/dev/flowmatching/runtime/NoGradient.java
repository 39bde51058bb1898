package dev.flowmatching.runtime;

import java.util.function.Supplier;

import ai.djl.pytorch.jni.JniUtils;

/**
 * A scope in which libtorch records nothing for autograd, as PyTorch's {@code torch.no_grad()}; closing it puts
 * back the thread's previous mode, so scopes nest and a GradientCollector inside one still records.
 *
 * <p>Why the library needs it: libtorch's gradient mode belongs to a thread and starts <em>on</em> in every new
 * thread, and DJL switches it off only on the thread that started the engine. A notebook kernel runs cells on a
 * pool thread that it replaces after about a minute idle or an interrupted cell (seen with JJava). Without a scope,
 * a cell run after a pause records autograd graphs while sampling (a 10-step UNet Euler run added 1.7-2.1 GB
 * instead of under 0.1 GB, chained across the solver's steps) and fails in the optimizer's in-place update ("a leaf
 * Variable that requires grad is being used in an in-place operation"). So every call that samples, evaluates, or
 * writes weights in place opens one.
 * <pre>{@code
 * try (NoGradient off = NoGradient.begin()) {
 *     ... inference ...
 * }
 * }</pre>
 */
public final class NoGradient implements AutoCloseable {
    private final boolean previous;

    private NoGradient() {
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
    }

    /** Switches recording off on this thread until {@link #close()}. */
    public static NoGradient begin() {
        Torch.engine(); // the native library must be loaded before its flag is touched
        return new NoGradient();
    }

    /** {@code work}'s result, computed with recording off. */
    public static <T> T run(Supplier<T> work) {
        try (NoGradient off = begin()) {
            return work.get();
        }
    }

    /** Restores the mode this thread had when the scope began. */
    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
