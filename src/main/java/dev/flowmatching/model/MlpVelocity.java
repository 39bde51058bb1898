package dev.flowmatching.model;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A velocity network v(x, t) for points: an MLP on the concatenation of x and a sinusoidal embedding of t.
 * <pre>
 *   h_0 = [x, emb(t)],  h_{k+1} = act(W_k h_k + b_k)  (k < depth),  v = W_out h_depth + b_out
 * </pre>
 * Inputs: {@code NDList(x (B, d), t (B))}; output: {@code NDList(v (B, d))}.
 */
public final class MlpVelocity extends AbstractBlock {
    private static final byte VERSION = 1;

    private final int dim;
    private final TimeEmbedding embedding;
    private final Activations activation;
    private final List<Linear> hidden = new ArrayList<>();
    private final Linear out;

    /**
     * @param dim    size of a point (2 in the plane)
     * @param width  units per hidden layer
     * @param depth  number of hidden layers (>= 1)
     * @param timeEmbedding size of the time embedding (even)
     */
    public MlpVelocity(int dim, int width, int depth, int timeEmbedding, Activations activation) {
        super(VERSION);
        if (dim < 1 || width < 1 || depth < 1) {
            throw new IllegalArgumentException("MLP needs dim, width and depth >= 1, got dim=" + dim + ", width="
                    + width + ", depth=" + depth);
        }
        this.dim = dim;
        this.embedding = new TimeEmbedding(timeEmbedding);
        this.activation = activation;
        for (int k = 0; k < depth; k++) {
            hidden.add(addChildBlock("hidden" + k, Linear.builder().setUnits(width).build()));
        }
        out = addChildBlock("out", Linear.builder().setUnits(dim).build());
    }

    public int dim() {
        return dim;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray t = inputs.get(1);
        if (x.getShape().dimension() != 2 || x.getShape().get(1) != dim) {
            throw new IllegalArgumentException("x must have shape (B, " + dim + "), got " + x.getShape());
        }
        if (!t.getShape().equals(new Shape(x.getShape().get(0)))) {
            throw new IllegalArgumentException("t must have shape (" + x.getShape().get(0) + "), got " + t.getShape());
        }
        NDArray h = NDArrays.concat(new NDList(x, embedding.embed(t)), 1);
        for (Linear layer : hidden) {
            h = activation.apply(layer.forward(ps, new NDList(h), training).singletonOrThrow());
        }
        return out.forward(ps, new NDList(h), training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        long batch = inputShapes[0].get(0);
        Shape in = new Shape(batch, dim + embedding.dim());
        for (Linear layer : hidden) {
            layer.initialize(manager, dataType, in);
            in = layer.getOutputShapes(new Shape[] {in})[0];
        }
        out.initialize(manager, dataType, in);
    }
}
