package dev.flowmatching.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * Reads and writes the IDX format of MNIST and Fashion-MNIST (described on http://yann.lecun.com/exdb/mnist/):
 * a big-endian magic number {@code 0x0000TTDD} (TT the value type, 0x08 for unsigned bytes; DD the number of
 * dimensions), one 32-bit size per dimension, then the values in row-major order. Images are {@code idx3}
 * (N x rows x cols), labels {@code idx1} (N). A file may be gzip'd (recognised by its first two bytes) or plain.
 * Only unsigned bytes are supported: that is what these datasets hold.
 *
 * <p>Every problem is an {@link IOException} naming the file and what was wrong: missing file, not IDX, wrong
 * number of dimensions, truncated data, bytes after the end, corrupt gzip stream.
 *
 * <pre>{@code
 * IdxArray images = IdxFile.read(Path.of("data/mnist/train-images-idx3-ubyte.gz"), 3);   // 60000 x 28 x 28
 * IdxFile.write(Path.of("labels-idx1-ubyte.gz"), new int[] {3}, new byte[] {7, 2, 1});  // gzip'd by its name
 * }</pre>
 */
public final class IdxFile {
    /** The IDX type code of unsigned bytes. */
    public static final int UNSIGNED_BYTE = 0x08;
    private static final int BUFFER = 1 << 16;

    private IdxFile() {
    }

    /** Reads an IDX file of unsigned bytes with any number of dimensions. */
    public static IdxArray read(Path file) throws IOException {
        return read(file, -1);
    }

    /**
     * Reads an IDX file of unsigned bytes that must have {@code dimensions} dimensions (3 for images, 1 for
     * labels); -1 accepts any.
     */
    public static IdxArray read(Path file, int dimensions) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "IDX file not found");
        }
        MessageDigest sha = Sha256.newDigest();
        try (InputStream in = new DigestInputStream(open(file), sha)) {
            int[] dims = header(file, in, dimensions);
            byte[] data = body(file, in, dims);
            if (in.read() != -1) {
                throw corrupt(file, "bytes follow the " + data.length + " values the header announces");
            }
            return new IdxArray(dims, data, Sha256.hex(sha.digest()));
        } catch (EOFException | ZipException e) {
            throw corrupt(file, "truncated or corrupt gzip data (" + e.getMessage() + ")");
        }
    }

    /** Writes {@code data} as an IDX file of unsigned bytes with the given dimensions, gzip'd when the name ends in .gz. */
    public static void write(Path file, int[] dims, byte[] data) throws IOException {
        long size = size(dims);
        if (dims.length < 1 || dims.length > 255 || size != data.length) {
            throw new IllegalArgumentException("IDX dimensions " + Arrays.toString(dims) + " hold " + size
                    + " values, but " + data.length + " were given");
        }
        OutputStream raw = Files.newOutputStream(file);
        try (DataOutputStream out = new DataOutputStream(file.toString().endsWith(".gz")
                ? new GZIPOutputStream(raw, BUFFER) : new BufferedOutputStream(raw, BUFFER))) {
            out.writeInt(UNSIGNED_BYTE << 8 | dims.length);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
    }

    /** The file's bytes, un-gzip'd when it starts with gzip's magic number 1f 8b. */
    private static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), BUFFER);
        raw.mark(2);
        boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
        raw.reset();
        return gzip ? new GZIPInputStream(raw, BUFFER) : raw;
    }

    private static int[] header(Path file, InputStream in, int dimensions) throws IOException {
        byte[] magicBytes = readUpTo(in, 4);
        if (magicBytes.length < 4) {
            throw corrupt(file, "truncated header: " + magicBytes.length + " of 4 magic-number bytes");
        }
        int magic = bigEndian(magicBytes, 0);
        int type = magic >>> 8 & 0xFF;
        int nd = magic & 0xFF;
        if (magic >>> 16 != 0 || nd == 0) {
            throw corrupt(file, String.format("not an IDX file: magic number 0x%08x, expected 0x000008DD"
                    + " (e.g. 0x00000803 for images, 0x00000801 for labels)", magic));
        }
        if (type != UNSIGNED_BYTE) {
            throw corrupt(file, String.format("value type 0x%02x is not supported, expected 0x08 (unsigned byte)", type));
        }
        if (dimensions >= 0 && nd != dimensions) {
            throw corrupt(file, String.format("expected %d dimension(s) (magic 0x%08x), got %d (magic 0x%08x)",
                    dimensions, UNSIGNED_BYTE << 8 | dimensions, nd, magic));
        }
        byte[] sizes = readUpTo(in, 4 * nd);
        if (sizes.length < 4 * nd) {
            throw corrupt(file, "truncated header: " + sizes.length + " of " + 4 * nd + " dimension bytes");
        }
        int[] dims = new int[nd];
        for (int i = 0; i < nd; i++) {
            dims[i] = bigEndian(sizes, 4 * i);
            if (dims[i] < 0) {
                throw corrupt(file, "dimension " + i + " has a negative size " + dims[i]);
            }
        }
        if (size(dims) > Integer.MAX_VALUE - 8) {
            throw corrupt(file, "dimensions " + Arrays.toString(dims) + " hold more values than one array can");
        }
        return dims;
    }

    private static byte[] body(Path file, InputStream in, int[] dims) throws IOException {
        int expected = (int) size(dims);
        byte[] data = readUpTo(in, expected);
        if (data.length < expected) {
            throw corrupt(file, "truncated: the header " + Arrays.toString(dims) + " announces " + expected
                    + " values, the file holds " + data.length);
        }
        return data;
    }

    /** Up to {@code n} bytes: fewer only at the end of the stream. */
    private static byte[] readUpTo(InputStream in, int n) throws IOException {
        byte[] out = new byte[n];
        int got = 0;
        while (got < n) {
            int r;
            try {
                r = in.read(out, got, n - got);
            } catch (EOFException e) {
                r = -1; // gzip stream cut short: report as truncation with the count read so far
            }
            if (r < 0) {
                return Arrays.copyOf(out, got);
            }
            got += r;
        }
        return out;
    }

    private static int bigEndian(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | b[at + 3] & 0xFF;
    }

    private static long size(int[] dims) {
        long size = 1;
        for (int d : dims) {
            size *= d;
        }
        return size;
    }

    private static IOException corrupt(Path file, String what) {
        return new IOException("corrupt IDX file " + file + ": " + what);
    }
}
