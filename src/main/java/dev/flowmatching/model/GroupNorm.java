package dev.flowmatching.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
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
 * beta at 0. DJL has no GroupNorm block and its JNI no {@code group_norm}: this one runs libtorch's own kernel through
 * {@link FusedKernels}, which also fuses the SiLU that follows a GroupNorm in a ResBlock ({@link #forwardSilu}).
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
        return new NDList(normalise(ps, inputs.singletonOrThrow(), training, false));
    }

    /** SiLU of this block's output, in one fused pass (a ResBlock's "GN -> SiLU"). */
    public NDArray forwardSilu(ParameterStore ps, NDArray x, boolean training) {
        return normalise(ps, x, training, true);
    }

    /** This block (then SiLU when asked) of {@code x} in a {@link ScriptWriter}. */
    String script(ScriptWriter s, String x, boolean silu) {
        String norm = "torch.group_norm(" + x + ", " + groups + ", " + s.param(gamma) + ", " + s.param(beta) + ", "
                + ScriptWriter.number(eps) + ", True)";
        return s.let(silu ? "torch.silu(" + norm + ")" : norm);
    }

    private NDArray normalise(ParameterStore ps, NDArray x, boolean training, boolean silu) {
        check(x.getShape());
        return FusedKernels.groupNorm(x, groups, eps, value(ps, gamma, x, training), value(ps, beta, x, training), silu);
    }

    /** The parameter's value on x's device. */
    private static NDArray value(ParameterStore ps, Parameter p, NDArray x, boolean training) {
        return ps.getValue(p, x.getDevice(), training);
    }

    private void check(Shape shape) {
        if (shape.dimension() < 3 || shape.get(1) != channels) {
            throw new IllegalArgumentException("GroupNorm(" + groups + ", " + channels + ") expects (B, " + channels
                    + ", H, W), got " + shape);
        }
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
