package dev.flowmatching.notebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class DisplayTest {
    @RegisterExtension
    final RecordingSink recorder = new RecordingSink();

    @Test
    void tableShowsAsHtmlAndText() {
        Table t = Table.create("W2", StringColumn.create("steps", "5", "100"), DoubleColumn.create("w2", 0.5, 0.125));
        Display.show(t);
        MimeBundle b = recorder.calls.get(0).bundle();
        String html = (String) b.data().get(MimeBundle.HTML);
        assertTrue(html.contains("<table"), html);
        assertTrue(html.contains("<td>100</td>") && html.contains("0.125"), html);
        assertTrue(b.plainText().contains("0.125"), b.plainText());
        assertNull(recorder.calls.get(0).id(), "a plain show has no display id");
    }

    @Test
    void imageShowsAsPngThatDecodesToTheSameSize() throws IOException {
        BufferedImage img = new BufferedImage(7, 5, BufferedImage.TYPE_INT_RGB);
        img.setRGB(3, 2, 0xff0000);
        Display.show(img);
        MimeBundle b = recorder.calls.get(0).bundle();
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(b.bytes(MimeBundle.PNG)));
        assertEquals(7, back.getWidth());
        assertEquals(5, back.getHeight());
        assertEquals(0xff0000, back.getRGB(3, 2) & 0xffffff);
        assertEquals("image 7x5", b.plainText());
    }

    @Test
    void updatesReuseTheDisplayId() {
        String id = Display.showUpdatable("step 1");
        Display.update(id, "step 2");
        Display.update(id, "step 3");
        assertEquals(List.of("display", "update", "update"), recorder.calls.stream().map(RecordingSink.Call::kind).toList());
        assertTrue(recorder.calls.stream().allMatch(c -> id.equals(c.id())));
        assertEquals("step 3", recorder.calls.get(2).bundle().plainText());
    }

    @Test
    void bundleRejectsNullValuesByName() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> MimeBundle.text("x").with(MimeBundle.HTML, null));
        assertTrue(e.getMessage().contains("text/html"), e.getMessage());
    }

    @Test
    void fileSinkWritesImagesAndNamesThem(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        FileSink sink = new FileSink(dir, new PrintStream(text, true));
        byte[] png = dev.flowmatching.viz.Images.png(new BufferedImage(3, 3, BufferedImage.TYPE_INT_RGB));
        sink.display(MimeBundle.text("a picture").withPng(png), null);
        Path file = dir.resolve("output-001.png");
        assertArrayEquals(png, Files.readAllBytes(file));
        assertTrue(text.toString().contains("a picture") && text.toString().contains(file.toString()), text.toString());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
        assertNotNull(sink.describe());
    }
}
