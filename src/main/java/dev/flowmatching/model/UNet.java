package dev.flowmatching.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;

import dev.flowmatching.runtime.Torch;

/**
 * An ADM-style UNet velocity network v(x, t[, y]) for images (Ronneberger et al. 2015; Ho et al. 2020;
 * Dhariwal and Nichol 2021, "Diffusion models beat GANs", without their scale-shift norm and BigGAN resampling):
 * <pre>
 *   e  = Linear(SiLU(Linear(sin/cos features of t))) [+ LabelEmbedding(y)]        conditioning
 *   h  = Conv3x3(x);  down: per level, ResBlock(h, e) [+ attention] ... then Downsample; keep every h
 *   h  = ResBlock, SelfAttention, ResBlock                                           middle, lowest resolution
 *   up: per level, ResBlock([h, popped skip], e) [+ attention] ... then Upsample
 *   v  = Conv3x3_0(SiLU(GroupNorm(h)))                                               starts at zero: v = 0
 * </pre>
 * Every residual block and attention starts as the identity and the output convolution at zero, so an untrained
 * UNet predicts v = 0 and training grows it from a shallow map. With {@code classes > 0} the label's embedding
 * is added to the time's; label {@code classes} is the null class ("no label", for classifier-free guidance),
 * and it is used when no labels are given.
 *
 * <p>Inputs: {@code NDList(x (B, C, H, W) float32, t (B) float32[, labels (B) int])}, H and W multiples of
 * {@link UNetConfig#sizeMultiple()}; output: {@code NDList(v)} of x's shape.
 * <pre>{@code
 * UNet unet = new UNet(UNetConfig.mnist("small", 10));
 * VelocityModel model = new VelocityModel(unet, new long[] {1, 28, 28}, rng);
 * }</pre>
 */
public final class UNet extends AbstractBlock {
    private static final byte VERSION = 1;

    private final UNetConfig config;
    private final TimeEmbedding timeFeatures;
    private final Linear time1;
    private final Linear time2;
    private final LabelEmbedding labels;
    private final Conv2d input;
    private final List<UNetStage> down = new ArrayList<>();
    private final List<UNetStage> middle = new ArrayList<>();
    private final List<UNetStage> up = new ArrayList<>();
    private final GroupNorm outNorm;
    private final Conv2d output;
    private volatile ScriptedPass inferencePass; // the passes as TorchScript, written on first use
    private volatile ScriptedPass trainingPass;

    public UNet(UNetConfig config) {
        super(VERSION);
        this.config = config;
        int e = config.embedding();
        timeFeatures = new TimeEmbedding(config.baseChannels());
        time1 = addChildBlock("time1", Linear.builder().setUnits(e).build());
        time2 = addChildBlock("time2", Linear.builder().setUnits(e).build());
        labels = config.conditional() ? addChildBlock("labels", new LabelEmbedding(config.classes(), e)) : null;
        input = addChildBlock("input", Layers.conv(config.baseChannels(), 3, 1));
        int last = build(config);
        outNorm = addChildBlock("outNorm", new GroupNorm(config.groups(), last));
        output = addChildBlock("output", Layers.zeroConv(config.inChannels(), 3));
    }

    /** Adds the down, middle and up stages; returns the channels entering the output layer. */
    private int build(UNetConfig c) {
        int e = c.embedding();
        int g = c.groups();
        float p = c.dropout();
        Deque<Integer> skips = new ArrayDeque<>();
        int ch = c.baseChannels();
        skips.push(ch);
        for (int level = 0; level < c.levels(); level++) {
            int out = c.channels(level);
            for (int i = 0; i < c.resBlocks(); i++) {
                down.add(stage("down" + level + "_" + i, new ResBlock(ch, out, e, g, p), attention(c, level, out), null));
                ch = out;
                skips.push(ch);
            }
            if (level < c.levels() - 1) {
                down.add(stage("down" + level + "_resample", null, null, new Downsample(ch)));
                skips.push(ch);
            }
        }
        middle.add(stage("middle0", new ResBlock(ch, ch, e, g, p), new SelfAttention(ch, c.heads(), g, c.qkNorm()), null));
        middle.add(stage("middle1", new ResBlock(ch, ch, e, g, p), null, null));
        for (int level = c.levels() - 1; level >= 0; level--) {
            int out = c.channels(level);
            for (int i = 0; i <= c.resBlocks(); i++) {
                ResBlock res = new ResBlock(ch + skips.pop(), out, e, g, p);
                ch = out;
                Upsample resample = level > 0 && i == c.resBlocks() ? new Upsample(ch) : null;
                up.add(stage("up" + level + "_" + i, res, attention(c, level, out), resample));
            }
        }
        return ch;
    }

    private static SelfAttention attention(UNetConfig c, int level, int channels) {
        return c.attentionLevels().contains(level) ? new SelfAttention(channels, c.heads(), c.groups(), c.qkNorm()) : null;
    }

    private UNetStage stage(String name, ResBlock res, SelfAttention attention, ai.djl.nn.Block resample) {
        return addChildBlock(name, new UNetStage(res, attention, resample));
    }

    public UNetConfig config() {
        return config;
    }

    /** Number of trainable numbers (after initialisation). */
    public long parameterCount() {
        long n = 0;
        for (Pair<String, Parameter> p : getParameters()) {
            if (!p.getValue().isInitialized()) {
                throw new IllegalStateException("UNet: initialise the block before counting its parameters");
            }
            n += p.getValue().getArray().size();
        }
        return n;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray t = inputs.get(1);
        NDArray y = inputs.size() > 2 ? inputs.get(2) : null;
        checkInputs(x.getShape(), t.getShape(), y == null ? null : y.getShape());
        // One TorchScript call when the pass is what it says: recorded for training, or not recorded for inference.
        if (training == Torch.recordingGradients()) {
            return new NDList(scriptedPass(ps, x, t, y, training));
        }
        return new NDList(opByOp(ps, x, t, y, training));
    }

    /**
     * The pass op by op from Java: the reference for the scripted pass ({@link #script}), and the path of the
     * unusual modes (dropout without recording, or recording an inference pass).
     */
    NDArray opByOp(ParameterStore ps, NDArray x, NDArray t, NDArray y, boolean training) {
        // ADM applies SiLU to the embedding before every block's linear map: done once here for all of them.
        NDArray e = Layers.scoped(() -> Layers.silu(embed(ps, x.getManager(), t, y, training)),
                y == null ? new NDArray[] {x, t} : new NDArray[] {x, t, y});
        // Arrays are closed as soon as nothing needs them, as Python's reference counting would free them: a
        // sampling pass then touches far less memory. Autograd keeps its own references for backward.
        NDArray h = Layers.run(input, ps, x, training);
        Deque<NDArray> skips = new ArrayDeque<>();
        skips.push(h);
        for (UNetStage s : down) {
            h = s.forward(ps, new NDList(h, e), training).singletonOrThrow();
            skips.push(h);
        }
        NDArray deepest = h; // also the last skip: kept
        for (UNetStage s : middle) {
            NDArray in = h;
            h = s.forward(ps, new NDList(in, e), training).singletonOrThrow();
            if (in != deepest) {
                in.close();
            }
        }
        for (UNetStage s : up) {
            NDArray skip = skips.pop();
            NDArray joined = NDArrays.concat(new NDList(h, skip), 1);
            h.close();
            skip.close();
            h = s.forward(ps, new NDList(joined, e), training).singletonOrThrow();
            joined.close();
        }
        NDArray last = h;
        NDArray v = Layers.scoped(() -> Layers.run(output, ps, outNorm.forwardSilu(ps, last, training), training), h);
        h.close();
        e.close();
        return v;
    }

    /** The whole pass as one TorchScript call, for training (recorded for autograd) or inference. */
    private NDArray scriptedPass(ParameterStore ps, NDArray x, NDArray t, NDArray y, boolean forTraining) {
        ScriptedPass pass = forTraining ? trainingPass : inferencePass;
        if (pass == null) {
            pass = script(forTraining);
            if (forTraining) {
                trainingPass = pass;
            } else {
                inferencePass = pass;
            }
        }
        if (labels == null) {
            return pass.run(ps, forTraining, x, t);
        }
        if (y != null) {
            return pass.run(ps, forTraining, x, t, y);
        }
        try (NDArray none = x.getManager().full(t.getShape(), labels.nullClass(), DataType.INT32)) {
            return pass.run(ps, forTraining, x, t, none);
        }
    }

    /** {@link #forwardInternal}'s steps written as TorchScript, block by block (dropout only for training). */
    ScriptedPass script(boolean forTraining) {
        ScriptWriter s = new ScriptWriter(forTraining);
        String e = s.linear(time2, s.let("torch.silu(" + s.linear(time1, timeFeatures.script(s, "t")) + ")"));
        if (labels != null) {
            e = s.let("torch.add(" + e + ", " + labels.script(s, "y") + ")");
        }
        e = s.let("torch.silu(" + e + ")");
        String h = s.conv(input, "x");
        Deque<String> skips = new ArrayDeque<>();
        skips.push(h);
        for (UNetStage stage : down) {
            h = stage.script(s, h, e);
            skips.push(h);
        }
        for (UNetStage stage : middle) {
            h = stage.script(s, h, e);
        }
        for (UNetStage stage : up) {
            h = stage.script(s, s.let("torch.cat([" + h + ", " + skips.pop() + "], 1)"), e);
        }
        String v = s.conv(output, outNorm.script(s, h, true));
        return new ScriptedPass(s, labels == null ? List.of("x", "t") : List.of("x", "t", "y"), v);
    }

    /** The conditioning vector e (before its SiLU): time MLP plus, when conditional, the label's embedding. */
    private NDArray embed(ParameterStore ps, NDManager m, NDArray t, NDArray y, boolean training) {
        NDArray time = Layers.run(time1, ps, timeFeatures.embed(t), training);
        NDArray emb = Layers.run(time2, ps, Layers.silu(time), training);
        if (labels == null) {
            return emb;
        }
        NDArray ids = y != null ? y : m.full(t.getShape(), labels.nullClass(), DataType.INT32);
        return emb.add(Layers.run(labels, ps, ids, training));
    }

    private void checkInputs(Shape x, Shape t, Shape y) {
        if (x.dimension() != 4 || x.get(1) != config.inChannels()) {
            throw new IllegalArgumentException("UNet expects x of shape (B, " + config.inChannels() + ", H, W), got " + x);
        }
        int k = config.sizeMultiple();
        if (x.get(2) % k != 0 || x.get(3) % k != 0) {
            throw new IllegalArgumentException("UNet with " + config.levels() + " levels needs H and W divisible by " + k
                    + " (2^(levels-1)), got " + x.get(2) + " x " + x.get(3));
        }
        if (!t.equals(new Shape(x.get(0)))) {
            throw new IllegalArgumentException("UNet expects t of shape (" + x.get(0) + "), got " + t);
        }
        if (y != null && labels == null) {
            throw new IllegalArgumentException("this UNet is unconditional (classes = 0) but labels were given");
        }
        if (y != null && !y.equals(new Shape(x.get(0)))) {
            throw new IllegalArgumentException("UNet expects labels of shape (" + x.get(0) + "), got " + y);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        // A label shape may come along for an unconditional UNet (callers pass one for every model): ignored.
        checkInputs(x, inputShapes[1], labels == null ? null : inputShapes.length > 2 ? inputShapes[2] : null);
        long b = x.get(0);
        Shape e = new Shape(b, config.embedding());
        time1.initialize(manager, dataType, new Shape(b, config.baseChannels()));
        time2.initialize(manager, dataType, e);
        if (labels != null) {
            labels.initialize(manager, dataType, new Shape(b));
        }
        input.initialize(manager, dataType, x);
        Shape h = Layers.withChannels(x, config.baseChannels());
        Deque<Shape> skips = new ArrayDeque<>();
        skips.push(h);
        for (UNetStage s : down) {
            h = initialize(s, manager, dataType, h, e);
            skips.push(h);
        }
        for (UNetStage s : middle) {
            h = initialize(s, manager, dataType, h, e);
        }
        for (UNetStage s : up) {
            Shape skip = skips.pop();
            h = initialize(s, manager, dataType, Layers.withChannels(h, h.get(1) + skip.get(1)), e);
        }
        outNorm.initialize(manager, dataType, h);
        output.initialize(manager, dataType, h);
    }

    private static Shape initialize(UNetStage s, NDManager m, DataType type, Shape h, Shape e) {
        s.initialize(m, type, h, e);
        return s.getOutputShapes(new Shape[] {h, e})[0];
    }
}
