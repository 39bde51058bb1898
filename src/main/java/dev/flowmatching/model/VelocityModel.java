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

import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;
import dev.flowmatching.solver.VelocityField;

/**
 * A velocity network with its weights: owns the native memory of its parameters (close it, or let the
 * notebook's kernel end), evaluates v(x, t) for solvers, and is what training updates in place.
 *
 * <pre>{@code
 * VelocityModel model = VelocityModel.mlp(2, 256, 3, rng);
 * Solution s = new Euler().solve(model, noise, 100);
 * }</pre>
 */
public final class VelocityModel implements VelocityField, AutoCloseable {
    private final Block block;
    private final NDManager manager;
    private final ParameterStore store;
    private final long[] sampleShape;

    /** Initialises {@code block}'s weights with draws from {@code rng}, for samples of the given shape. */
    public VelocityModel(Block block, long[] sampleShape, Rng rng) {
        this.block = block;
        this.sampleShape = sampleShape.clone();
        this.manager = NDManager.newBaseManager(Torch.device());
        this.store = new ParameterStore(manager, false);
        long[] batchShape = new long[sampleShape.length + 1];
        batchShape[0] = 1;
        System.arraycopy(sampleShape, 0, batchShape, 1, sampleShape.length);
        rng.seedEngine();
        block.initialize(manager, DataType.FLOAT32, new Shape(batchShape), new Shape(1));
    }

    /** An MLP velocity network for points of dimension {@code dim}, SiLU activations. */
    public static VelocityModel mlp(int dim, int width, int depth, Rng rng) {
        return new VelocityModel(new MlpVelocity(dim, width, depth, 32, Activations.SILU), new long[] {dim}, rng);
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

    /** The forward pass; {@code training} turns on recording for gradients inside a GradientCollector. */
    public NDArray forward(NDArray x, NDArray t, boolean training) {
        return block.forward(store, new NDList(x, t), training).singletonOrThrow();
    }

    @Override
    public NDArray at(NDArray x, NDArray t) {
        return forward(x, t, false);
    }

    /** Number of trainable numbers. */
    public long parameterCount() {
        long n = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            n += p.getValue().getArray().size();
        }
        return n;
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
