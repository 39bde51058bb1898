package dev.flowmatching.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;

/** The convolutions the UNet is built from, and the small helpers its blocks share. */
final class Convs {
    private Convs() {
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
