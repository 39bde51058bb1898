package dev.flowmatching.data;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;

/**
 * Writes MATLAB 5 MAT-files for the tests, laid out from the format's documentation: a 128-byte header, then
 * data elements (8-byte tag, data, padding to 8 bytes), matrices as miMATRIX with flags, dimensions, name and
 * real part, optionally wrapped in a zlib-compressed miCOMPRESSED element.
 */
final class MatWriter {
    static final int MX_DOUBLE_CLASS = 6;
    static final int MX_CHAR_CLASS = 4;

    private final ByteOrder order;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    MatWriter(ByteOrder order) {
        this.order = order;
        byte[] text = new byte[116];
        java.util.Arrays.fill(text, (byte) ' ');
        byte[] desc = "MATLAB 5.0 MAT-file, written by the tests".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(desc, 0, text, 0, desc.length);
        out.writeBytes(text);
        out.writeBytes(new byte[8]); // subsystem data offset: none
        ByteBuffer tail = ByteBuffer.allocate(4).order(order);
        tail.putShort((short) 0x0100);
        tail.putShort((short) (('M' << 8) | 'I')); // reads back as "IM" little-endian, "MI" big-endian
        out.writeBytes(tail.array());
    }

    /** Appends a matrix of class {@code mxClass} whose values are stored as data type {@code miType}. */
    MatWriter matrix(String name, int mxClass, int[] dims, int miType, double[] values, boolean compress) {
        byte[] element = matrixElement(name, mxClass, 0, dims, miType, values);
        out.writeBytes(compress ? compressed(element) : element);
        return this;
    }

    /** Appends a complex double matrix (real and imaginary parts equal), which the reader must refuse. */
    MatWriter complexMatrix(String name, double[] values) {
        out.writeBytes(matrixElement(name, MX_DOUBLE_CLASS, 0x0800, new int[] {1, values.length}, MatFile.MI_DOUBLE,
                values, values));
        return this;
    }

    /** Appends raw bytes (for damaged files). */
    MatWriter raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    byte[] matrixElement(String name, int mxClass, int flags, int[] dims, int miType, double[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        ByteBuffer f = buffer(8);
        f.putInt(mxClass | flags);
        f.putInt(0);
        body.writeBytes(element(MatFile.MI_UINT32, f.array()));
        ByteBuffer d = buffer(4 * dims.length);
        for (int v : dims) {
            d.putInt(v);
        }
        body.writeBytes(element(MatFile.MI_INT32, d.array()));
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        body.writeBytes(n.length <= 4 ? smallElement(MatFile.MI_INT8, n) : element(MatFile.MI_INT8, n));
        for (double[] values : parts) {
            body.writeBytes(element(miType, numbers(miType, values)));
        }
        return element(MatFile.MI_MATRIX, body.toByteArray());
    }

    private byte[] numbers(int miType, double[] values) {
        int width = switch (miType) {
            case MatFile.MI_UINT8, MatFile.MI_INT8 -> 1;
            case MatFile.MI_UINT16, MatFile.MI_INT16 -> 2;
            case MatFile.MI_INT32, MatFile.MI_UINT32, MatFile.MI_SINGLE -> 4;
            default -> 8;
        };
        ByteBuffer b = buffer(width * values.length);
        for (double v : values) {
            switch (miType) {
                case MatFile.MI_UINT8, MatFile.MI_INT8 -> b.put((byte) v);
                case MatFile.MI_UINT16, MatFile.MI_INT16 -> b.putShort((short) v);
                case MatFile.MI_INT32, MatFile.MI_UINT32 -> b.putInt((int) v);
                case MatFile.MI_SINGLE -> b.putFloat((float) v);
                case MatFile.MI_INT64, MatFile.MI_UINT64 -> b.putLong((long) v);
                default -> b.putDouble(v);
            }
        }
        return b.array();
    }

    /** Tag, data, zero padding to a multiple of 8 bytes. */
    byte[] element(int type, byte[] data) {
        int padded = (data.length + 7) & ~7;
        ByteBuffer b = buffer(8 + padded);
        b.putInt(type);
        b.putInt(data.length);
        b.put(data);
        return b.array();
    }

    /** The 8-byte form for up to 4 bytes: (size << 16 | type), then the data padded to 4. */
    byte[] smallElement(int type, byte[] data) {
        ByteBuffer b = buffer(8);
        b.putInt((data.length << 16) | type);
        b.put(data);
        return b.array();
    }

    /** An miCOMPRESSED element holding {@code element} as a zlib stream (not padded). */
    byte[] compressed(byte[] element) {
        Deflater deflater = new Deflater();
        deflater.setInput(element);
        deflater.finish();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        byte[] chunk = new byte[4096];
        while (!deflater.finished()) {
            z.write(chunk, 0, deflater.deflate(chunk));
        }
        deflater.end();
        ByteBuffer b = buffer(8 + z.size());
        b.putInt(MatFile.MI_COMPRESSED);
        b.putInt(z.size());
        b.put(z.toByteArray());
        return b.array();
    }

    private ByteBuffer buffer(int n) {
        return ByteBuffer.allocate(n).order(order);
    }
}
