package dev.flowmatching.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Doubles the resolution: nearest-neighbour 2x (each pixel repeated into a 2 x 2 patch), then a 3x3
 * convolution, {@code (B, C, H, W) -> (B, C, 2H, 2W)} (as in Ho et al. 2020). Used instead of a transposed
 * convolution, which DJL's PyTorch engine does not implement, and which tends to leave checkerboard artefacts.
 * <pre>{@code
 * var up = new Upsample(64);   // (B, 64, 7, 7) -> (B, 64, 14, 14)
 * }</pre>
 */
public final class Upsample extends AbstractBlock {
    private static final byte VERSION = 1;

    private final int channels;
    private final Conv2d conv;

    public Upsample(int channels) {
        super(VERSION);
        this.channels = channels;
        conv = addChildBlock("conv", Layers.conv(channels, 3, 1));
    }

    /** Nearest-neighbour 2x: out[b, c, i, j] = x[b, c, i / 2, j / 2] (libtorch's interpolation, mode 0). */
    static NDArray nearest2x(NDArray x) {
        Shape s = x.getShape();
        return x.getNDArrayInternal().interpolation(new long[] {2 * s.get(2), 2 * s.get(3)}, 0, false);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Layers.requireImage("Upsample(" + channels + ")", x.getShape(), channels);
        NDArray doubled = nearest2x(x);
        return new NDList(Layers.free(Layers.run(conv, ps, doubled, training), doubled));
    }

    /** This block of {@code x} in a {@link ScriptWriter}: nearest 2x (as {@link #nearest2x}), then the convolution. */
    String script(ScriptWriter s, String x) {
        String size = s.let(x + ".size()");
        return s.conv(conv, s.let("torch.upsample_nearest2d(" + x + ", [2 * " + size + "[2], 2 * " + size + "[3]])"));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape x = inputShapes[0];
        return new Shape[] {new Shape(x.get(0), channels, 2 * x.get(2), 2 * x.get(3))};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Layers.requireImage("Upsample(" + channels + ")", inputShapes[0], channels);
        conv.initialize(manager, dataType, getOutputShapes(inputShapes)[0]);
    }
}
