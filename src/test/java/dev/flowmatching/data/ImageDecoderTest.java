package dev.flowmatching.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/**
 * The decoders on JPEGs written here: baseline, progressive (Commons Imaging cannot: ImageIO steps in),
 * greyscale, CMYK and YCCK with an Adobe marker, plain CMYK, and files no decoder can read (named, with
 * each decoder's reason).
 */
class ImageDecoderTest {
    private static final int TOLERANCE = 6; // JPEG at quality 0.95 on flat colours

    private static void assertColour(RgbImage img, int r, int g, int b) {
        int x = img.width() / 2;
        int y = img.height() / 2;
        int[] got = {img.sample(x, y, 0), img.sample(x, y, 1), img.sample(x, y, 2)};
        int[] want = {r, g, b};
        for (int c = 0; c < 3; c++) {
            assertTrue(Math.abs(got[c] - want[c]) <= TOLERANCE, "channel " + c + ": got " + java.util.Arrays.toString(got)
                    + ", want " + java.util.Arrays.toString(want));
        }
    }

    @Test
    void baselineJpegsDecodeWithEitherDecoderFirst() throws Exception {
        byte[] jpeg = TestJpegs.jpeg(TestJpegs.solid(40, 24, 0xC86432));
        ImageDecoder.Decoded a = ImageDecoder.imageIoFirst().decodeNamed(jpeg, "a.jpg");
        ImageDecoder.Decoded b = ImageDecoder.commonsImagingFirst().decodeNamed(jpeg, "a.jpg");
        assertEquals("ImageIO", a.decoder());
        assertEquals("Commons Imaging", b.decoder());
        for (ImageDecoder.Decoded d : new ImageDecoder.Decoded[] {a, b}) {
            assertEquals(40, d.image().width());
            assertEquals(24, d.image().height());
            assertColour(d.image(), 0xC8, 0x64, 0x32);
        }
    }

    @Test
    void aProgressiveJpegFallsBackToImageIo() throws Exception {
        byte[] jpeg = TestJpegs.progressive(TestJpegs.solid(32, 32, 0x2080F0));
        assertTrue(JpegHeader.parse(jpeg).progressive());
        ImageDecoder.Decoded d = ImageDecoder.commonsImagingFirst().decodeNamed(jpeg, "p.jpg");
        assertEquals("ImageIO", d.decoder(), "Commons Imaging alpha6 reads baseline JPEGs only");
        assertColour(d.image(), 0x20, 0x80, 0xF0);
    }

    @Test
    void greyscaleJpegsGiveEqualChannels() throws Exception {
        byte[] jpeg = TestJpegs.jpeg(TestJpegs.grey(16, 24, 81));
        assertEquals(1, JpegHeader.parse(jpeg).components());
        for (ImageDecoder d : new ImageDecoder[] {ImageDecoder.imageIoFirst(), ImageDecoder.commonsImagingFirst()}) {
            assertColour(d.decode(jpeg, "g.jpg"), 81, 81, 81);
        }
    }

    @Test
    void cmykAndYcckJpegsAreConvertedFromTheirInks() throws Exception {
        // Inks C=200, M=10, Y=10, K=0: R = 255 - 200 = 55, G = B = 245 (naive CMYK).
        byte[] cmyk = TestJpegs.adobeCmyk(16, 16, 200, 10, 10, 0, false);
        byte[] ycck = TestJpegs.adobeCmyk(16, 16, 200, 10, 10, 0, true);
        JpegHeader h = JpegHeader.parse(ycck);
        assertEquals(4, h.components());
        assertEquals(2, h.adobeTransform());
        assertEquals(0, JpegHeader.parse(cmyk).adobeTransform());
        for (ImageDecoder d : new ImageDecoder[] {ImageDecoder.imageIoFirst(), ImageDecoder.commonsImagingFirst()}) {
            assertEquals("CMYK", d.decodeNamed(cmyk, "c.jpg").decoder());
            assertColour(d.decode(cmyk, "c.jpg"), 55, 245, 245);
            assertColour(d.decode(ycck, "y.jpg"), 55, 245, 245);
        }
        // Without an Adobe marker the components are taken as plain inks; K = 128 halves every channel:
        // R = (255 - 200)(255 - 128)/255 = 27.4, G = B = (255 - 10)(255 - 128)/255 = 122.0.
        byte[] plain = TestJpegs.plainCmyk(16, 16, 200, 10, 10, 128);
        assertEquals(-1, JpegHeader.parse(plain).adobeTransform());
        assertColour(ImageDecoder.imageIoFirst().decode(plain, "p.jpg"), 27, 122, 122);
    }

    @Test
    void aJpegCutInItsScanIsNamedWithBothDecodersReasons() throws Exception {
        byte[] whole = TestJpegs.jpeg(TestJpegs.busy(64, 64));
        assertTrue(whole.length > 3000, "mostly scan data: " + whole.length);
        byte[] jpeg = TestJpegs.truncated(whole, 0.8);
        UnreadableImageException e = assertThrows(UnreadableImageException.class,
                () -> ImageDecoder.imageIoFirst().decode(jpeg, "jpg/image_00004.jpg"));
        assertEquals("jpg/image_00004.jpg", e.file());
        assertEquals(2, e.reasons().size(), e.getMessage());
        assertTrue(e.reasons().get(0).startsWith("ImageIO: "), e.getMessage());
        assertTrue(e.reasons().get(1).startsWith("Commons Imaging: "), e.getMessage());
        // ImageIO alone would return the picture with a grey bottom; its warning must not pass unnoticed.
        String io = e.reasons().get(0).toLowerCase(java.util.Locale.ROOT);
        assertTrue(io.contains("premature end") || io.contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains("jpg/image_00004.jpg"), e.getMessage());
    }

    @Test
    void aJpegCutInItsHeadersIsNamed() throws Exception {
        byte[] jpeg = TestJpegs.truncated(TestJpegs.jpeg(TestJpegs.solid(16, 16, 0x808080)), 0.3);
        UnreadableImageException e = assertThrows(UnreadableImageException.class,
                () -> ImageDecoder.imageIoFirst().decode(jpeg, "cut.jpg"));
        assertEquals("cut.jpg", e.file());
        assertEquals(2, e.reasons().size(), e.getMessage());
    }

    @Test
    void bytesThatAreNoPictureAreNamed() {
        byte[] junk = "not a picture at all".getBytes(StandardCharsets.US_ASCII);
        assertNull(JpegHeader.parse(junk));
        UnreadableImageException e = assertThrows(UnreadableImageException.class,
                () -> ImageDecoder.commonsImagingFirst().decode(junk, "notes.jpg"));
        assertEquals(2, e.reasons().size());
        assertTrue(e.reasons().get(1).contains("no ImageIO reader"), e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void aHeaderClaimingHugeSizeIsRefusedBeforeDecoding() throws Exception {
        byte[] jpeg = TestJpegs.jpeg(TestJpegs.solid(8, 8, 0));
        // Rewrite the frame's height and width fields (SOF0 body: precision, height, width) to 65535 x 65535.
        int sof = 2;
        while (!((jpeg[sof] & 0xFF) == 0xFF && (jpeg[sof + 1] & 0xFF) == 0xC0)) {
            sof += 2 + (((jpeg[sof + 2] & 0xFF) << 8) | (jpeg[sof + 3] & 0xFF));
        }
        for (int i = sof + 5; i < sof + 9; i++) {
            jpeg[i] = (byte) 0xFF;
        }
        UnreadableImageException e = assertThrows(UnreadableImageException.class,
                () -> ImageDecoder.imageIoFirst().decode(jpeg, "huge.jpg"));
        assertTrue(e.getMessage().contains("65535 x 65535"), e.getMessage());
    }
}
