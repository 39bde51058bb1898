package dev.flowmatching.viz;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/** Regular grids of points, e.g. where to draw the arrows of a vector field. */
public final class Grids {
    private Grids() {
    }

    /** The n x n points of a square grid over [lo, hi]^2, as an (n^2, 2) array of (x, y) rows. */
    public static NDArray square(double lo, double hi, int n, NDManager manager) {
        if (n < 2 || !(hi > lo)) {
            throw new IllegalArgumentException("a grid needs n >= 2 and hi > lo, got n=" + n + ", [" + lo + ", " + hi + "]");
        }
        NDArray axis = manager.linspace((float) lo, (float) hi, n);
        NDArray xs = axis.reshape(1, n).repeat(0, n);
        NDArray ys = axis.reshape(n, 1).repeat(1, n);
        return NDArrays.stack(new NDList(xs, ys), 2).reshape(-1, 2);
    }
}
