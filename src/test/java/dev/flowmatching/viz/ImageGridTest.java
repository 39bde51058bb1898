package dev.flowmatching.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.notebook.MimeBundle;
import dev.flowmatching.runtime.Torch;

class ImageGridTest {
    @Test
    void tilesImagesRowByRowWithScaledPixelsAndBorders() {
        // Three 1x2 grey images: each pixel's value identifies it.
        float[] v = {-1f, 1f, 0f, 0.5f, 2f, Float.NaN};
        BufferedImage img = ImageGrid.of(v, 3, 1, 1, 2, 2).scale(2).padding(1).image();
        // 2 columns of 4 px + 3 borders = 11 wide; 2 rows of 2 px + 3 borders = 7 high.
        assertEquals(11, img.getWidth());
        assertEquals(7, img.getHeight());
        assertEquals(0x000000, img.getRGB(1, 1) & 0xFFFFFF, "-1 is black");
        assertEquals(0xFFFFFF, img.getRGB(4, 2) & 0xFFFFFF, "1 is white, scaled to 2x2");
        assertEquals(0x808080, img.getRGB(0, 0) & 0xFFFFFF, "border");
        int mid = Math.round(127.5f);
        assertEquals(mid << 16 | mid << 8 | mid, img.getRGB(6, 1) & 0xFFFFFF, "0 is mid grey (image 2, top-right tile)");
        assertEquals(0xFFFFFF, img.getRGB(1, 4) & 0xFFFFFF, "2 is clipped to white (image 3, second row)");
        assertEquals(0x000000, img.getRGB(3, 5) & 0xFFFFFF, "image 3's second pixel is NaN: black");
        assertEquals(0x808080, img.getRGB(7, 4) & 0xFFFFFF, "no fourth image: border colour");
    }

    @Test
    void threeChannelsAreRgbPlanes() {
        float[] v = {1f, -1f, -1f}; // one 1x1 RGB pixel: pure red
        assertEquals(0xFF0000, ImageGrid.of(v, 1, 3, 1, 1, 1).padding(0).image().getRGB(0, 0) & 0xFFFFFF);
    }

    @Test
    void pngDecodesToTheSamePictureAndNdArraysWork() throws Exception {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            var images = m.linspace(-1f, 1f, 2 * 28 * 28).reshape(new Shape(2, 1, 28, 28));
            ImageGrid grid = ImageGrid.of(images, 2).caption("ramp");
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(grid.png()));
            BufferedImage direct = grid.image();
            assertEquals(direct.getWidth(), decoded.getWidth());
            // Commons Imaging writes an all-grey picture as a greyscale PNG; compare the stored samples (ImageIO's
            // getRGB would convert grey through a linear colour space).
            for (int x = 0; x < direct.getWidth(); x += 7) {
                assertEquals(direct.getRGB(x, 14) & 0xFF, decoded.getRaster().getSample(x, 14, 0), "x=" + x);
            }
            MimeBundle b = grid.toMimeBundle();
            assertTrue(b.data().containsKey(MimeBundle.PNG));
            assertTrue(((String) b.data().get(MimeBundle.TEXT)).contains("2 images of 1x28x28"));
        }
    }

    @Test
    void badShapesAreNamed() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            var e = assertThrows(IllegalArgumentException.class, () -> ImageGrid.of(m.zeros(new Shape(2, 2, 4, 4)), 2));
            assertTrue(e.getMessage().contains("(2, 2, 4, 4)"), e.getMessage());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> ImageGrid.of(new float[5], 1, 1, 2, 2, 1));
        assertTrue(e.getMessage().contains("got 5"), e.getMessage());
    }
}
