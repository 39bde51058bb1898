package dev.flowmatching.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

import dev.flowmatching.runtime.NativeMemory;
import dev.flowmatching.runtime.NoGradient;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;
import dev.flowmatching.solver.VelocityField;

/**
 * A velocity network with its weights: owns the native memory of its parameters (close it, or let the
 * notebook's kernel end), evaluates v(x, t) for solvers, and is what training updates in place.
 *
 * <p>A class-conditional model ({@code classes > 0}) learns v(x, t | y) for labels y in 0..classes-1 and,
 * trained with label dropout, the unconditional v(x, t) as the null class y = {@code classes}
 * (classifier-free guidance, Ho and Salimans 2022). Its block takes {@code NDList(x, t, labels)} with
 * int32 labels of shape (B); an unconditional block takes {@code NDList(x, t)}.
 *
 * <pre>{@code
 * VelocityModel model = VelocityModel.mlp(2, 256, 3, rng);
 * Solution s = new Euler().solve(model, noise, 100);
 * VelocityModel digits = new VelocityModel(unet, new long[] {1, 28, 28}, 10, rng);
 * Solution fives = new Euler().solve(digits.conditional(labels), noise, 50);   // labels: int32 (B), all 5
 * }</pre>
 */
public final class VelocityModel implements VelocityField, AutoCloseable {
    private final Block block;
    private final NDManager manager;
    private final ParameterStore store;
    private final long[] sampleShape;
    private final int classes;

    /** An unconditional model: initialises {@code block}'s weights with draws from {@code rng}. */
    public VelocityModel(Block block, long[] sampleShape, Rng rng) {
        this(block, sampleShape, 0, rng);
    }

    /**
     * Initialises {@code block}'s weights with draws from {@code rng}, for samples of the given shape and
     * {@code classes} class labels (0 = unconditional; else the block also takes labels of shape (B)).
     */
    public VelocityModel(Block block, long[] sampleShape, int classes, Rng rng) {
        if (classes < 0) {
            throw new IllegalArgumentException("classes must be >= 0 (0 = unconditional), got " + classes);
        }
        this.block = block;
        this.sampleShape = sampleShape.clone();
        this.classes = classes;
        NativeMemory.reclaim(); // a dropped model (a re-run notebook cell) is freed before this one allocates
        this.manager = NDManager.newBaseManager(Torch.device());
        NativeMemory.track(this, manager);
        this.store = new ParameterStore(manager, false);
        long[] batchShape = new long[sampleShape.length + 1];
        batchShape[0] = 1;
        System.arraycopy(sampleShape, 0, batchShape, 1, sampleShape.length);
        rng.seedEngine();
        if (classes > 0) {
            block.initialize(manager, DataType.FLOAT32, new Shape(batchShape), new Shape(1), new Shape(1));
        } else {
            block.initialize(manager, DataType.FLOAT32, new Shape(batchShape), new Shape(1));
        }
    }

    /** An MLP velocity network for points of dimension {@code dim}, SiLU activations. */
    public static VelocityModel mlp(int dim, int width, int depth, Rng rng) {
        return mlp(dim, width, depth, 0, rng);
    }

    /** A class-conditional MLP velocity network ({@code classes} labels; 0 = unconditional). */
    public static VelocityModel mlp(int dim, int width, int depth, int classes, Rng rng) {
        return new VelocityModel(new MlpVelocity(dim, width, depth, 32, Activations.SILU, classes), new long[] {dim},
                classes, rng);
    }

    public Block block() {
        return block;
    }

    public NDManager manager() {
        return manager;
    }

    public long[] sampleShape() {
        return sampleShape.clone();
    }

    /** Number of class labels; 0 for an unconditional model. */
    public int classes() {
        return classes;
    }

    /** The label id meaning "no label" (= {@link #classes()}); only a conditional model has one. */
    public int nullClass() {
        if (classes == 0) {
            throw new IllegalStateException("an unconditional model has no null class");
        }
        return classes;
    }

    /**
     * The forward pass, unconditional (the null class, for a conditional model); {@code training} turns on
     * recording for gradients inside a GradientCollector.
     */
    public NDArray forward(NDArray x, NDArray t, boolean training) {
        return forward(x, t, null, training);
    }

    /**
     * The forward pass with int labels of shape (B) ({@code null}: the null class). Labels given to an
     * unconditional model are refused. With {@code training} false it is inference: nothing is recorded for
     * autograd, on any thread ({@link NoGradient}); training passes run inside a GradientCollector.
     */
    public NDArray forward(NDArray x, NDArray t, NDArray labels, boolean training) {
        if (!training) {
            try (NoGradient off = NoGradient.begin()) {
                return pass(x, t, labels, false);
            }
        }
        return pass(x, t, labels, true);
    }

    private NDArray pass(NDArray x, NDArray t, NDArray labels, boolean training) {
        if (classes == 0) {
            if (labels != null) {
                throw new IllegalArgumentException("this model is unconditional (0 classes) but labels were given");
            }
            return block.forward(store, new NDList(x, t), training).singletonOrThrow();
        }
        long batch = x.getShape().get(0);
        NDArray y = labels != null ? labels : x.getManager().full(new Shape(batch), classes, DataType.INT32);
        if (!y.getShape().equals(new Shape(batch))) {
            throw new IllegalArgumentException("labels must have shape (" + batch + ") to match x " + x.getShape()
                    + ", got " + y.getShape());
        }
        if (!y.getDataType().isInteger()) {
            throw new IllegalArgumentException("labels must be integer class ids, got " + y.getDataType());
        }
        return block.forward(store, new NDList(x, t, y), training).singletonOrThrow();
    }

    /** v(x, t), unconditional: the null class for a conditional model. */
    @Override
    public NDArray at(NDArray x, NDArray t) {
        return forward(x, t, false);
    }

    /** v(x, t) at one time for the whole batch: an unconditional MLP gets t once, as shape (1), and embeds it once. */
    @Override
    public NDArray at(NDArray x, double t) {
        if (block instanceof MlpVelocity && classes == 0 && x.getDataType() == DataType.FLOAT32) {
            return forward(x, x.getManager().create(new float[] {(float) t}), false);
        }
        return VelocityField.super.at(x, t);
    }

    /**
     * v(x, t | labels) as a field for solvers: {@code labels} are int ids in [0, classes] of shape (B), one per
     * row of the x the solver passes (the null class id gives the unconditional field).
     */
    public VelocityField conditional(NDArray labels) {
        checkLabels(labels);
        return (x, t) -> forward(x, t, labels, false);
    }

    /** Refuses labels that are not a vector of ids in [0, classes] (reads two numbers back from the device). */
    void checkLabels(NDArray labels) {
        if (classes == 0) {
            throw new IllegalArgumentException("this model is unconditional (0 classes): it takes no labels");
        }
        if (labels.getShape().dimension() != 1 || !labels.getDataType().isInteger()) {
            throw new IllegalArgumentException("labels must be integer class ids of shape (B), got "
                    + labels.getDataType() + " " + labels.getShape());
        }
        if (labels.size() > 0) {
            long min;
            long max;
            try (NDArray ids = labels.toType(DataType.INT64, true); NDArray lo = ids.min(); NDArray hi = ids.max()) {
                min = lo.getLong();
                max = hi.getLong();
            }
            if (min < 0 || max > classes) {
                throw new IllegalArgumentException("labels must lie in [0, " + classes + "] (" + classes
                        + " = the null class), got ids from " + min + " to " + max);
            }
        }
    }

    /** Number of trainable numbers. */
    public long parameterCount() {
        long n = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            n += p.getValue().getArray().size();
        }
        return n;
    }

    /**
     * What must match for weights to fit this model: the block's class and configuration, the sample shape,
     * the class count, and every parameter's name and shape. Checkpoints compare it before loading.
     */
    public String fingerprint() {
        StringBuilder sb = new StringBuilder(block.getClass().getName()).append(' ').append(configuration())
                .append(" sample ").append(java.util.Arrays.toString(sampleShape)).append(" classes ").append(classes);
        for (Pair<String, Parameter> p : block.getParameters()) {
            sb.append('\n').append(p.getKey()).append(' ').append(p.getValue().getArray().getShape());
        }
        return sb.toString();
    }

    /** The block's own description when it gives one (DJL's default lists the child blocks and shapes). */
    private String configuration() {
        return block.toString().replace('\n', ' ');
    }

    /** A copy of every weight, in parameter order (for tests and snapshots). */
    public float[][] weights() {
        return block.getParameters().stream().map(p -> p.getValue().getArray().toFloatArray()).toArray(float[][]::new);
    }

    @Override
    public void close() {
        manager.close();
    }
}
