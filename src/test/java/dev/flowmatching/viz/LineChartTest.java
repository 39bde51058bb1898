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

class LineChartTest {

    @Test
    void oneChartGivesPngPlotlyAndText() throws IOException {
        LineChart c = new LineChart("Loss", "step", "loss").series("train", new double[] {1, 2, 3}, new double[] {4, 2, 1})
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
        assertEquals(3, ((double[]) trace.get("y")).length);
        @SuppressWarnings("unchecked")
        Map<String, Object> yaxis = (Map<String, Object>) ((Map<String, Object>) fig.get("layout")).get("yaxis");
        assertEquals("log", yaxis.get("type"));
        assertTrue(b.plainText().contains("train: 3 points"), b.plainText());
    }

    @Test
    void mismatchedSeriesAreRejectedWithBothLengths() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LineChart("t", "x", "y").series("s", new double[3], new double[2]));
        assertTrue(e.getMessage().contains("x has 3") && e.getMessage().contains("y has 2"), e.getMessage());
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
