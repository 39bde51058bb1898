package dev.flowmatching.viz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import dev.flowmatching.notebook.Displayable;
import dev.flowmatching.notebook.MimeBundle;

/**
 * A chart of one or more (x, y) line series. One description, drawn twice: a static PNG by XChart (shown
 * by GitHub, nbviewer and the tests) and an interactive plotly figure for JupyterLab.
 *
 * <pre>{@code
 * Display.show(new LineChart("Loss", "step", "loss").series("train", steps, losses).logY());
 * }</pre>
 */
public final class LineChart implements Displayable {
    private record Series(String name, double[] x, double[] y) {
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private boolean logY;
    private int width = 640;
    private int height = 400;

    public LineChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** Adds a series; x and y must have the same, non-zero length. */
    public LineChart series(String name, double[] x, double[] y) {
        if (x.length != y.length || x.length == 0) {
            throw new IllegalArgumentException("series '" + name + "': x has " + x.length + " values and y has "
                    + y.length + "; they must be equal and non-zero");
        }
        series.add(new Series(name, x.clone(), y.clone()));
        return this;
    }

    /** Draws the y axis on a log scale. */
    public LineChart logY() {
        this.logY = true;
        return this;
    }

    public LineChart size(int width, int height) {
        this.width = width;
        this.height = height;
        return this;
    }

    /** The chart as PNG bytes, drawn by XChart. */
    public byte[] png() {
        XYChart chart = new XYChartBuilder().width(width).height(height)
                .title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setLegendVisible(series.size() > 1);
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        for (Series s : series) {
            chart.addSeries(s.name(), s.x(), s.y()).setMarker(SeriesMarkers.NONE);
        }
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The chart as a plotly figure (data + layout), the JSON of {@code application/vnd.plotly.v1+json}. */
    public Map<String, Object> plotly() {
        List<Object> data = new ArrayList<>();
        for (Series s : series) {
            Map<String, Object> trace = new LinkedHashMap<>();
            trace.put("type", "scatter");
            trace.put("mode", "lines");
            trace.put("name", s.name());
            trace.put("x", s.x());
            trace.put("y", s.y());
            data.add(trace);
        }
        Map<String, Object> layout = new LinkedHashMap<>();
        layout.put("title", Map.of("text", title));
        layout.put("xaxis", Map.of("title", Map.of("text", xLabel)));
        layout.put("yaxis", Map.of("title", Map.of("text", yLabel), "type", logY ? "log" : "linear"));
        layout.put("width", width);
        layout.put("height", height);
        layout.put("showlegend", series.size() > 1);
        return Map.of("data", data, "layout", layout);
    }

    @Override
    public MimeBundle toMimeBundle() {
        StringBuilder text = new StringBuilder(title);
        for (Series s : series) {
            text.append(String.format("%n  %s: %d points, last (%.4g, %.4g)", s.name(), s.x().length,
                    s.x()[s.x().length - 1], s.y()[s.y().length - 1]));
        }
        return MimeBundle.text(text.toString()).withPng(png()).with(MimeBundle.PLOTLY, plotly());
    }
}
