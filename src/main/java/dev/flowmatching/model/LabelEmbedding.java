package dev.flowmatching.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A learned vector per class label, plus one more row for "no label": the null class of classifier-free
 * guidance (Ho and Salimans 2022), whose id is {@code classes}. Computed as one-hot(label) times a weight
 * matrix, which is a table lookup that autograd handles like any linear layer.
 *
 * <p>Input: {@code NDList(labels (B))} of integer ids in [0, classes]; output: {@code NDList((B, dim))}.
 * <pre>{@code
 * var labels = new LabelEmbedding(10, 128);   // ids 0..9 are digits, 10 is "unconditional"
 * }</pre>
 */
public final class LabelEmbedding extends AbstractBlock {
    private static final byte VERSION = 1;

    private final int classes;
    private final Linear table;

    public LabelEmbedding(int classes, int dim) {
        super(VERSION);
        if (classes < 1 || dim < 1) {
            throw new IllegalArgumentException("label embedding needs classes >= 1 and dim >= 1, got classes="
                    + classes + ", dim=" + dim);
        }
        this.classes = classes;
        this.table = addChildBlock("table", Linear.builder().setUnits(dim).optBias(false).build());
    }

    /** Number of real classes; the null class has this id. */
    public int classes() {
        return classes;
    }

    /** The id meaning "no label". */
    public int nullClass() {
        return classes;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray labels = inputs.singletonOrThrow();
        if (labels.getShape().dimension() != 1) {
            throw new IllegalArgumentException("labels must have shape (B), got " + labels.getShape());
        }
        NDArray oneHot = labels.toType(DataType.INT64, false).oneHot(classes + 1).toType(DataType.FLOAT32, false);
        return table.forward(ps, new NDList(oneHot), training);
    }

    /** This block of int labels {@code y} in a {@link ScriptWriter}: the one-hot row times the table. */
    String script(ScriptWriter s, String y) {
        return s.linear(table, s.let("torch.one_hot(" + y + ".long(), " + (classes + 1) + ").float()"));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return table.getOutputShapes(new Shape[] {new Shape(inputShapes[0].get(0), classes + 1)});
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        table.initialize(manager, dataType, new Shape(inputShapes[0].get(0), classes + 1));
    }
}
