package dev.flowmatching.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The residual block of the ADM UNet (Ho et al. 2020; Dhariwal and Nichol 2021), conditioned on an embedding e
 * of time (and label):
 * <pre>
 *   h = Conv3x3(SiLU(GN(x))) + W e + b          (the embedding broadcast over every position)
 *   h = Conv3x3_0(Dropout(SiLU(GN(h))))         (Conv3x3_0 starts at zero weights)
 *   y = skip(x) + h                             (skip: identity, or a 1x1 conv when the channels change)
 * </pre>
 * Because the last convolution starts at zero, a new block is the identity (or its 1x1 skip): a deep UNet
 * starts as a shallow one and trains stably. The embedding given here is expected already activated
 * (ADM applies SiLU to it before each block's linear map; the UNet does so once for all blocks).
 *
 * <p>Inputs: {@code NDList(x (B, in, H, W), e (B, E))}; output: {@code NDList(y (B, out, H, W))}.
 * <pre>{@code
 * var block = new ResBlock(64, 128, 256, 32, 0.1f);
 * block.initialize(manager, DataType.FLOAT32, new Shape(1, 64, 16, 16), new Shape(1, 256));
 * }</pre>
 */
public final class ResBlock extends AbstractBlock {
    private static final byte VERSION = 1;

    private final int in;
    private final int out;
    private final int embDim;
    private final float dropout;
    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final Linear embedding;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d skip;

    /**
     * @param in      input channels
     * @param out     output channels
     * @param embDim  size of the conditioning embedding e
     * @param groups  GroupNorm groups (must divide {@code in} and {@code out})
     * @param dropout dropout rate before the last convolution (0 = none)
     */
    public ResBlock(int in, int out, int embDim, int groups, float dropout) {
        super(VERSION);
        if (in < 1 || out < 1 || embDim < 1) {
            throw new IllegalArgumentException("ResBlock needs in, out, embDim >= 1, got in=" + in + ", out=" + out
                    + ", embDim=" + embDim);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("ResBlock: dropout must be in [0, 1), got " + dropout);
        }
        this.in = in;
        this.out = out;
        this.embDim = embDim;
        this.dropout = dropout;
        norm1 = addChildBlock("norm1", new GroupNorm(groups, in));
        conv1 = addChildBlock("conv1", Layers.conv(out, 3, 1));
        embedding = addChildBlock("embedding", Linear.builder().setUnits(out).build());
        norm2 = addChildBlock("norm2", new GroupNorm(groups, out));
        conv2 = addChildBlock("conv2", Layers.zeroConv(out, 3));
        skip = in == out ? null : addChildBlock("skip", Layers.conv(out, 1, 1));
    }

    public int inChannels() {
        return in;
    }

    public int outChannels() {
        return out;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray e = inputs.get(1);
        check(x.getShape(), e.getShape());
        return new NDList(Layers.scoped(() -> residual(ps, x, e, training), x, e));
    }

    private NDArray residual(ParameterStore ps, NDArray x, NDArray e, boolean training) {
        NDArray h = norm1.forwardSilu(ps, x, training);
        h = Layers.free(Layers.run(conv1, ps, h, training), h);
        NDArray shift = Layers.run(embedding, ps, e, training);
        // In place: a convolution's backward needs its input and weights, not its output.
        h.addi(shift.reshape(shift.getShape().get(0), out, 1, 1));
        h = Layers.free(norm2.forwardSilu(ps, h, training), h);
        if (dropout > 0) {
            h = Layers.free(Dropout.dropout(h, dropout, training).singletonOrThrow(), h);
        }
        h = Layers.free(Layers.run(conv2, ps, h, training), h);
        NDArray base = skip == null ? x : Layers.run(skip, ps, x, training);
        return h.addi(base); // in place, as above; base, when not x, goes with the scope
    }

    /**
     * This block of {@code x} and {@code e} in a {@link ScriptWriter}; the adds run in place on the convolutions'
     * fresh outputs, as {@link #residual} does (a convolution's backward needs its input, not its output).
     */
    String script(ScriptWriter s, String x, String e) {
        String h = s.conv(conv1, norm1.script(s, x, true));
        String shift = s.linear(embedding, e);
        h = s.let(h + ".add_(torch.unsqueeze(torch.unsqueeze(" + shift + ", 2), 3))");
        h = norm2.script(s, h, true);
        if (dropout > 0 && s.training()) {
            h = s.let("torch.dropout(" + h + ", " + ScriptWriter.number(dropout) + ", True)");
        }
        h = s.conv(conv2, h);
        String base = skip == null ? x : s.conv(skip, x);
        return s.let(h + ".add_(" + base + ")");
    }

    private void check(Shape x, Shape e) {
        Layers.requireImage("ResBlock(" + in + " -> " + out + ")", x, in);
        if (e.dimension() != 2 || e.get(0) != x.get(0) || e.get(1) != embDim) {
            throw new IllegalArgumentException("ResBlock expects an embedding of shape (" + x.get(0) + ", " + embDim
                    + "), got " + e);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {Layers.withChannels(inputShapes[0], out)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        check(x, inputShapes[1]);
        Shape h = Layers.withChannels(x, out);
        norm1.initialize(manager, dataType, x);
        conv1.initialize(manager, dataType, x);
        embedding.initialize(manager, dataType, inputShapes[1]);
        norm2.initialize(manager, dataType, h);
        conv2.initialize(manager, dataType, h);
        if (skip != null) {
            skip.initialize(manager, dataType, x);
        }
    }
}
