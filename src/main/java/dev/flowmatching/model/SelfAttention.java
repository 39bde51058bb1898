package dev.flowmatching.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
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
 * <p><b>QK-normalisation</b> (optional): each head's query and key vectors are RMS-normalised over their d
 * channels (Zhang and Sennrich 2019) and scaled by learnable gains g_q, g_k (one per head and channel, start 1):
 * <pre>
 *   Q_h &lt;- g_q * Q_h / sqrt(mean_d(Q_h^2) + eps),   likewise K_h        (per position, eps = 1e-6)
 * </pre>
 * Then |Q_h[:, i]| = sqrt(d) at the start, so every logit lies in [-sqrt(d), sqrt(d)] whatever the weights
 * of W_qkv, and later within sqrt(d) max|g_q g_k|: the attention cannot collapse onto one position because
 * W_qkv grew, the attention-logit growth that Dehghani et al. 2023 ("Scaling Vision Transformers to 22
 * Billion Parameters") found destabilising training and removed by normalising Q and K (LayerNorm there;
 * RMSNorm as in Esser et al. 2024, Stable Diffusion 3; Henry et al. 2020, "Query-Key Normalization for
 * Transformers", use L2 normalisation with one learned temperature instead). The 1 / sqrt(d) is kept.
 *
 * <p>Input and output: {@code (B, C, H, W)}.
 * <pre>{@code
 * var attention = new SelfAttention(128, 4, 32);         // 4 heads of 32 channels, GroupNorm with 32 groups
 * var normalised = new SelfAttention(128, 4, 32, true);  // the same with QK-normalisation
 * }</pre>
 */
public final class SelfAttention extends AbstractBlock {
    private static final byte VERSION = 1;
    private static final float RMS_EPS = 1e-6f;

    private final int channels;
    private final int heads;
    private final GroupNorm norm;
    private final Conv2d qkv;
    private final Conv2d out;
    private final Parameter queryGain; // null without QK-normalisation
    private final Parameter keyGain;

    public SelfAttention(int channels, int heads, int groups) {
        this(channels, heads, groups, false);
    }

    public SelfAttention(int channels, int heads, int groups, boolean qkNorm) {
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
        queryGain = qkNorm ? addParameter(gain("queryGain")) : null;
        keyGain = qkNorm ? addParameter(gain("keyGain")) : null;
    }

    /** Shape (heads, d, 1): broadcasts over (B, heads, d, T) as it is, so no per-step reshape of a weight. */
    private Parameter gain(String name) {
        return Parameter.builder().setName(name).setType(Parameter.Type.GAMMA)
                .optShape(new Shape(heads, channels / heads, 1)).build();
    }

    public int heads() {
        return heads;
    }

    public boolean qkNorm() {
        return queryGain != null;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Layers.requireImage("SelfAttention(" + channels + ")", x.getShape(), channels);
        return new NDList(Layers.scoped(() -> attend(ps, x, training), x));
    }

    private NDArray attend(ParameterStore ps, NDArray x, boolean training) {
        NDList qkvHeads = queriesKeysValues(ps, x, training);
        // weights[i, j]: how much position i attends to position j; rows sum to 1.
        NDArray weights = logits(qkvHeads.get(0), qkvHeads.get(1)).softmax(-1);
        NDArray attended = qkvHeads.get(2).matMul(weights.transpose(0, 2, 1)).reshape(x.getShape());
        return x.add(Layers.run(out, ps, attended, training));
    }

    /** This block of {@code x} in a {@link ScriptWriter}: {@link #attend}'s steps, op for op. */
    String script(ScriptWriter s, String x) {
        int d = channels / heads;
        String size = s.let(x + ".size()");
        String b = s.let(size + "[0]");
        String t = s.let(size + "[2] * " + size + "[3]");
        String h = s.conv(qkv, norm.script(s, x, false));
        String parts = s.let("torch.chunk(torch.reshape(" + h + ", [" + b + ", " + 3 * channels + ", " + t + "]), 3, 1)");
        String q = s.let("torch.reshape(" + parts + "[0], [" + b + ", " + heads + ", " + d + ", " + t + "])");
        String k = s.let("torch.reshape(" + parts + "[1], [" + b + ", " + heads + ", " + d + ", " + t + "])");
        String v = s.let("torch.reshape(" + parts + "[2], [" + b + " * " + heads + ", " + d + ", " + t + "])");
        if (qkNorm()) {
            q = rmsScript(s, q, queryGain);
            k = rmsScript(s, k, keyGain);
        }
        q = s.let("torch.reshape(" + q + ", [" + b + " * " + heads + ", " + d + ", " + t + "])");
        k = s.let("torch.reshape(" + k + ", [" + b + " * " + heads + ", " + d + ", " + t + "])");
        String logits = s.let("torch.mul(torch.matmul(torch.transpose(" + q + ", 1, 2), " + k + "), "
                + ScriptWriter.number(1 / Math.sqrt(d)) + ")");
        String weights = s.let("torch.softmax(" + logits + ", -1)");
        String attended = s.let("torch.reshape(torch.matmul(" + v + ", torch.transpose(" + weights + ", 1, 2)), " + size + ")");
        return s.let("torch.add(" + x + ", " + s.conv(out, attended) + ")");
    }

    /** {@link #rmsNormalise} in a {@link ScriptWriter}. */
    private static String rmsScript(ScriptWriter s, String a, Parameter gain) {
        String rms = s.let("torch.sqrt(torch.add(torch.mean(torch.square(" + a + "), [2], True), "
                + ScriptWriter.number(RMS_EPS) + "))");
        return s.let("torch.mul(torch.div(" + a + ", " + rms + "), " + s.param(gain) + ")");
    }

    /** Q, K and V as (B * heads, d, T), Q and K normalised with QK-norm; new arrays owned by x's manager. */
    NDList queriesKeysValues(ParameterStore ps, NDArray x, boolean training) {
        Shape s = x.getShape();
        long batch = s.get(0);
        long positions = s.get(2) * s.get(3);
        int d = channels / heads;
        NDArray h = Layers.run(qkv, ps, Layers.run(norm, ps, x, training), training);
        NDList parts = h.reshape(batch, 3L * channels, positions).split(3, 1);
        NDArray q = parts.get(0).reshape(batch, heads, d, positions);
        NDArray k = parts.get(1).reshape(batch, heads, d, positions);
        NDArray v = parts.get(2).reshape(batch * heads, d, positions);
        if (qkNorm()) {
            q = rmsNormalise(q, ps.getValue(queryGain, x.getDevice(), training));
            k = rmsNormalise(k, ps.getValue(keyGain, x.getDevice(), training));
        }
        return new NDList(q.reshape(batch * heads, d, positions), k.reshape(batch * heads, d, positions), v);
    }

    /** logits[b, i, j] = Q[:, i] . K[:, j] / sqrt(d) for Q, K of shape (B * heads, d, T). */
    NDArray logits(NDArray q, NDArray k) {
        return q.transpose(0, 2, 1).matMul(k).mul(1 / Math.sqrt(channels / heads));
    }

    /**
     * a (B, heads, d, T) over d, times gain (heads, d, 1). The per-step array comes first in every op: DJL gives
     * a result to its first operand's manager, and one owned by the model's would live as long as the model.
     */
    private static NDArray rmsNormalise(NDArray a, NDArray gain) {
        NDArray rms = a.square().mean(new int[] {2}, true).add(RMS_EPS).sqrt();
        return a.div(rms).mul(gain);
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
