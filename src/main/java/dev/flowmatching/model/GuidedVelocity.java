package dev.flowmatching.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.solver.VelocityField;

/**
 * Classifier-free guidance (Ho and Salimans 2022) for a flow: the field
 * <pre>
 *   v_w(x, t | y) = v(x, t) + w (v(x, t | y) - v(x, t))  =  (1 - w) v(x, t) + w v(x, t | y)
 * </pre>
 * from one class-conditional model trained with label dropout (its null class gives v(x, t)). With this
 * parameterisation w = 0 is the unconditional field, w = 1 the conditional one, and w > 1 pushes samples
 * further towards what distinguishes class y (sharper, less varied). It is computed in the second form, so
 * w = 0 and w = 1 give exactly the unconditional and conditional velocities; those two need one forward
 * pass, any other w one pass over the batch doubled (conditional and null labels together).
 *
 * <pre>{@code
 * var field = new GuidedVelocity(model, labels, 2f);   // labels: int32 (B), one per noise row
 * NDArray digits = new Euler().solve(field, noise, 50).x();
 * }</pre>
 */
public final class GuidedVelocity implements VelocityField {
    private final VelocityModel model;
    private final NDArray labels;
    private final float scale;

    /** Guidance scale {@code w} (finite; 0 = unconditional, 1 = conditional) for int labels of shape (B). */
    public GuidedVelocity(VelocityModel model, NDArray labels, float w) {
        if (!Float.isFinite(w)) {
            throw new IllegalArgumentException("guidance scale must be finite, got " + w);
        }
        model.checkLabels(labels);
        this.model = model;
        this.labels = labels.getDataType() == DataType.INT32 ? labels : labels.toType(DataType.INT32, false);
        this.scale = w;
    }

    public float scale() {
        return scale;
    }

    @Override
    public NDArray at(NDArray x, NDArray t) {
        if (scale == 0f) {
            return model.forward(x, t, false);
        }
        if (scale == 1f) {
            return model.forward(x, t, labels, false);
        }
        long batch = x.getShape().get(0);
        if (!labels.getShape().equals(new Shape(batch))) {
            throw new IllegalArgumentException("labels must have shape (" + batch + ") to match x " + x.getShape()
                    + ", got " + labels.getShape());
        }
        NDArray nulls = x.getManager().full(new Shape(batch), model.nullClass(), DataType.INT32);
        NDArray both = model.forward(NDArrays.concat(new NDList(x, x)), NDArrays.concat(new NDList(t, t)),
                NDArrays.concat(new NDList(labels, nulls)), false);
        NDList halves = both.split(2);
        return halves.get(1).mul(1f - scale).addi(halves.get(0).mul(scale));
    }
}
