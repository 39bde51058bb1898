package dev.flowmatching.coupling;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

import dev.flowmatching.runtime.Rng;

/**
 * OT pairing by sorting: both batches are projected on a unit direction u, p0_i = u . x0_i and
 * p1_j = u . x1_j, and the k-th smallest p0 is paired with the k-th smallest p1. In one dimension that is the
 * exact optimal transport plan for any convex cost, |x0 - x1|^2 included (the monotone rearrangement;
 * Santambrogio 2015, "Optimal Transport for Applied Mathematicians", ch. 2); in d > 1 it is the optimal
 * pairing of the projections only (one slice of sliced OT), a cheap heuristic, not the OT plan.
 * O(B d + B log B). Ties are broken by batch position. Deterministic: {@code rng} is not used.
 *
 * <p>Points are flattened to rows of d numbers; the default direction is the first coordinate,
 * u = (1, 0, ..., 0).
 */
public final class SortCoupling implements Coupling {
    private final double[] direction;

    /** Along the first coordinate of the (flattened) points. */
    public SortCoupling() {
        this.direction = null;
    }

    /** Along {@code direction} (one entry per coordinate of a flattened point), scaled to unit length. */
    public SortCoupling(double[] direction) {
        double norm = 0;
        for (double v : direction) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("sort direction must be finite, got " + Arrays.toString(direction));
            }
            norm += v * v;
        }
        if (direction.length == 0 || !(norm > 0)) {
            throw new IllegalArgumentException("sort direction must be a non-zero vector, got "
                    + Arrays.toString(direction));
        }
        double len = Math.sqrt(norm);
        this.direction = Arrays.stream(direction).map(v -> v / len).toArray();
    }

    @Override
    public NDList pair(NDArray x0, NDArray x1, Rng rng) {
        Batches.checkPair(x0, x1);
        double[][] a = Batches.rows(x0, "x0");
        double[][] b = Batches.rows(x1, "x1");
        int d = a[0].length;
        if (direction != null && direction.length != d) {
            throw new IllegalArgumentException("sort direction has " + direction.length
                    + " coordinates, but the points have " + d + " (shape " + x0.getShape() + ")");
        }
        int[] order0 = ranks(project(a));
        int[] order1 = ranks(project(b));
        int[] match = new int[a.length];
        for (int k = 0; k < a.length; k++) {
            match[order0[k]] = order1[k];
        }
        return Batches.reorderTargets(x0, x1, match);
    }

    private double[] project(double[][] rows) {
        double[] p = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            if (direction == null) {
                p[i] = rows[i][0];
            } else {
                double s = 0;
                for (int k = 0; k < direction.length; k++) {
                    s += direction[k] * rows[i][k];
                }
                p[i] = s;
            }
        }
        return p;
    }

    /** The batch positions in increasing order of p (stable). */
    private static int[] ranks(double[] p) {
        return IntStream.range(0, p.length).boxed().sorted(Comparator.comparingDouble(i -> p[i]))
                .mapToInt(Integer::intValue).toArray();
    }

    /** The unit direction, or null for the first coordinate. */
    public double[] direction() {
        return direction == null ? null : direction.clone();
    }

    @Override
    public String name() {
        return direction == null ? "sort (first coordinate)" : "sort along " + Arrays.toString(direction);
    }
}
