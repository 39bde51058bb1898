package dev.flowmatching.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.runtime.Torch;

/** ImageSet: exact scaling to [-1, 1], shapes and dtypes on the device, subsets, and its input checks. */
class ImageSetTest {
    private static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    /** Three 1 x 2 x 3 images; image i's pixel p is 10 i + p, except the extremes placed in image 2. */
    private static ImageSet tiny() {
        byte[] pixels = new byte[3 * 6];
        for (int i = 0; i < 3; i++) {
            for (int p = 0; p < 6; p++) {
                pixels[i * 6 + p] = (byte) (10 * i + p);
            }
        }
        pixels[12] = 0;
        pixels[13] = (byte) 255;
        pixels[14] = (byte) 128;
        return ImageSet.of("tiny", 1, 2, 3, DIGITS, new int[] {4, 0, 9}, pixels);
    }

    @Test
    void imagesAreScaledExactlyToMinusOneOne() {
        ImageSet set = tiny();
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray x = set.images(m, new int[] {2, 0});
            assertEquals(new Shape(2, 1, 2, 3), x.getShape());
            assertEquals(DataType.FLOAT32, x.getDataType());
            float[] v = x.toFloatArray();
            assertEquals(-1f, v[0], 0f, "0 -> -1 exactly");
            assertEquals(1f, v[1], 0f, "255 -> 1 exactly");
            assertEquals(128 / 127.5 - 1, v[2], 1e-7, "128 -> 1/255");
            for (int p = 0; p < 6; p++) {
                assertEquals(p / 127.5 - 1, v[6 + p], 1e-7, "image 0 pixel " + p);
            }
        }
    }

    @Test
    void labelsAreInt32InTheOrderAsked() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray y = tiny().labels(m, new int[] {2, 2, 1, 0});
            assertEquals(DataType.INT32, y.getDataType());
            assertEquals(new Shape(4), y.getShape());
            assertArrayEquals(new int[] {9, 9, 0, 4}, y.toIntArray());
        }
    }

    @Test
    void accessorsAndSubsetKeepImagesWithTheirLabels() {
        ImageSet set = tiny();
        assertEquals(3, set.size());
        assertEquals(10, set.numClasses());
        assertEquals("9", set.className(set.label(2)));
        assertArrayEquals(new int[] {1, 0, 0, 0, 1, 0, 0, 0, 0, 1}, set.classCounts());
        ImageSet sub = set.subset(1, 3);
        assertEquals(2, sub.size());
        assertArrayEquals(new int[] {0, 9}, sub.labels());
        assertArrayEquals(set.image(1), sub.image(0));
        assertArrayEquals(set.image(2), sub.image(1));
        assertEquals(255, sub.image(1)[1] & 0xFF);
        assertEquals(0, set.subset(2, 2).size());
        ImageSet picked = set.select(new int[] {2, 0});
        assertArrayEquals(new int[] {9, 4}, picked.labels());
        assertArrayEquals(set.image(2), picked.image(0));
        assertArrayEquals(set.image(0), picked.image(1));
        assertThrows(IndexOutOfBoundsException.class, () -> set.select(new int[] {3}));
        assertThrows(IndexOutOfBoundsException.class, () -> set.subset(2, 4));
    }

    @Test
    void theFactoryCopiesItsArrays() {
        byte[] pixels = new byte[6];
        int[] labels = {3};
        ImageSet set = ImageSet.of("copy", 1, 2, 3, DIGITS, labels, pixels);
        pixels[0] = 99;
        labels[0] = 5;
        assertEquals(0, set.image(0)[0]);
        assertEquals(3, set.label(0));
    }

    @Test
    void badInputNamesTheProblem() {
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> ImageSet.of("x", 1, 28, 28, DIGITS, new int[2], new byte[784]));
        assertTrue(size.getMessage().contains("expected 2 x 1 x 28 x 28 = 1568 pixels for 2 labels, got 784"),
                size.getMessage());
        IllegalArgumentException label = assertThrows(IllegalArgumentException.class,
                () -> ImageSet.of("x", 1, 1, 1, DIGITS, new int[] {0, 10}, new byte[2]));
        assertTrue(label.getMessage().contains("label 10 at index 1 is outside 0..9"), label.getMessage());
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            IndexOutOfBoundsException index = assertThrows(IndexOutOfBoundsException.class,
                    () -> tiny().images(m, new int[] {0, 3}));
            assertTrue(index.getMessage().contains("image index 3 is outside 0..2"), index.getMessage());
        }
    }

    @Test
    void firstOfEachClassListsClassesInOrder() {
        ImageSet set = ImageSet.of("abc", 1, 1, 1, List.of("a", "b", "c"), new int[] {2, 0, 2, 1, 0, 2, 1, 0},
                new byte[8]);
        assertArrayEquals(new int[] {1, 4, 3, 6, 0, 2}, set.firstOfEachClass(2));
        var e = assertThrows(IllegalArgumentException.class, () -> set.firstOfEachClass(3));
        assertTrue(e.getMessage().contains("class 1 (b) has 2 images"), e.getMessage());
    }
}
