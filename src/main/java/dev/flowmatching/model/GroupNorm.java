package dev.flowmatching.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Group normalisation (Wu and He 2018): the channels of each sample are split into {@code groups} groups, and
 * each group is normalised over its channels and all positions, then scaled and shifted per channel:
 * <pre>
 *   y[b, c, h, w] = gamma[c] * (x[b, c, h, w] - mu[b, g]) / sqrt(var[b, g] + eps) + beta[c],   g = c / (C / groups)
 * </pre>
 * where mu and var (biased) are taken over the C/groups channels of group g and every (h, w). Unlike batch
 * norm it does not depend on the batch, so training and sampling see the same function. gamma starts at 1 and
 * beta at 0. DJL has no GroupNorm block: the normalisation runs as libtorch's fused layer norm over each
 * (sample, group) row, then the per-channel affine part.
 *
 * <p>Input and output: {@code (B, C, H, W)} (any number of trailing positional axes).
 * <pre>{@code
 * var norm = new GroupNorm(8, 64);             // 8 groups of 8 channels
 * norm.initialize(manager, DataType.FLOAT32, new Shape(1, 64, 16, 16));
 * }</pre>
 */
public final class GroupNorm extends AbstractBlock {
    private static final byte VERSION = 1;

    private final int groups;
    private final int channels;
    private final float eps;
    private final Parameter gamma;
    private final Parameter beta;

    public GroupNorm(int groups, int channels) {
        this(groups, channels, 1e-5f);
    }

    public GroupNorm(int groups, int channels, float eps) {
        super(VERSION);
        if (groups < 1 || channels < 1) {
            throw new IllegalArgumentException("GroupNorm needs groups >= 1 and channels >= 1, got groups=" + groups
                    + ", channels=" + channels);
        }
        if (channels % groups != 0) {
            throw new IllegalArgumentException("GroupNorm: channels (" + channels + ") must be divisible by groups ("
                    + groups + ")");
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("GroupNorm: eps must be > 0, got " + eps);
        }
        this.groups = groups;
        this.channels = channels;
        this.eps = eps;
        gamma = addParameter(Parameter.builder().setName("gamma").setType(Parameter.Type.GAMMA)
                .optShape(new Shape(channels)).build());
        beta = addParameter(Parameter.builder().setName("beta").setType(Parameter.Type.BETA)
                .optShape(new Shape(channels)).build());
    }

    public int groups() {
        return groups;
    }

    public int channels() {
        return channels;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        check(x.getShape());
        return new NDList(Layers.scoped(() -> normalise(ps, x, training), x));
    }

    private NDArray normalise(ParameterStore ps, NDArray x, boolean training) {
        Shape shape = x.getShape();
        long batch = shape.get(0);
        long perGroup = shape.size() / (batch * groups);
        NDManager m = x.getManager();
        // Layer norm over each (sample, group) row with unit scale and no shift is exactly the group statistic.
        NDArray rows = x.reshape(batch, groups, perGroup);
        NDArray flat = rows.getNDArrayInternal()
                .layerNorm(rows, new Shape(perGroup), m.ones(new Shape(perGroup)), m.zeros(new Shape(perGroup)), eps)
                .singletonOrThrow();
        NDArray normalised = Layers.free(flat.reshape(shape), flat);
        int dims = shape.dimension();
        NDArray scaled = Layers.free(normalised.mul(perChannel(ps, gamma, m, dims, training)), normalised);
        return Layers.free(scaled.add(perChannel(ps, beta, m, dims, training)), scaled);
    }

    /**
     * The parameter as (1, C, 1, ..., 1), owned by the caller's manager: DJL gives an op's result to its first
     * operand's manager, so a reshape of a weight would otherwise live as long as the model (a leak per step).
     */
    private NDArray perChannel(ParameterStore ps, Parameter p, NDManager m, int dims, boolean training) {
        NDArray view = ps.getValue(p, m.getDevice(), training).reshape(broadcastShape(dims));
        view.attach(m);
        return view;
    }

    private void check(Shape shape) {
        if (shape.dimension() < 3 || shape.get(1) != channels) {
            throw new IllegalArgumentException("GroupNorm(" + groups + ", " + channels + ") expects (B, " + channels
                    + ", H, W), got " + shape);
        }
    }

    /** (1, C, 1, ..., 1): gamma and beta broadcast over the batch and every position. */
    private Shape broadcastShape(int dims) {
        long[] s = new long[dims];
        java.util.Arrays.fill(s, 1);
        s[1] = channels;
        return new Shape(s);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void beforeInitialize(Shape... inputShapes) {
        super.beforeInitialize(inputShapes);
        check(inputShapes[0]);
    }
}
