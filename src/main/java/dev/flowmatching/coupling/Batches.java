package dev.flowmatching.coupling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** What the couplings share: input checks, reading a batch back as rows, costs, re-ordering on the device. */
final class Batches {
    private Batches() {
    }

    /** x0 and x1 must be batches (B, ...) of one shape. */
    static void checkPair(NDArray x0, NDArray x1) {
        Shape s0 = x0.getShape();
        Shape s1 = x1.getShape();
        if (s0.dimension() < 1 || s0.get(0) < 1) {
            throw new IllegalArgumentException("x0 must be a non-empty batch of shape (B, ...), got " + s0);
        }
        if (!s0.equals(s1)) {
            throw new IllegalArgumentException("x0 and x1 must have the same shape to be paired: x0 is " + s0
                    + ", x1 is " + s1);
        }
    }

    /** The batch (B, ...) as B rows of its flattened points, in double; one transfer from the device. */
    static double[][] rows(NDArray x, String name) {
        int n = (int) x.getShape().get(0);
        long size = x.getShape().size();
        int d = (int) (size / n);
        double[][] out = new double[n][d];
        if (x.getDataType() == DataType.FLOAT64) {
            double[] flat = x.toDoubleArray();
            for (int i = 0; i < n; i++) {
                System.arraycopy(flat, i * d, out[i], 0, d);
            }
        } else {
            float[] flat;
            if (x.getDataType() == DataType.FLOAT32) {
                flat = x.toFloatArray();
            } else {
                try (NDArray f = x.toType(DataType.FLOAT32, true)) {
                    flat = f.toFloatArray();
                }
            }
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < d; k++) {
                    out[i][k] = flat[i * d + k];
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                if (!Double.isFinite(out[i][k])) {
                    throw new IllegalArgumentException(name + " row " + i + " is not finite (" + out[i][k]
                            + " at flat index " + k + "): cannot pair it");
                }
            }
        }
        return out;
    }

    /** C[i][j] = |a_i - b_j|^2, by differences (no cancellation). O(n^2 d). */
    static double[][] squaredDistances(double[][] a, double[][] b) {
        int n = a.length;
        double[][] cost = new double[n][b.length];
        for (int i = 0; i < n; i++) {
            double[] ai = a[i];
            double[] row = cost[i];
            for (int j = 0; j < b.length; j++) {
                double[] bj = b[j];
                double s = 0;
                for (int k = 0; k < ai.length; k++) {
                    double diff = ai[k] - bj[k];
                    s += diff * diff;
                }
                row[j] = s;
            }
        }
        return cost;
    }

    /** {@code NDList(x0, x1[index])}: x1's rows re-ordered on x1's device; x0 returned as it is. */
    static NDList reorderTargets(NDArray x0, NDArray x1, int[] index) {
        long[] idx = new long[index.length];
        for (int i = 0; i < index.length; i++) {
            idx[i] = index[i];
        }
        try (NDArray host = x1.getManager().create(idx)) {
            NDArray indexArray = host.toDevice(x1.getDevice(), false); // the same array where devices agree
            try {
                return new NDList(x0, x1.get(indexArray));
            } finally {
                if (indexArray != host) {
                    indexArray.close();
                }
            }
        }
    }
}
