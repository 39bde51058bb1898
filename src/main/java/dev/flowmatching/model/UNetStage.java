package dev.flowmatching.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One step of the UNet's path: an optional residual block, optional self-attention after it, and an optional
 * resampling (Downsample or Upsample) last. Inputs {@code NDList(h, e)}; output {@code NDList(h')}.
 */
final class UNetStage extends AbstractBlock {
    private static final byte VERSION = 1;

    private final ResBlock res;
    private final SelfAttention attention;
    private final Block resample;

    UNetStage(ResBlock res, SelfAttention attention, Block resample) {
        super(VERSION);
        this.res = res == null ? null : addChildBlock("res", res);
        this.attention = attention == null ? null : addChildBlock("attention", attention);
        this.resample = resample == null ? null : addChildBlock(resample instanceof Upsample ? "up" : "down", resample);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray h = x;
        if (res != null) {
            h = res.forward(ps, new NDList(h, inputs.get(1)), training).singletonOrThrow();
        }
        if (attention != null) {
            h = next(h, Layers.run(attention, ps, h, training), x);
        }
        if (resample != null) {
            h = next(h, Layers.run(resample, ps, h, training), x);
        }
        return new NDList(h);
    }

    /** This stage of {@code h} and {@code e} in a {@link ScriptWriter}. */
    String script(ScriptWriter s, String h, String e) {
        if (res != null) {
            h = res.script(s, h, e);
        }
        if (attention != null) {
            h = attention.script(s, h);
        }
        if (resample instanceof Upsample u) {
            h = u.script(s, h);
        } else if (resample instanceof Downsample d) {
            h = d.script(s, h);
        }
        return h;
    }

    /** {@code result}, closing {@code previous} unless it is the stage's input, which belongs to the caller. */
    private static NDArray next(NDArray previous, NDArray result, NDArray input) {
        return previous == input ? result : Layers.free(result, previous);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape h = inputShapes[0];
        if (res != null) {
            h = res.getOutputShapes(new Shape[] {h, inputShapes[1]})[0];
        }
        return resample == null ? new Shape[] {h} : resample.getOutputShapes(new Shape[] {h});
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape h = inputShapes[0];
        if (res != null) {
            res.initialize(manager, dataType, h, inputShapes[1]);
            h = res.getOutputShapes(new Shape[] {h, inputShapes[1]})[0];
        }
        if (attention != null) {
            attention.initialize(manager, dataType, h);
        }
        if (resample != null) {
            resample.initialize(manager, dataType, h);
        }
    }
}
