package dev.flowmatching.viz;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import dev.flowmatching.notebook.Displayable;
import dev.flowmatching.notebook.MimeBundle;

/**
 * An (x, y) figure of line series, point clouds and bundles of paths (trajectories). One description,
 * drawn twice: a static PNG by XChart (what GitHub, nbviewer and the tests see) and an interactive plotly
 * figure ({@code application/vnd.plotly.v1+json}) for JupyterLab, in the same colours.
 *
 * <pre>{@code
 * Display.show(new Plot("Loss", "step", "loss").line("train", steps, losses).logY());
 * Display.show(new Plot("Samples", "x", "y").points("target", tx, ty).points("model", mx, my).square());
 * }</pre>
 */
public final class Plot implements Displayable {
    private enum Kind { LINE, POINTS, PATHS }

    private record Series(String name, Kind kind, List<double[]> xs, List<double[]> ys, Color color) {
        int points() {
            return xs.stream().mapToInt(a -> a.length).sum();
        }
    }

    /** Matplotlib's "tab10" colours: distinct, colour-blind aware, familiar to readers of ML papers. */
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)
    };

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private boolean logX;
    private boolean logY;
    private boolean square;
    private double[] xRange;
    private double[] yRange;
    private int width = 640;
    private int height = 420;

    public Plot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** A line through the points (x[i], y[i]). */
    public Plot line(String name, double[] x, double[] y) {
        return add(name, Kind.LINE, List.of(x), List.of(y));
    }

    /** A cloud of unconnected points. */
    public Plot points(String name, double[] x, double[] y) {
        return add(name, Kind.POINTS, List.of(x), List.of(y));
    }

    /** A cloud of points given as (n, 2) rows, as {@code Wasserstein.rows} returns them. */
    public Plot points(String name, float[][] xy) {
        return points(name, column(xy, 0), column(xy, 1));
    }

    /** A cloud of points given as an (n, 2) array. */
    public Plot points(String name, ai.djl.ndarray.NDArray xy) {
        return points(name, dev.flowmatching.metric.Wasserstein.rows(xy));
    }

    /**
     * The paths of the first {@code count} points through a recorded trajectory (a list of (n, 2) states,
     * as {@code Solution.trajectory()} holds them).
     */
    public Plot trajectories(String name, List<ai.djl.ndarray.NDArray> states, int count) {
        return paths(name, java.util.Arrays.asList(Curves.paths(states, count, 0)),
                java.util.Arrays.asList(Curves.paths(states, count, 1)));
    }

    /**
     * A vector field as arrows: from each point p an arrow to p + scale * v, with a small head. For a
     * quiver plot of a velocity field at one time, e.g. points on a grid and the model's velocities there.
     */
    public Plot arrows(String name, float[][] points, float[][] vectors, double scale) {
        if (points.length != vectors.length || points.length == 0) {
            throw new IllegalArgumentException("arrows '" + name + "': " + points.length + " points and "
                    + vectors.length + " vectors; they must be equal and non-zero");
        }
        List<double[]> xs = new ArrayList<>();
        List<double[]> ys = new ArrayList<>();
        double head = Math.toRadians(25);
        for (int i = 0; i < points.length; i++) {
            double x0 = points[i][0];
            double y0 = points[i][1];
            double dx = scale * vectors[i][0];
            double dy = scale * vectors[i][1];
            double x1 = x0 + dx;
            double y1 = y0 + dy;
            double len = Math.hypot(dx, dy);
            double angle = Math.atan2(dy, dx);
            double h = 0.3 * len;
            xs.add(new double[] {x0, x1});
            ys.add(new double[] {y0, y1});
            xs.add(new double[] {x1 - h * Math.cos(angle - head), x1, x1 - h * Math.cos(angle + head)});
            ys.add(new double[] {y1 - h * Math.sin(angle - head), y1, y1 - h * Math.sin(angle + head)});
        }
        return add(name, Kind.PATHS, xs, ys);
    }

    /** Many thin paths in one colour under one legend entry: path k runs through (xs[k][i], ys[k][i]). */
    public Plot paths(String name, List<double[]> xs, List<double[]> ys) {
        if (xs.size() != ys.size() || xs.isEmpty()) {
            throw new IllegalArgumentException("paths '" + name + "': " + xs.size() + " x-paths and " + ys.size()
                    + " y-paths; they must be equal and non-zero");
        }
        return add(name, Kind.PATHS, xs, ys);
    }

    private Plot add(String name, Kind kind, List<double[]> xs, List<double[]> ys) {
        for (int k = 0; k < xs.size(); k++) {
            if (xs.get(k).length != ys.get(k).length || xs.get(k).length == 0) {
                throw new IllegalArgumentException("series '" + name + "': x has " + xs.get(k).length + " values and y has "
                        + ys.get(k).length + "; they must be equal and non-zero");
            }
        }
        List<double[]> cx = xs.stream().map(double[]::clone).toList();
        List<double[]> cy = ys.stream().map(double[]::clone).toList();
        series.add(new Series(name, kind, cx, cy, PALETTE[series.size() % PALETTE.length]));
        return this;
    }

    /** Draws the x axis on a log scale. */
    public Plot logX() {
        this.logX = true;
        return this;
    }

    /** Draws the y axis on a log scale. */
    public Plot logY() {
        this.logY = true;
        return this;
    }

    /** Equal units on both axes over a common range that holds every point: for pictures of the plane. */
    public Plot square() {
        this.square = true;
        this.height = this.width;
        return this;
    }

    public Plot xRange(double min, double max) {
        this.xRange = new double[] {min, max};
        return this;
    }

    public Plot yRange(double min, double max) {
        this.yRange = new double[] {min, max};
        return this;
    }

    public Plot size(int width, int height) {
        this.width = width;
        this.height = height;
        return this;
    }

    /** The figure as PNG bytes, drawn by XChart. */
    public byte[] png() {
        XYChart chart = new XYChartBuilder().width(width).height(height)
                .title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        XYStyler st = chart.getStyler();
        st.setLegendPosition(Styler.LegendPosition.OutsideS);
        st.setLegendLayout(Styler.LegendLayout.Horizontal);
        st.setLegendVisible(series.size() > 1);
        st.setChartBackgroundColor(Color.WHITE);
        st.setMarkerSize(5);
        st.setXAxisTickMarkSpacingHint(110); // fewer, wider-spaced ticks: long step numbers never overlap
        chart.getStyler().setXAxisLogarithmic(logX);
        chart.getStyler().setYAxisLogarithmic(logY);
        double[][] ranges = ranges();
        if (ranges != null) {
            chart.getStyler().setXAxisMin(ranges[0][0]).setXAxisMax(ranges[0][1]);
            chart.getStyler().setYAxisMin(ranges[1][0]).setYAxisMax(ranges[1][1]);
        }
        for (Series s : series) {
            // A bundle of paths is one series with NaN between paths: XChart leaves a gap there.
            XYSeries xy = chart.addSeries(s.name(), joinWithNaN(s.xs()), joinWithNaN(s.ys()));
            style(xy, s);
        }
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void style(XYSeries xy, Series s) {
        switch (s.kind()) {
            case LINE -> {
                xy.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                xy.setMarker(SeriesMarkers.NONE);
                xy.setLineColor(s.color());
            }
            case POINTS -> {
                xy.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                xy.setMarker(SeriesMarkers.CIRCLE);
                xy.setMarkerColor(translucent(s.color(), 110));
            }
            case PATHS -> {
                xy.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                xy.setMarker(SeriesMarkers.NONE);
                xy.setLineColor(translucent(s.color(), 140));
                xy.setLineStyle(new BasicStroke(1f));
            }
            default -> throw new IllegalStateException(s.kind().toString());
        }
    }

    /** The figure as a plotly figure (data + layout): the JSON of {@code application/vnd.plotly.v1+json}. */
    public Map<String, Object> plotly() {
        List<Object> data = new ArrayList<>();
        for (Series s : series) {
            Map<String, Object> trace = new LinkedHashMap<>();
            trace.put("type", s.points() > 5000 ? "scattergl" : "scatter");
            trace.put("name", s.name());
            String rgb = String.format("rgb(%d,%d,%d)", s.color().getRed(), s.color().getGreen(), s.color().getBlue());
            switch (s.kind()) {
                case LINE -> {
                    trace.put("mode", "lines");
                    trace.put("line", Map.of("color", rgb, "width", 2));
                }
                case POINTS -> {
                    trace.put("mode", "markers");
                    trace.put("marker", Map.of("color", rgb, "size", 4, "opacity", 0.5));
                }
                case PATHS -> {
                    trace.put("mode", "lines");
                    trace.put("line", Map.of("color", rgb, "width", 1));
                    trace.put("opacity", 0.6);
                }
                default -> throw new IllegalStateException(s.kind().toString());
            }
            trace.put("x", joinWithGaps(s.xs()));
            trace.put("y", joinWithGaps(s.ys()));
            data.add(trace);
        }
        Map<String, Object> layout = new LinkedHashMap<>();
        layout.put("title", Map.of("text", title));
        Map<String, Object> xaxis = new LinkedHashMap<>(Map.of("title", Map.of("text", xLabel), "type", logX ? "log" : "linear"));
        Map<String, Object> yaxis = new LinkedHashMap<>(Map.of("title", Map.of("text", yLabel), "type", logY ? "log" : "linear"));
        double[][] ranges = ranges();
        if (ranges != null) {
            xaxis.put("range", List.of(ranges[0][0], ranges[0][1]));
            yaxis.put("range", List.of(ranges[1][0], ranges[1][1]));
        }
        if (square) {
            yaxis.put("scaleanchor", "x");
            yaxis.put("scaleratio", 1);
        }
        layout.put("xaxis", xaxis);
        layout.put("yaxis", yaxis);
        layout.put("autosize", true); // fills the output area's width; the PNG keeps its fixed size
        layout.put("height", height);
        layout.put("hoverlabel", Map.of("namelength", -1));
        layout.put("showlegend", series.size() > 1);
        layout.put("legend", Map.of("orientation", "h", "y", -0.15));
        layout.put("template", "plotly_white");
        return Map.of("data", data, "layout", layout);
    }

    @Override
    public MimeBundle toMimeBundle() {
        StringBuilder text = new StringBuilder(title);
        for (Series s : series) {
            text.append(String.format("%n  %s: %d %s", s.name(), s.kind() == Kind.PATHS ? s.xs().size() : s.points(),
                    s.kind() == Kind.PATHS ? "paths" : "points"));
            if (s.kind() == Kind.LINE) {
                double[] x = s.xs().get(0);
                double[] y = s.ys().get(0);
                text.append(String.format(", last (%.4g, %.4g)", x[x.length - 1], y[y.length - 1]));
            }
        }
        return MimeBundle.text(text.toString()).withPng(png()).with(MimeBundle.PLOTLY, plotly());
    }

    /** Explicit ranges, or for a square plot a common range around every point with a 5% margin. */
    private double[][] ranges() {
        if (!square) {
            return xRange == null || yRange == null ? null : new double[][] {xRange, yRange};
        }
        if (xRange != null && yRange != null) {
            return new double[][] {xRange, yRange};
        }
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double[] a : s.xs()) {
                for (double v : a) {
                    minX = Math.min(minX, v);
                    maxX = Math.max(maxX, v);
                }
            }
            for (double[] a : s.ys()) {
                for (double v : a) {
                    minY = Math.min(minY, v);
                    maxY = Math.max(maxY, v);
                }
            }
        }
        double half = Math.max(maxX - minX, maxY - minY) / 2 * 1.05 + 1e-9;
        double cx = (minX + maxX) / 2;
        double cy = (minY + maxY) / 2;
        return new double[][] {{cx - half, cx + half}, {cy - half, cy + half}};
    }

    private static double[] joinWithNaN(List<double[]> parts) {
        int n = parts.stream().mapToInt(a -> a.length).sum() + parts.size() - 1;
        double[] out = new double[n];
        int i = 0;
        for (int k = 0; k < parts.size(); k++) {
            if (k > 0) {
                out[i++] = Double.NaN;
            }
            System.arraycopy(parts.get(k), 0, out, i, parts.get(k).length);
            i += parts.get(k).length;
        }
        return out;
    }

    /** Paths joined into one trace, separated by nulls (plotly breaks the line there). */
    private static List<Double> joinWithGaps(List<double[]> parts) {
        List<Double> out = new ArrayList<>();
        for (int k = 0; k < parts.size(); k++) {
            if (k > 0) {
                out.add(null);
            }
            for (double v : parts.get(k)) {
                out.add(Double.isFinite(v) ? v : null);
            }
        }
        return out;
    }

    private static Color translucent(Color c, int alpha) {
        return new Color(c.getRed(), c.getGreen(), c.getBlue(), alpha);
    }

    private static double[] column(float[][] rows, int k) {
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = rows[i][k];
        }
        return out;
    }
}
