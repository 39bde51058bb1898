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
 * Multi-head self-attention over the spatial positions of a feature map, as in the ADM UNet (Dhariwal and
 * Nichol 2021; attention of Vaswani et al. 2017). With T = H W positions and d = C / heads channels per head:
 * <pre>
 *   [Q; K; V] = W_qkv GN(x)                      (a 1x1 convolution to 3C channels: Q, K, V, each split in heads)
 *   O_h = V_h softmax(K_h^T Q_h / sqrt(d))^T     (per head: position i attends to every position j)
 *   y = x + W_out O                               (W_out, a 1x1 convolution, starts at zero)
 * </pre>
 * Channel layout: Q is channels [0, C), K [C, 2C), V [2C, 3C); head h owns channels [h d, (h + 1) d) of each.
 * The zero-initialised output projection makes a new block the identity. Cost grows with T^2, so the UNet
 * uses it only at low resolutions.
 *
 * <p>Input and output: {@code (B, C, H, W)}.
 * <pre>{@code
 * var attention = new SelfAttention(128, 4, 32);   // 4 heads of 32 channels, GroupNorm with 32 groups
 * }</pre>
 */
public final class SelfAttention extends AbstractBlock {
    private static final byte VERSION = 1;

    private final int channels;
    private final int heads;
    private final GroupNorm norm;
    private final Conv2d qkv;
    private final Conv2d out;

    public SelfAttention(int channels, int heads, int groups) {
        super(VERSION);
        if (heads < 1 || channels % heads != 0) {
            throw new IllegalArgumentException("SelfAttention: channels (" + channels + ") must be divisible by heads ("
                    + heads + ")");
        }
        this.channels = channels;
        this.heads = heads;
        norm = addChildBlock("norm", new GroupNorm(groups, channels));
        qkv = addChildBlock("qkv", Layers.conv(3 * channels, 1, 1));
        out = addChildBlock("out", Layers.zeroConv(channels, 1));
    }

    public int heads() {
        return heads;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Layers.requireImage("SelfAttention(" + channels + ")", x.getShape(), channels);
        return new NDList(Layers.scoped(() -> attend(ps, x, training), x));
    }

    private NDArray attend(ParameterStore ps, NDArray x, boolean training) {
        Shape s = x.getShape();
        long batch = s.get(0);
        long positions = s.get(2) * s.get(3);
        int d = channels / heads;
        NDArray h = Layers.run(qkv, ps, Layers.run(norm, ps, x, training), training);
        NDList parts = h.reshape(batch, 3L * channels, positions).split(3, 1);
        NDArray q = parts.get(0).reshape(batch * heads, d, positions);
        NDArray k = parts.get(1).reshape(batch * heads, d, positions);
        NDArray v = parts.get(2).reshape(batch * heads, d, positions);
        // weights[i, j]: how much position i attends to position j; rows sum to 1.
        NDArray weights = q.transpose(0, 2, 1).matMul(k).mul(1 / Math.sqrt(d)).softmax(-1);
        NDArray attended = v.matMul(weights.transpose(0, 2, 1)).reshape(s);
        return x.add(Layers.run(out, ps, attended, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        Layers.requireImage("SelfAttention(" + channels + ")", x, channels);
        norm.initialize(manager, dataType, x);
        qkv.initialize(manager, dataType, x);
        out.initialize(manager, dataType, x);
    }
}
