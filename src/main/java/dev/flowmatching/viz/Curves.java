package dev.flowmatching.viz;

import java.util.List;

import ai.djl.ndarray.NDArray;

/** Small conversions from training and solver results to plottable arrays. */
public final class Curves {
    private Curves() {
    }

    /** 1, 2, ..., n as doubles: the x axis of a per-step curve. */
    public static double[] steps(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i + 1;
        }
        return x;
    }

    public static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    /**
     * Exponential moving average with bias correction (as in Adam): {@code m_i = b m_{i-1} + (1 - b) v_i},
     * reported as {@code m_i / (1 - b^i)}, so the first values are not pulled towards 0.
     */
    public static double[] ema(float[] values, double beta) {
        if (!(beta >= 0 && beta < 1)) {
            throw new IllegalArgumentException("EMA beta must be in [0, 1), got " + beta);
        }
        double[] out = new double[values.length];
        double m = 0;
        double correction = 1;
        for (int i = 0; i < values.length; i++) {
            m = beta * m + (1 - beta) * values[i];
            correction *= beta;
            out[i] = m / (1 - correction);
        }
        return out;
    }

    /** Column k of the first {@code count} rows of every (n, d) state: the paths of {@code count} points. */
    public static double[][] paths(List<NDArray> states, int count, int k) {
        int n = (int) Math.min(count, states.get(0).getShape().get(0));
        int d = (int) states.get(0).getShape().get(1);
        double[][] out = new double[n][states.size()];
        for (int s = 0; s < states.size(); s++) {
            float[] flat = states.get(s).get("0:" + n).toFloatArray();
            for (int i = 0; i < n; i++) {
                out[i][s] = flat[i * d + k];
            }
        }
        return out;
    }
}
