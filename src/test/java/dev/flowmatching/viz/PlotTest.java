package dev.flowmatching.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import dev.flowmatching.notebook.MimeBundle;

class PlotTest {

    @Test
    void oneChartGivesPngPlotlyAndText() throws IOException {
        Plot c = new Plot("Loss", "step", "loss").line("train", new double[] {1, 2, 3}, new double[] {4, 2, 1})
                .logY().size(500, 300);
        MimeBundle b = c.toMimeBundle();
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(b.bytes(MimeBundle.PNG)));
        assertEquals(500, png.getWidth());
        assertEquals(300, png.getHeight());
        @SuppressWarnings("unchecked")
        Map<String, Object> fig = (Map<String, Object>) b.data().get(MimeBundle.PLOTLY);
        @SuppressWarnings("unchecked")
        Map<String, Object> trace = (Map<String, Object>) ((List<Object>) fig.get("data")).get(0);
        assertEquals("train", trace.get("name"));
        assertEquals(List.of(4.0, 2.0, 1.0), trace.get("y"));
        @SuppressWarnings("unchecked")
        Map<String, Object> yaxis = (Map<String, Object>) ((Map<String, Object>) fig.get("layout")).get("yaxis");
        assertEquals("log", yaxis.get("type"));
        assertTrue(b.plainText().contains("train: 3 points"), b.plainText());
    }

    @Test
    void mismatchedSeriesAreRejectedWithBothLengths() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Plot("t", "x", "y").line("s", new double[3], new double[2]));
        assertTrue(e.getMessage().contains("x has 3") && e.getMessage().contains("y has 2"), e.getMessage());
    }

    @Test
    void pathsBecomeOneTraceWithGapsAndSquarePlotsShareUnits() {
        Plot p = new Plot("Trajectories", "x", "y").square()
                .paths("flow", List.of(new double[] {0, 1}, new double[] {2, 3}), List.of(new double[] {0, 1}, new double[] {5, 6}))
                .points("target", new float[][] {{1, 1}, {2, 2}});
        Map<String, Object> fig = p.plotly();
        @SuppressWarnings("unchecked")
        Map<String, Object> trace = (Map<String, Object>) ((List<Object>) fig.get("data")).get(0);
        assertEquals(java.util.Arrays.asList(0.0, 1.0, null, 2.0, 3.0), trace.get("x"));
        @SuppressWarnings("unchecked")
        Map<String, Object> yaxis = (Map<String, Object>) ((Map<String, Object>) fig.get("layout")).get("yaxis");
        assertEquals("x", yaxis.get("scaleanchor"));
        @SuppressWarnings("unchecked")
        List<Double> xr = (List<Double>) ((Map<String, Object>) ((Map<String, Object>) fig.get("layout")).get("xaxis")).get("range");
        @SuppressWarnings("unchecked")
        List<Double> yr = (List<Double>) yaxis.get("range");
        assertEquals(xr.get(1) - xr.get(0), yr.get(1) - yr.get(0), 1e-9, "equal spans on both axes");
        assertTrue(yr.get(0) <= 0 && yr.get(1) >= 6, "the range holds every point: " + yr);
        assertTrue(p.toMimeBundle().plainText().contains("flow: 2 paths"));
        assertTrue(p.png().length > 1000);
    }

    @Test
    void arrowsEndAtPointPlusScaledVector() {
        Plot p = new Plot("field", "x", "y").arrows("v", new float[][] {{1, 2}, {0, 0}}, new float[][] {{2, 0}, {0, -1}}, 0.5);
        @SuppressWarnings("unchecked")
        Map<String, Object> trace = (Map<String, Object>) ((List<Object>) p.plotly().get("data")).get(0);
        @SuppressWarnings("unchecked")
        List<Double> x = (List<Double>) trace.get("x");
        @SuppressWarnings("unchecked")
        List<Double> y = (List<Double>) trace.get("y");
        // arrow 1: shaft (1,2) -> (2,2), then a head whose middle point is the tip
        assertEquals(List.of(1.0, 2.0), x.subList(0, 2));
        assertEquals(List.of(2.0, 2.0), y.subList(0, 2));
        assertEquals(2.0, x.get(4), 1e-12);
        assertEquals(2.0, y.get(4), 1e-12);
        // arrow 2 points down by 0.5
        assertEquals(-0.5, y.get(8), 1e-12);
        assertTrue(p.png().length > 1000);
    }

    @Test
    void heatmapMapsMinToDarkAndMaxToBright() {
        BufferedImage img = Images.heatmap(new float[] {0, 1, 2, 3}, 2, 2, 4);
        assertEquals(8, img.getWidth());
        int dark = img.getRGB(0, 0) & 0xffffff;
        int bright = img.getRGB(7, 7) & 0xffffff;
        assertTrue(luma(bright) > luma(dark) + 100, "dark=" + Integer.toHexString(dark) + " bright=" + Integer.toHexString(bright));
        assertThrows(IllegalArgumentException.class, () -> Images.heatmap(new float[3], 2, 2, 1));
    }

    private static double luma(int rgb) {
        return 0.299 * (rgb >> 16) + 0.587 * ((rgb >> 8) & 0xff) + 0.114 * (rgb & 0xff);
    }
}
