package dev.flowmatching.metric;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;

import dev.flowmatching.viz.ImageGrid;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Image samples of one trained model drawn with several solvers and budgets from the same noise, set side by
 * side and scored against held-out real images by the energy distance in pixel space ({@link EnergyDistance},
 * each image one point of C H W dimensions). The distance sees the distribution of colours, brightness and
 * coarse layout, not whether a petal looks like a petal, so it ranks settings of one model, not models against
 * the literature (that is what FID's learned features are for). The estimate is unbiased, so it scatters around
 * its true value and can dip below 0: {@link #floor}, the estimate between two real sets, shows how far apart
 * "as good as real data" can land, and the table lists it first.
 *
 * <pre>{@code
 * SolverComparison c = new SolverComparison(heldOut, otherReal);   // real images (n, C, H, W) in [-1, 1]
 * c.add("euler", 8, eulerSamples);
 * c.add("midpoint", 8, midpointSamples);
 * Display.show(c.grid(8));
 * Display.show(c.table());
 * }</pre>
 */
public final class SolverComparison {
    private record Row(String solver, int nfe, float[][] points, long[] shape) {
    }

    private final float[][] reference;
    private final double floor;
    private final List<Row> rows = new ArrayList<>();

    /**
     * Against {@code heldOut} real images; {@code otherReal}, more real images of the same size, sets the floor.
     */
    public SolverComparison(NDArray heldOut, NDArray otherReal) {
        this.reference = points(heldOut);
        this.floor = EnergyDistance.squared(reference, points(otherReal));
    }

    /** The squared energy distance between the held-out set and the other real set: about 0, give or take the noise. */
    public double floor() {
        return floor;
    }

    /** Samples (n, C, H, W) drawn with {@code solver} at {@code nfe} evaluations each; copied to the host. */
    public SolverComparison add(String solver, int nfe, NDArray samples) {
        long n = samples.getShape().get(0);
        if (n < 1 || samples.getShape().size() / n != reference[0].length) {
            throw new IllegalArgumentException("samples of shape " + samples.getShape() + " do not match the real images ("
                    + reference[0].length + " values each)");
        }
        rows.add(new Row(solver, nfe, points(samples), samples.getShape().getShape()));
        return this;
    }

    /** Squared energy distance of one row's samples to the held-out images. */
    public double distance(int row) {
        return EnergyDistance.squared(rows.get(row).points(), reference);
    }

    /** The first {@code columns} samples of every row, a row each, in the order added (same noise per column). */
    public ImageGrid grid(int columns) {
        if (rows.isEmpty()) {
            throw new IllegalStateException("no samples added yet");
        }
        long[] s = rows.get(0).shape();
        int perRow = (int) Math.min(columns, rows.stream().mapToLong(r -> r.shape()[0]).min().getAsLong());
        int size = (int) (s[1] * s[2] * s[3]);
        float[] all = new float[rows.size() * perRow * size];
        StringBuilder order = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            float[][] p = rows.get(r).points();
            for (int k = 0; k < perRow; k++) {
                System.arraycopy(p[k], 0, all, (r * perRow + k) * size, size);
            }
            order.append(r == 0 ? "" : ", ").append(rows.get(r).solver()).append(" NFE ").append(rows.get(r).nfe());
        }
        return ImageGrid.of(all, rows.size() * perRow, (int) s[1], (int) s[2], (int) s[3], perRow)
                .caption("rows: " + order + "; each column starts from the same noise");
    }

    /** A row per setting (solver, NFE, squared energy distance to the held-out images), after the real-vs-real row. */
    public Table table() {
        StringColumn solver = StringColumn.create("sampler");
        IntColumn nfe = IntColumn.create("NFE");
        DoubleColumn energy = DoubleColumn.create("energy distance^2 to held-out (pixels)");
        solver.append("real images (another set)");
        nfe.appendMissing();
        energy.append(floor);
        for (int r = 0; r < rows.size(); r++) {
            solver.append(rows.get(r).solver());
            nfe.append(rows.get(r).nfe());
            energy.append(distance(r));
        }
        return Table.create("Samples against " + reference.length + " held-out images (lower is closer)", solver, nfe,
                energy);
    }

    /** Images (n, C, H, W) as n points of C H W coordinates. */
    private static float[][] points(NDArray images) {
        if (images.getShape().dimension() < 2) {
            throw new IllegalArgumentException("expected images (n, C, H, W), got " + images.getShape());
        }
        long n = images.getShape().get(0);
        return Wasserstein.rows(images.reshape(n, -1));
    }
}
