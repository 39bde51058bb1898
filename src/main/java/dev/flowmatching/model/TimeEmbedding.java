package dev.flowmatching.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * Sinusoidal embedding of the time t in [0, 1] (Vaswani et al. 2017, as used for diffusion time steps by
 * Ho et al. 2020): {@code [sin(s t f_k), cos(s t f_k)]} with frequencies {@code f_k = maxPeriod^(-k/half)},
 * k = 0..half-1, and scale s = 1000 so that t in [0, 1] spans the same range as diffusion's step index.
 * Lets a small network tell nearby times apart.
 */
public final class TimeEmbedding {
    private static final float SCALE = 1000f;
    private static final double MAX_PERIOD = 10_000;

    private final int dim;
    private final float[] frequencies;

    public TimeEmbedding(int dim) {
        if (dim < 2 || dim % 2 != 0) {
            throw new IllegalArgumentException("time embedding size must be even and >= 2, got " + dim);
        }
        this.dim = dim;
        int half = dim / 2;
        frequencies = new float[half];
        for (int k = 0; k < half; k++) {
            frequencies[k] = (float) (SCALE * Math.pow(MAX_PERIOD, -(double) k / half));
        }
    }

    public int dim() {
        return dim;
    }

    /** {@link #embed} of {@code t} in a {@link ScriptWriter}. */
    String script(ScriptWriter s, String t) {
        StringBuilder list = new StringBuilder("[");
        for (int k = 0; k < frequencies.length; k++) {
            list.append(k == 0 ? "" : ", ").append(ScriptWriter.number(frequencies[k]));
        }
        // dtype=6 is float32 in TorchScript's scalar-type codes; device: the frequencies go where t is
        String angles = s.let("torch.mul(torch.reshape(" + t + ", [-1, 1]), torch.tensor(" + list
                + "], dtype=6, device=" + t + ".device).reshape([1, -1]))");
        return s.let("torch.cat([torch.sin(" + angles + "), torch.cos(" + angles + ")], 1)");
    }

    /** t of shape (B) to an embedding of shape (B, dim). */
    public NDArray embed(NDArray t) {
        NDManager m = t.getManager();
        NDArray angles = t.reshape(-1, 1).mul(m.create(frequencies).reshape(1, -1));
        return NDArrays.concat(new NDList(angles.sin(), angles.cos()), 1);
    }
}
