package dev.flowmatching.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/** Plain-loop references for the UNet's layers (row-major (B, C, H, W) float arrays), for tests. */
final class Loops {
    private Loops() {
    }

    /** Convolution with a (cout, cin, k, k) weight, zero padding k / 2, the given stride. */
    static double[] conv(float[] x, int b, int cin, int h, int w, float[] weight, float[] bias, int cout, int k,
            int stride) {
        int pad = k / 2;
        int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
        double[] y = new double[b * cout * oh * ow];
        for (int s = 0; s < b; s++) {
            for (int o = 0; o < cout; o++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double acc = bias[o];
                        for (int c = 0; c < cin; c++) {
                            for (int di = 0; di < k; di++) {
                                for (int dj = 0; dj < k; dj++) {
                                    int yi = i * stride + di - pad, xj = j * stride + dj - pad;
                                    if (yi >= 0 && yi < h && xj >= 0 && xj < w) {
                                        acc += weight[((o * cin + c) * k + di) * k + dj] * x[((s * cin + c) * h + yi) * w + xj];
                                    }
                                }
                            }
                        }
                        y[((s * cout + o) * oh + i) * ow + j] = acc;
                    }
                }
            }
        }
        return y;
    }

    /** GroupNorm with gamma = 1, beta = 0 (biased variance). */
    static double[] groupNorm(float[] x, int b, int c, int hw, int groups, double eps) {
        double[] y = new double[x.length];
        int cg = c / groups, n = cg * hw;
        for (int s = 0; s < b; s++) {
            for (int g = 0; g < groups; g++) {
                int from = (s * c + g * cg) * hw;
                double mean = 0, var = 0;
                for (int i = from; i < from + n; i++) {
                    mean += x[i];
                }
                mean /= n;
                for (int i = from; i < from + n; i++) {
                    var += (x[i] - mean) * (x[i] - mean);
                }
                var /= n;
                for (int i = from; i < from + n; i++) {
                    y[i] = (x[i] - mean) / Math.sqrt(var + eps);
                }
            }
        }
        return y;
    }

    static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    /** The one parameter of {@code block} whose path name ends with {@code suffix}, e.g. "qkv_weight". */
    static NDArray param(Block block, String suffix) {
        var found = block.getParameters().stream().filter(p -> p.getKey().endsWith(suffix)).toList();
        if (found.size() != 1) {
            throw new IllegalArgumentException("no single parameter ending with " + suffix + " in "
                    + block.getParameters().keys());
        }
        return found.get(0).getValue().getArray();
    }

    static NDArray forward(Block block, NDManager m, boolean training, NDArray... inputs) {
        return block.forward(new ParameterStore(m, false), new NDList(inputs), training).singletonOrThrow();
    }
}
