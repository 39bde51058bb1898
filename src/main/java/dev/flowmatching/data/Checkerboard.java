package dev.flowmatching.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Rng;

/**
 * The uniform distribution on the 8 dark squares of a 4x4 checkerboard centred on the origin, the board
 * {@code [-size/2, size/2]^2} with squares of side {@code size/4}. Square (i, j) (column i, row j, counted
 * from the lower left, 0..3) is dark when i + j is even, so the lower-left corner is dark: the same board as
 * the "checkerboard" toy of FFJORD (Grathwohl et al. 2019) and torchcfm with the default size 8.
 * Sampled as column i ~ U{0..3}, row j = 2 m + (i mod 2) with m ~ U{0, 1}, then a uniform point in the square.
 *
 * <pre>{@code
 * Distribution target = new Checkerboard();     // the board [-4, 4]^2, squares of side 2
 * }</pre>
 */
public final class Checkerboard implements Distribution {
    public static final double DEFAULT_SIZE = 8;

    private final double size;

    public Checkerboard() {
        this(DEFAULT_SIZE);
    }

    /** A board of side {@code size}: [-size/2, size/2]^2. */
    public Checkerboard(double size) {
        if (!(size > 0) || !Double.isFinite(size)) {
            throw new IllegalArgumentException("checkerboard needs a finite size > 0, got size=" + size);
        }
        this.size = size;
    }

    public double size() {
        return size;
    }

    /** The side of one square, size / 4. */
    public double cell() {
        return size / 4;
    }

    @Override
    public NDArray sample(NDManager manager, int n, Rng rng) {
        NDArray u = rng.uniform(manager, 0f, 1f, new Shape(n, 4));
        NDArray column = u.get(":, 0").mul(4f).floor().clip(0, 3);
        NDArray pair = u.get(":, 1").mul(2f).floor().clip(0, 1);
        NDArray row = pair.mul(2f).add(column.mod(2f));
        NDArray x = column.add(u.get(":, 2"));
        NDArray y = row.add(u.get(":, 3"));
        return x.stack(y, 1).mul((float) cell()).sub((float) (size / 2));
    }

    @Override
    public long[] sampleShape() {
        return new long[] {2};
    }

    @Override
    public String name() {
        return "checkerboard";
    }
}
