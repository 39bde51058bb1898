package dev.flowmatching.model;

import java.util.function.Supplier;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;

/** The convolutions the UNet is built from, and the small helpers its blocks share. */
final class Layers {
    private Layers() {
    }

    /** k x k convolution with "same" padding (odd k) and the given stride, with bias. */
    static Conv2d conv(int filters, int kernel, int stride) {
        return Conv2d.builder().setFilters(filters).setKernelShape(new Shape(kernel, kernel))
                .optPadding(new Shape(kernel / 2, kernel / 2)).optStride(new Shape(stride, stride)).build();
    }

    /** A k x k convolution whose weights start at zero: its block starts as the identity (or as v = 0). */
    static Conv2d zeroConv(int filters, int kernel) {
        Conv2d c = conv(filters, kernel, 1);
        c.setInitializer(Initializer.ZEROS, Parameter.Type.WEIGHT);
        return c;
    }

    /**
     * Runs {@code body} with its inputs attached to a fresh sub-manager, so every temporary it creates is freed on
     * return (as Python frees them by reference counting) and only the result stays with the caller's manager.
     * Safe under a GradientCollector: autograd keeps its own references to what backward needs.
     */
    static NDArray scoped(Supplier<NDArray> body, NDArray... inputs) {
        NDManager parent = inputs[0].getManager();
        try (NDManager scope = parent.newSubManager()) {
            for (NDArray a : inputs) {
                a.tempAttach(scope);
            }
            NDArray y = body.get();
            y.attach(parent);
            return y;
        }
    }

    /**
     * {@code result}, after closing {@code used}: temporaries the caller made and no longer needs. Freeing each as
     * soon as the next array exists keeps a pass to the few live buffers Python's reference counting would keep.
     */
    static NDArray free(NDArray result, NDArray... used) {
        for (NDArray a : used) {
            if (a != result) { // an op may hand back its input (dropout when not training)
                a.close();
            }
        }
        return result;
    }

    static NDArray run(Block block, ParameterStore ps, NDArray x, boolean training) {
        return block.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    /** x * sigmoid(x). */
    static NDArray silu(NDArray x) {
        return Activations.SILU.apply(x);
    }

    /** Shape of a (B, C, H, W) input after a block with {@code channels} outputs at the same resolution. */
    static Shape withChannels(Shape x, long channels) {
        return new Shape(x.get(0), channels, x.get(2), x.get(3));
    }

    static void requireImage(String who, Shape x, long channels) {
        if (x.dimension() != 4 || x.get(1) != channels) {
            throw new IllegalArgumentException(who + " expects x of shape (B, " + channels + ", H, W), got " + x);
        }
    }
}
