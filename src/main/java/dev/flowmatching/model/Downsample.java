package dev.flowmatching.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Halves the resolution with a learned 3x3 convolution of stride 2 and padding 1 (as in Ho et al. 2020):
 * {@code (B, C, H, W) -> (B, C, ceil(H/2), ceil(W/2))}. The UNet only feeds it even sizes, so that
 * {@link Upsample} restores them exactly.
 * <pre>{@code
 * var down = new Downsample(64);   // (B, 64, 28, 28) -> (B, 64, 14, 14)
 * }</pre>
 */
public final class Downsample extends AbstractBlock {
    private static final byte VERSION = 1;

    private final int channels;
    private final Conv2d conv;

    public Downsample(int channels) {
        super(VERSION);
        this.channels = channels;
        conv = addChildBlock("conv", Layers.conv(channels, 3, 2));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        Layers.requireImage("Downsample(" + channels + ")", inputs.singletonOrThrow().getShape(), channels);
        return conv.forward(ps, inputs, training);
    }

    /** This block of {@code x} in a {@link ScriptWriter}. */
    String script(ScriptWriter s, String x) {
        return s.conv(conv, x);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape x = inputShapes[0];
        return new Shape[] {new Shape(x.get(0), channels, (x.get(2) + 1) / 2, (x.get(3) + 1) / 2)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Layers.requireImage("Downsample(" + channels + ")", inputShapes[0], channels);
        conv.initialize(manager, dataType, inputShapes[0]);
    }
}
