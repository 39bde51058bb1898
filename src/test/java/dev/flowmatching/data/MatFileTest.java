package dev.flowmatching.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MAT-file reader on files laid out here byte by byte: plain and compressed, both byte orders, damage. */
class MatFileTest {
    @TempDir
    Path dir;

    @Test
    void aDoubleRowVectorWrittenByHandIsRead() throws IOException {
        // Header, then one miMATRIX of 72 bytes: flags, dims [1 3], small-element name "ab", doubles 1, 2, 102.
        ByteBuffer b = ByteBuffer.allocate(128 + 8 + 72).order(ByteOrder.LITTLE_ENDIAN);
        byte[] text = new byte[116];
        Arrays.fill(text, (byte) ' ');
        System.arraycopy("MATLAB 5.0 MAT-file".getBytes(), 0, text, 0, 19);
        b.put(text).put(new byte[8]).putShort((short) 0x0100).put((byte) 'I').put((byte) 'M');
        b.putInt(14).putInt(72);                        // miMATRIX, 72 bytes
        b.putInt(6).putInt(8).putInt(6).putInt(0);      // miUINT32 flags: mxDOUBLE_CLASS
        b.putInt(5).putInt(8).putInt(1).putInt(3);      // miINT32 dims 1 x 3
        b.putInt((2 << 16) | 1).put((byte) 'a').put((byte) 'b').putShort((short) 0); // small miINT8 name
        b.putInt(9).putInt(24).putDouble(1).putDouble(2).putDouble(102); // miDOUBLE values
        Map<String, MatFile.Matrix> vars = MatFile.read(b.array(), "hand.mat");
        assertEquals(List.of("ab"), List.copyOf(vars.keySet()));
        assertArrayEquals(new int[] {1, 3}, vars.get("ab").dims());
        assertArrayEquals(new int[] {1, 2, 102}, vars.get("ab").intValues());
    }

    @Test
    void compressedElementsWithNarrowStorageTypesComeBackAsNumbers() throws IOException {
        // MATLAB stores a double array of small whole numbers as uint8 or uint16, compressed: as in setid.mat.
        byte[] file = new MatWriter(ByteOrder.LITTLE_ENDIAN)
                .matrix("trnid", MatWriter.MX_DOUBLE_CLASS, new int[] {1, 4}, MatFile.MI_UINT16,
                        new double[] {7, 300, 8189, 1}, true)
                .matrix("valid", MatWriter.MX_DOUBLE_CLASS, new int[] {1, 2}, MatFile.MI_UINT8, new double[] {2, 255}, true)
                .matrix("tstid", MatWriter.MX_DOUBLE_CLASS, new int[] {2, 2}, MatFile.MI_INT16, new double[] {-3, 4, 5, 6},
                        false)
                .matrix("info", MatWriter.MX_CHAR_CLASS, new int[] {1, 2}, MatFile.MI_UINT16, new double[] {104, 105}, true)
                .bytes();
        Path mat = dir.resolve("setid.mat");
        Files.write(mat, file);
        Map<String, MatFile.Matrix> vars = MatFile.read(mat);
        assertEquals(List.of("trnid", "valid", "tstid"), List.copyOf(vars.keySet()), "the char array is skipped");
        assertArrayEquals(new int[] {7, 300, 8189, 1}, vars.get("trnid").intValues());
        assertArrayEquals(new int[] {2, 255}, vars.get("valid").intValues());
        assertArrayEquals(new int[] {2, 2}, vars.get("tstid").dims());
        assertArrayEquals(new int[] {-3, 4, 5, 6}, vars.get("tstid").intValues());
    }

    @Test
    void bigEndianFilesAndSingleAndLongTypesAreRead() throws IOException {
        byte[] file = new MatWriter(ByteOrder.BIG_ENDIAN)
                .matrix("labels", MatWriter.MX_DOUBLE_CLASS, new int[] {1, 3}, MatFile.MI_DOUBLE, new double[] {1, 51, 102},
                        true)
                .matrix("s", 7, new int[] {1, 2}, MatFile.MI_SINGLE, new double[] {0.5, -2}, false)
                .matrix("big", 15, new int[] {1, 1}, MatFile.MI_UINT64, new double[] {1L << 40}, false)
                .bytes();
        Map<String, MatFile.Matrix> vars = MatFile.read(file, "be.mat");
        assertArrayEquals(new int[] {1, 51, 102}, vars.get("labels").intValues());
        assertArrayEquals(new double[] {0.5, -2}, vars.get("s").values());
        assertArrayEquals(new double[] {1L << 40}, vars.get("big").values());
    }

    @Test
    void aFileThatIsNoMatFileIsRefusedByName() {
        IOException e = assertThrows(IOException.class, () -> MatFile.read(new byte[200], "setid.mat"));
        assertTrue(e.getMessage().contains("setid.mat") && e.getMessage().contains("not a MATLAB 5"), e.getMessage());
        byte[] header = new MatWriter(ByteOrder.LITTLE_ENDIAN).bytes();
        header[126] = 'X';
        e = assertThrows(IOException.class, () -> MatFile.read(header, "odd.mat"));
        assertTrue(e.getMessage().contains("endian indicator"), e.getMessage());
    }

    @Test
    void aTruncatedFileIsRefusedNamingTheProblem() {
        byte[] whole = new MatWriter(ByteOrder.LITTLE_ENDIAN)
                .matrix("labels", MatWriter.MX_DOUBLE_CLASS, new int[] {1, 40}, MatFile.MI_DOUBLE, new double[40], false)
                .bytes();
        IOException e = assertThrows(IOException.class,
                () -> MatFile.read(Arrays.copyOf(whole, whole.length - 100), "imagelabels.mat"));
        assertTrue(e.getMessage().contains("imagelabels.mat") && e.getMessage().contains("truncated"), e.getMessage());

        byte[] zipped = new MatWriter(ByteOrder.LITTLE_ENDIAN)
                .matrix("labels", MatWriter.MX_DOUBLE_CLASS, new int[] {1, 40}, MatFile.MI_DOUBLE, new double[40], true)
                .bytes();
        // Shorten the compressed element's data and its size field together: the zlib stream now ends early.
        ByteBuffer.wrap(zipped).order(ByteOrder.LITTLE_ENDIAN).putInt(132, zipped.length - 136 - 5);
        e = assertThrows(IOException.class, () -> MatFile.read(Arrays.copyOf(zipped, zipped.length - 5), "z.mat"));
        assertTrue(e.getMessage().contains("z.mat") && e.getMessage().contains("zlib"), e.getMessage());
    }

    @Test
    void aComplexMatrixAndAMissingVariableAreRefusedByName() throws IOException {
        byte[] complex = new MatWriter(ByteOrder.LITTLE_ENDIAN).complexMatrix("z", new double[] {1, 2}).bytes();
        IOException e = assertThrows(IOException.class, () -> MatFile.read(complex, "c.mat"));
        assertTrue(e.getMessage().contains("'z' is complex"), e.getMessage());

        Path mat = dir.resolve("imagelabels.mat");
        Files.write(mat, new MatWriter(ByteOrder.LITTLE_ENDIAN)
                .matrix("lbl", MatWriter.MX_DOUBLE_CLASS, new int[] {1, 1}, MatFile.MI_DOUBLE, new double[] {1}, true)
                .bytes());
        e = assertThrows(IOException.class, () -> MatFile.variable(mat, "labels"));
        assertTrue(e.getMessage().contains("no numeric variable 'labels'") && e.getMessage().contains("[lbl]"),
                e.getMessage());
        assertEquals(1, MatFile.variable(mat, "lbl").values()[0]);
    }

    @Test
    void aFractionalValueIsNotTakenForAnId() {
        MatFile.Matrix m = new MatFile.Matrix("x", new int[] {1, 2}, new double[] {1, 2.5});
        IllegalStateException e = assertThrows(IllegalStateException.class, m::intValues);
        assertTrue(e.getMessage().contains("element 1 is 2.5"), e.getMessage());
    }
}
