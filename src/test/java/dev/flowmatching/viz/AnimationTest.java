package dev.flowmatching.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;

import org.junit.jupiter.api.Test;

import dev.flowmatching.notebook.MimeBundle;

class AnimationTest {

    @Test
    void framesDelayAndLoopAreInTheGif() throws IOException {
        Animation a = new Animation(120);
        for (int k = 0; k < 3; k++) {
            BufferedImage img = new BufferedImage(20, 10, BufferedImage.TYPE_INT_RGB);
            img.setRGB(k, 0, 0xffffff);
            a.add(img);
        }
        MimeBundle b = a.toMimeBundle();
        byte[] gif = b.bytes(MimeBundle.GIF);
        ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(gif))) {
            reader.setInput(in);
            assertEquals(3, reader.getNumImages(true));
            assertEquals(20, reader.read(0).getWidth());
            IIOMetadataNode root = (IIOMetadataNode) reader.getImageMetadata(1).getAsTree("javax_imageio_gif_image_1.0");
            IIOMetadataNode gce = (IIOMetadataNode) root.getElementsByTagName("GraphicControlExtension").item(0);
            assertEquals("12", gce.getAttribute("delayTime"));
            IIOMetadataNode first = (IIOMetadataNode) reader.getImageMetadata(0).getAsTree("javax_imageio_gif_image_1.0");
            IIOMetadataNode app = (IIOMetadataNode) first.getElementsByTagName("ApplicationExtension").item(0);
            assertEquals("NETSCAPE", app.getAttribute("applicationID"));
            // the pixel lit in frame 2 survives the palette conversion
            assertEquals(0xffffff, reader.read(2).getRGB(2, 0) & 0xffffff);
        } finally {
            reader.dispose();
        }
        assertTrue(b.plainText().contains("3 frames"));
    }

    @Test
    void framesOfAnotherSizeAreRefused() {
        Animation a = new Animation(100).add(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.add(new BufferedImage(5, 4, BufferedImage.TYPE_INT_RGB)));
        assertTrue(e.getMessage().contains("5x4") && e.getMessage().contains("4x4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Animation(5));
    }
}
