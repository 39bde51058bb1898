package dev.flowmatching.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.flowmatching.runtime.Rng;

/** IDX files written here, read back; and every way a file can be wrong, each named in the error. */
class IdxFileTest {
    @TempDir
    Path dir;

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Rng(seed).java().nextBytes(b);
        return b;
    }

    /** The plain IDX bytes as the format describes them, built independently of {@link IdxFile#write}. */
    private static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteBuffer buf = ByteBuffer.allocate(4 + 4 * dims.length + data.length); // big-endian by default
        buf.putInt(magic);
        for (int d : dims) {
            buf.putInt(d);
        }
        return buf.put(data).array();
    }

    @Test
    void gzipAndPlainFilesRoundTripWithTheirDimensionsAndContentHash() throws Exception {
        byte[] pixels = randomBytes(5 * 28 * 28, 1);
        int[] dims = {5, 28, 28};
        for (String name : new String[] {"images-idx3-ubyte.gz", "images-idx3-ubyte"}) {
            Path file = dir.resolve(name);
            IdxFile.write(file, dims, pixels);
            IdxArray read = IdxFile.read(file, 3);
            assertArrayEquals(dims, read.dims(), name);
            assertArrayEquals(pixels, read.data(), name);
            assertEquals(5, read.count());
            assertEquals(28 * 28, read.itemSize());
            byte[] plain = idx(0x00000803, dims, pixels);
            String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(plain));
            assertEquals(expected, read.sha256(), "content hash of the uncompressed bytes, " + name);
        }
        byte[] onDisk = Files.readAllBytes(dir.resolve("images-idx3-ubyte.gz"));
        assertEquals(0x1f, onDisk[0] & 0xFF, "a .gz name is written gzip'd");
        assertArrayEquals(idx(0x00000803, dims, pixels), new GZIPInputStream(Files.newInputStream(
                dir.resolve("images-idx3-ubyte.gz"))).readAllBytes(), "the layout of the IDX format");
        assertArrayEquals(idx(0x00000803, dims, pixels), Files.readAllBytes(dir.resolve("images-idx3-ubyte")));
    }

    @Test
    void labelsAreOneDimensionalAndReadAsUnsigned() throws Exception {
        Path file = dir.resolve("labels-idx1-ubyte.gz");
        IdxFile.write(file, new int[] {4}, new byte[] {0, 9, (byte) 200, (byte) 255});
        IdxArray read = IdxFile.read(file, 1);
        assertEquals(4, read.count());
        assertEquals(255, read.data()[3] & 0xFF);
        assertEquals(200, read.data()[2] & 0xFF);
    }

    @Test
    void aFileHandWrittenToTheSpecIsRead() throws Exception {
        Path file = dir.resolve("spec-idx2-ubyte");
        Files.write(file, idx(0x00000802, new int[] {2, 3}, new byte[] {1, 2, 3, 4, 5, 6}));
        IdxArray read = IdxFile.read(file);
        assertArrayEquals(new int[] {2, 3}, read.dims());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6}, read.data());
    }

    private IOException readFails(Path file, int dims) {
        IOException e = assertThrows(IOException.class, () -> IdxFile.read(file, dims));
        assertTrue(e.getMessage().contains(file.toString()), "the error names the file: " + e.getMessage());
        return e;
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nope-idx1-ubyte.gz");
        IOException e = readFails(missing, 1);
        assertTrue(e instanceof NoSuchFileException, e.toString());
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void aWrongMagicNumberIsReportedWithTheExpectedOne() throws Exception {
        Path file = dir.resolve("bad-magic");
        Files.write(file, idx(0x12340803, new int[] {1}, new byte[] {1}));
        assertTrue(readFails(file, -1).getMessage().contains("not an IDX file: magic number 0x12340803"));
        Files.write(file, idx(0x00000D01, new int[] {1}, new byte[4]));
        assertTrue(readFails(file, 1).getMessage().contains("value type 0x0d is not supported"));
    }

    @Test
    void labelsWhereImagesAreExpectedNameBothDimensionCounts() throws Exception {
        Path file = dir.resolve("labels-idx1-ubyte.gz");
        IdxFile.write(file, new int[] {3}, new byte[] {1, 2, 3});
        String message = readFails(file, 3).getMessage();
        assertTrue(message.contains("expected 3 dimension(s) (magic 0x00000803), got 1 (magic 0x00000801)"), message);
    }

    @Test
    void truncatedFilesSayHowMuchIsThere() throws Exception {
        Path full = dir.resolve("full-idx3-ubyte");
        IdxFile.write(full, new int[] {2, 4, 4}, randomBytes(32, 2));
        byte[] bytes = Files.readAllBytes(full);

        Path cut = dir.resolve("cut-idx3-ubyte");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 5));
        String message = readFails(cut, 3).getMessage();
        assertTrue(message.contains("truncated") && message.contains("announces 32 values, the file holds 27"), message);

        Files.write(cut, Arrays.copyOf(bytes, 10));
        assertTrue(readFails(cut, 3).getMessage().contains("truncated header: 6 of 12 dimension bytes"));
        Files.write(cut, Arrays.copyOf(bytes, 2));
        assertTrue(readFails(cut, 3).getMessage().contains("truncated header: 2 of 4 magic-number bytes"));
    }

    @Test
    void aTruncatedGzipFileIsNamed() throws Exception {
        Path gz = dir.resolve("images-idx3-ubyte.gz");
        IdxFile.write(gz, new int[] {50, 28, 28}, randomBytes(50 * 784, 3));
        byte[] bytes = Files.readAllBytes(gz);
        Files.write(gz, Arrays.copyOf(bytes, bytes.length / 2));
        String message = readFails(gz, 3).getMessage();
        assertTrue(message.contains("truncated"), message);
    }

    @Test
    void corruptGzipDataIsNamed() throws Exception {
        Path gz = dir.resolve("images-idx3-ubyte.gz");
        IdxFile.write(gz, new int[] {50, 28, 28}, randomBytes(50 * 784, 4));
        byte[] bytes = Files.readAllBytes(gz);
        for (int i = 40; i < 400; i++) {
            bytes[i] ^= 0x5A;
        }
        Files.write(gz, bytes);
        String message = readFails(gz, 3).getMessage();
        assertTrue(message.contains("corrupt"), message);
    }

    @Test
    void extraBytesAfterTheDataAreAnError() throws Exception {
        Path file = dir.resolve("long-idx1-ubyte");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(idx(0x00000801, new int[] {2}, new byte[] {1, 2}));
        out.write(7);
        Files.write(file, out.toByteArray());
        assertTrue(readFails(file, 1).getMessage().contains("bytes follow the 2 values"));
    }

    @Test
    void writeRefusesDataThatDoesNotFitItsDimensions() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IdxFile.write(dir.resolve("x"), new int[] {2, 2}, new byte[3]));
        assertTrue(e.getMessage().contains("hold 4 values, but 3 were given"), e.getMessage());
    }
}
