package dev.flowmatching.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads the real numeric matrices of a MATLAB 5 (.mat, "MATLAB 5.0 MAT-file") file, enough for the Oxford
 * Flowers files {@code imagelabels.mat} and {@code setid.mat}. What it understands:
 * <ul>
 *   <li>the 128-byte header, little- or big-endian (the "IM"/"MI" indicator);</li>
 *   <li>top-level {@code miCOMPRESSED} elements (a zlib stream holding one element) and {@code miMATRIX};</li>
 *   <li>inside a matrix: array flags, dimensions, the name (also in the 4-byte "small element" form), and the
 *       real part stored as any of the integer types, single or double; MATLAB often stores a double array
 *       of small integers as uint8 or uint16, which comes back here as the same numbers.</li>
 * </ul>
 * Variables of other classes (cells, structs, chars, sparse) are skipped; a complex matrix is refused. Values
 * come back as doubles in MATLAB's column-major order.
 *
 * <pre>{@code
 * Map<String, MatFile.Matrix> vars = MatFile.read(Path.of("data/flowers102/imagelabels.mat"));
 * int[] labels = vars.get("labels").intValues();      // 8,189 values in 1..102
 * }</pre>
 */
public final class MatFile {
    static final int MI_INT8 = 1;
    static final int MI_UINT8 = 2;
    static final int MI_INT16 = 3;
    static final int MI_UINT16 = 4;
    static final int MI_INT32 = 5;
    static final int MI_UINT32 = 6;
    static final int MI_SINGLE = 7;
    static final int MI_DOUBLE = 9;
    static final int MI_INT64 = 12;
    static final int MI_UINT64 = 13;
    static final int MI_MATRIX = 14;
    static final int MI_COMPRESSED = 15;
    /** mxDOUBLE_CLASS .. mxUINT64_CLASS: the numeric array classes. */
    private static final int FIRST_NUMERIC_CLASS = 6;
    private static final int LAST_NUMERIC_CLASS = 15;
    private static final int COMPLEX_FLAG = 0x0800;
    private static final int MAX_INFLATED = 1 << 30;

    /**
     * One numeric variable.
     *
     * @param name the variable's name
     * @param dims its dimensions, e.g. {1, 8189}
     * @param values its elements, column-major
     */
    public record Matrix(String name, int[] dims, double[] values) {
        /** The elements as ints, failing when one is not a whole number in int range. */
        public int[] intValues() {
            int[] out = new int[values.length];
            for (int i = 0; i < out.length; i++) {
                double v = values[i];
                if (v != Math.rint(v) || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                    throw new IllegalStateException("variable " + name + ": element " + i + " is " + v
                            + ", not a whole number");
                }
                out[i] = (int) v;
            }
            return out;
        }

        @Override
        public String toString() {
            return name + " " + Arrays.toString(dims) + " (" + values.length + " values)";
        }
    }

    private final String what;

    private MatFile(String what) {
        this.what = what;
    }

    /** The numeric variables of the file, by name, in file order. */
    public static Map<String, Matrix> read(Path file) throws IOException {
        return read(Files.readAllBytes(file), file.toString());
    }

    /** The numeric variables in {@code bytes}; {@code what} names the source in error messages. */
    public static Map<String, Matrix> read(byte[] bytes, String what) throws IOException {
        return new MatFile(what).parse(bytes);
    }

    /** The variable {@code name} of {@code file}, failing with the names it does hold when absent. */
    public static Matrix variable(Path file, String name) throws IOException {
        Map<String, Matrix> vars = read(file);
        Matrix m = vars.get(name);
        if (m == null) {
            throw new IOException(file + " has no numeric variable '" + name + "'; it holds " + vars.keySet());
        }
        return m;
    }

    private Map<String, Matrix> parse(byte[] bytes) throws IOException {
        if (bytes.length < 128 || !new String(bytes, 0, 6, java.nio.charset.StandardCharsets.US_ASCII)
                .equals("MATLAB")) {
            throw new IOException(what + " is not a MATLAB 5 MAT-file (no 'MATLAB' text header"
                    + (bytes.length < 128 ? ", and only " + bytes.length + " bytes" : "") + ")");
        }
        ByteOrder order;
        if (bytes[126] == 'I' && bytes[127] == 'M') {
            order = ByteOrder.LITTLE_ENDIAN;
        } else if (bytes[126] == 'M' && bytes[127] == 'I') {
            order = ByteOrder.BIG_ENDIAN;
        } else {
            throw new IOException(what + ": the endian indicator at bytes 126-127 is neither 'IM' nor 'MI' "
                    + "(a MATLAB 7.3 file is HDF5 and is not supported)");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(order);
        buf.position(128);
        Map<String, Matrix> vars = new LinkedHashMap<>();
        while (buf.remaining() >= 8) {
            Element e = element(buf, "top level");
            ByteBuffer body = e.body;
            int type = e.type;
            if (type == MI_COMPRESSED) {
                body = ByteBuffer.wrap(inflate(body)).order(order);
                Element inner = element(body, "compressed element");
                type = inner.type;
                body = inner.body;
            }
            if (type == MI_MATRIX) {
                Matrix m = matrix(body);
                if (m != null) {
                    vars.put(m.name(), m);
                }
            }
        }
        return vars;
    }

    /** An element's type and body; leaves {@code buf} after it (and after its padding to 8 bytes). */
    private record Element(int type, ByteBuffer body) {
    }

    private Element element(ByteBuffer buf, String where) throws IOException {
        int at = buf.position();
        if (buf.remaining() < 8) {
            throw new IOException(what + ": " + where + " ends inside an element tag at byte " + at);
        }
        int first = buf.getInt();
        int type;
        int size;
        boolean small = (first >>> 16) != 0;
        if (small) { // small data element: size and type in one word, up to 4 bytes of data in the next
            size = first >>> 16;
            type = first & 0xFFFF;
            if (size > 4) {
                throw new IOException(what + ": small element at byte " + at + " claims " + size + " bytes (at most 4)");
            }
        } else {
            type = first;
            size = buf.getInt();
        }
        int available = small ? 4 : buf.remaining();
        if (size < 0 || size > available) {
            throw new IOException(what + ": " + where + " element at byte " + at + " (type " + type + ") claims "
                    + Integer.toUnsignedString(size) + " bytes but only " + available + " follow: the file is "
                    + "truncated or corrupt");
        }
        ByteBuffer body = buf.slice(buf.position(), size).order(buf.order());
        int padded = small ? 4 : (type == MI_COMPRESSED ? size : (size + 7) & ~7);
        buf.position(Math.min(buf.limit(), buf.position() + padded));
        return new Element(type, body);
    }

    private byte[] inflate(ByteBuffer compressed) throws IOException {
        byte[] in = new byte[compressed.remaining()];
        compressed.get(in);
        Inflater inflater = new Inflater();
        inflater.setInput(in);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length * 4);
        byte[] chunk = new byte[1 << 16];
        try {
            while (!inflater.finished()) {
                int n = inflater.inflate(chunk);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IOException(what + ": a compressed element ends before its zlib stream does");
                }
                out.write(chunk, 0, n);
                if (out.size() > MAX_INFLATED) {
                    throw new IOException(what + ": a compressed element inflates past " + MAX_INFLATED + " bytes");
                }
            }
        } catch (DataFormatException e) {
            throw new IOException(what + ": a compressed element is not valid zlib data (" + e.getMessage() + ")", e);
        } finally {
            inflater.end();
        }
        return out.toByteArray();
    }

    /** The matrix in an miMATRIX body, or null when it is not a real numeric array. */
    private Matrix matrix(ByteBuffer body) throws IOException {
        Element flags = element(body, "array flags");
        if (flags.type != MI_UINT32 || flags.body.remaining() < 8) {
            throw new IOException(what + ": a matrix starts without its array flags (type " + flags.type + ")");
        }
        int flagWord = flags.body.getInt(0);
        int arrayClass = flagWord & 0xFF;
        Element dimsElement = element(body, "dimensions");
        int[] dims = ints(dimsElement, "dimensions");
        String name = new String(bytesOf(element(body, "array name").body), java.nio.charset.StandardCharsets.UTF_8);
        if (arrayClass < FIRST_NUMERIC_CLASS || arrayClass > LAST_NUMERIC_CLASS) {
            return null;
        }
        if ((flagWord & COMPLEX_FLAG) != 0) {
            throw new IOException(what + ": variable '" + name + "' is complex; only real matrices are supported");
        }
        long count = 1;
        for (int d : dims) {
            if (d < 0) {
                throw new IOException(what + ": variable '" + name + "' has a negative dimension " + Arrays.toString(dims));
            }
            count *= d;
        }
        Element real = element(body, "real part of " + name);
        double[] values = numbers(real, name);
        if (values.length != count) {
            throw new IOException(what + ": variable '" + name + "' has dimensions " + Arrays.toString(dims) + " ("
                    + count + " elements) but " + values.length + " values");
        }
        return new Matrix(name, dims, values);
    }

    private int[] ints(Element e, String field) throws IOException {
        if (e.type != MI_INT32 || e.body.remaining() % 4 != 0) {
            throw new IOException(what + ": " + field + " are stored as type " + e.type + ", expected int32 (5)");
        }
        int[] out = new int[e.body.remaining() / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = e.body.getInt(4 * i);
        }
        return out;
    }

    private static byte[] bytesOf(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private double[] numbers(Element e, String name) throws IOException {
        ByteBuffer b = e.body;
        int width = switch (e.type) {
            case MI_INT8, MI_UINT8 -> 1;
            case MI_INT16, MI_UINT16 -> 2;
            case MI_INT32, MI_UINT32, MI_SINGLE -> 4;
            case MI_DOUBLE, MI_INT64, MI_UINT64 -> 8;
            default -> throw new IOException(what + ": variable '" + name + "' stores its values as type " + e.type
                    + ", which is not a numeric type");
        };
        if (b.remaining() % width != 0) {
            throw new IOException(what + ": variable '" + name + "' has " + b.remaining() + " bytes of values, not a "
                    + "multiple of " + width);
        }
        double[] out = new double[b.remaining() / width];
        for (int i = 0; i < out.length; i++) {
            int at = i * width;
            out[i] = switch (e.type) {
                case MI_INT8 -> b.get(at);
                case MI_UINT8 -> b.get(at) & 0xFF;
                case MI_INT16 -> b.getShort(at);
                case MI_UINT16 -> b.getShort(at) & 0xFFFF;
                case MI_INT32 -> b.getInt(at);
                case MI_UINT32 -> b.getInt(at) & 0xFFFFFFFFL;
                case MI_SINGLE -> b.getFloat(at);
                case MI_INT64 -> b.getLong(at);
                case MI_UINT64 -> unsigned(b.getLong(at));
                default -> b.getDouble(at);
            };
        }
        return out;
    }

    private static double unsigned(long v) {
        return v >= 0 ? v : (v >>> 1) * 2.0 + (v & 1);
    }
}
