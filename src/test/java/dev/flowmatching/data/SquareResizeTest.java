package dev.flowmatching.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;

import org.junit.jupiter.api.Test;

/** Centre crop and area resize against values worked out by hand; greyscale to RGB without a gamma curve. */
class SquareResizeTest {

    /** An image whose channel c at (x, y) is f[c](x, y). */
    private static RgbImage image(int width, int height, java.util.function.IntBinaryOperator... f) {
        byte[] rgb = new byte[3 * width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < 3; c++) {
                    rgb[3 * (y * width + x) + c] = (byte) f[c].applyAsInt(x, y);
                }
            }
        }
        return new RgbImage(width, height, rgb);
    }

    private static int[] unsigned(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xFF;
        }
        return out;
    }

    @Test
    void aWideImageIsCroppedToItsCentreSquareAndShrunkToBlockMeans() {
        // 6 wide x 4 high: the crop is columns 1..4. Red = 10y + x; green 200 on the cut columns 0 and 5, else 100;
        // blue = 40y.
        RgbImage img = image(6, 4, (x, y) -> 10 * y + x, (x, y) -> x == 0 || x == 5 ? 200 : 100, (x, y) -> 40 * y);
        int[] out = unsigned(SquareResize.centreCropArea(img, 2));
        // Red blocks: (1+2+11+12)/4 = 6.5 -> 7, (3+4+13+14)/4 = 8.5 -> 9, (21+22+31+32)/4 = 26.5 -> 27,
        // (23+24+33+34)/4 = 28.5 -> 29 (halves round up). Green: only the 100s survive the crop.
        // Blue: (0+0+40+40)/4 = 20 on top, (80+80+120+120)/4 = 100 below.
        assertArrayEquals(new int[] {7, 9, 27, 29, 100, 100, 100, 100, 20, 20, 100, 100}, out);
    }

    @Test
    void aTallImageKeepsItsMiddleRows() {
        // 2 wide x 5 high: the crop is rows 1..2 (the odd surplus row is cut at the bottom); size 2 = the crop itself.
        RgbImage img = image(2, 5, (x, y) -> 50 * y + x, (x, y) -> 7, (x, y) -> 9);
        int[] out = unsigned(SquareResize.centreCropArea(img, 2));
        assertArrayEquals(new int[] {50, 51, 100, 101, 7, 7, 7, 7, 9, 9, 9, 9}, out);
    }

    @Test
    void fractionalCoverageIsWeightedByArea() {
        // 3 -> 2: output pixel 0 covers [0, 1.5): 2/3 of pixel 0 and 1/3 of pixel 1; output 1 the mirror image.
        // Columns 0, 90, 180: 2/3*0 + 1/3*90 = 30 and 1/3*90 + 2/3*180 = 150. Rows are constant.
        RgbImage img = image(3, 3, (x, y) -> 90 * x, (x, y) -> 90 * y, (x, y) -> 60);
        int[] out = unsigned(SquareResize.centreCropArea(img, 2));
        assertArrayEquals(new int[] {30, 150, 30, 150, 30, 30, 150, 150, 60, 60, 60, 60}, out);
    }

    @Test
    void aOnePixelCheckerboardAveragesToGreyInsteadOfAliasing() {
        // Nearest neighbour would pick 0 or 255 everywhere; the area mean of 0s and 255s in equal number is 127.5.
        RgbImage img = image(8, 8, (x, y) -> (x + y) % 2 * 255, (x, y) -> (x + y) % 2 * 255, (x, y) -> 0);
        int[] out = unsigned(SquareResize.centreCropArea(img, 2));
        for (int i = 0; i < 8; i++) {
            assertEquals(128, out[i], "pixel " + i);
        }
    }

    @Test
    void enlargingRepeatsPixels() {
        RgbImage img = image(1, 1, (x, y) -> 10, (x, y) -> 20, (x, y) -> 30);
        int[] out = unsigned(SquareResize.centreCropArea(img, 3));
        assertArrayEquals(new int[] {10, 10, 10, 10, 10, 10, 10, 10, 10, 20, 20, 20, 20, 20, 20, 20, 20, 20, 30, 30,
            30, 30, 30, 30, 30, 30, 30}, out);
        assertThrows(IllegalArgumentException.class, () -> SquareResize.centreCropArea(img, 0));
    }

    @Test
    void greyscaleBecomesThreeEqualChannelsWithTheStoredValues() {
        BufferedImage grey = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                grey.getRaster().setSample(x, y, 0, 81 + 10 * x + y);
            }
        }
        RgbImage rgb = RgbImage.of(grey);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                for (int c = 0; c < 3; c++) {
                    // getRGB would give 153 for 81: the JDK treats TYPE_BYTE_GRAY as linear light.
                    assertEquals(81 + 10 * x + y, rgb.sample(x, y, c), "(" + x + ", " + y + ") channel " + c);
                }
            }
        }
    }

    @Test
    void bgrAndPackedRgbImagesComeOutAsRgb() {
        for (int type : new int[] {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_RGB,
            BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_USHORT_565_RGB}) {
            BufferedImage img = new BufferedImage(2, 1, type);
            img.setRGB(0, 0, 0xFF0000);
            img.setRGB(1, 0, 0x0000FF);
            RgbImage rgb = RgbImage.of(img);
            assertArrayEquals(new int[] {255, 0, 0, 0, 0, 255}, unsigned(rgb.rgb()), "type " + type);
        }
    }
}
