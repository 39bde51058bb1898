package dev.flowmatching.train;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The byte layout of a checkpoint, apart from what it holds:
 * <pre>
 *   header   "FMCKPT\r\n" (8 bytes), format version (int)
 *   payload  strings (int length + UTF-8), numbers (big-endian), tensors (name, dtype, shape, raw bytes)
 *   trailer  payload length (long), CRC-32 of the payload (long), "FMCKEND\n" (8 bytes)
 * </pre>
 * A reader checks the header, the end marker (a truncated file has none), the length and the checksum
 * before it parses anything, so a damaged file is refused with a clear message and changes nothing.
 * Tensor bytes are little-endian, the native order of the platforms libtorch runs on.
 */
final class CheckpointFile {
    static final int VERSION = 1;
    private static final byte[] MAGIC = "FMCKPT\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "FMCKEND\n".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = MAGIC.length + 4;
    private static final int TRAILER = 16 + END.length;

    /** Writes the payload. */
    @FunctionalInterface
    interface Payload {
        void writeTo(DataOutputStream out) throws IOException;
    }

    /** A tensor as stored: name, type, shape and raw little-endian bytes. */
    record Tensor(String name, DataType type, Shape shape, byte[] data) {
        static Tensor of(String name, NDArray a) {
            ByteBuffer b = a.toByteBuffer();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            return new Tensor(name, a.getDataType(), a.getShape(), bytes);
        }

        /** The tensor on {@code manager}'s device. */
        NDArray toArray(NDManager manager) {
            ByteBuffer b = manager.allocateDirect(data.length);
            b.put(data).rewind();
            return manager.create(b, shape, type);
        }
    }

    private CheckpointFile() {
    }

    static void write(OutputStream raw, Payload payload) throws IOException {
        DataOutputStream head = new DataOutputStream(raw);
        head.write(MAGIC);
        head.writeInt(VERSION);
        CountingCrc counted = new CountingCrc(raw);
        DataOutputStream out = new DataOutputStream(counted);
        payload.writeTo(out);
        out.flush();
        head.writeLong(counted.count);
        head.writeLong(counted.crc.getValue());
        head.write(END);
        head.flush();
    }

    /** The verified payload of {@code file}, ready to parse; the caller closes it. */
    static DataInputStream open(Path file) {
        long length;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER) {
                throw bad(file, size == 0 ? "is empty" : "is too short to be a checkpoint (" + size + " bytes)");
            }
            ByteBuffer head = read(ch, 0, HEADER);
            byte[] magic = new byte[MAGIC.length];
            head.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw bad(file, "is not a flow-matching checkpoint (its first bytes are not the checkpoint marker)");
            }
            int version = head.getInt();
            if (version != VERSION) {
                throw bad(file, "has format version " + version + "; this library reads version " + VERSION);
            }
            if (size < HEADER + TRAILER) {
                throw bad(file, "is truncated (" + size + " bytes: no room for its payload and end marker)");
            }
            ByteBuffer tail = read(ch, size - TRAILER, TRAILER);
            length = tail.getLong();
            long crc = tail.getLong();
            byte[] end = new byte[END.length];
            tail.get(end);
            if (!Arrays.equals(end, END)) {
                throw bad(file, "is truncated (" + size + " bytes and no end marker): was its copy or write cut "
                        + "short?");
            }
            if (length != size - HEADER - TRAILER) {
                throw bad(file, "is corrupt: it says its payload has " + length + " bytes but it has "
                        + (size - HEADER - TRAILER));
            }
            if (crc(ch, HEADER, length) != crc) {
                throw bad(file, "is corrupt: its checksum does not match its content");
            }
        } catch (NoSuchFileException e) {
            throw new CheckpointException("checkpoint " + file + " does not exist", e);
        } catch (IOException e) {
            throw new CheckpointException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
        try {
            InputStream in = Channels.newInputStream(FileChannel.open(file, StandardOpenOption.READ).position(HEADER));
            return new DataInputStream(new BufferedInputStream(new Bounded(in, length), 1 << 16));
        } catch (IOException e) {
            throw new CheckpointException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    private static ByteBuffer read(FileChannel ch, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new EOFException();
            }
        }
        return b.flip();
    }

    private static long crc(FileChannel ch, long from, long length) throws IOException {
        CRC32 crc = new CRC32();
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        long pos = from;
        long end = from + length;
        while (pos < end) {
            b.clear().limit((int) Math.min(b.capacity(), end - pos));
            int n = ch.read(b, pos);
            if (n < 0) {
                throw new EOFException();
            }
            pos += n;
            crc.update(b.flip());
        }
        return crc.getValue();
    }

    private static CheckpointException bad(Path file, String what) {
        return new CheckpointException("checkpoint " + file + " " + what);
    }

    static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    static String readString(DataInputStream in) throws IOException {
        return new String(readBytes(in, in.readInt()), StandardCharsets.UTF_8);
    }

    static void writeTensor(DataOutputStream out, Tensor t) throws IOException {
        writeString(out, t.name());
        writeString(out, t.type().name());
        out.writeInt(t.shape().dimension());
        for (long d : t.shape().getShape()) {
            out.writeLong(d);
        }
        out.writeInt(t.data().length);
        out.write(t.data());
    }

    static Tensor readTensor(DataInputStream in) throws IOException {
        String name = readString(in);
        DataType type = DataType.valueOf(readString(in));
        int rank = in.readInt();
        if (rank < 0 || rank > 16) {
            throw new IOException("tensor " + name + " has rank " + rank);
        }
        long[] dims = new long[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = in.readLong();
        }
        Shape shape = new Shape(dims);
        byte[] data = readBytes(in, in.readInt());
        if (data.length != shape.size() * type.getNumOfBytes()) {
            throw new IOException("tensor " + name + " of shape " + shape + " has " + data.length + " bytes");
        }
        return new Tensor(name, type, shape, data);
    }

    private static byte[] readBytes(DataInputStream in, int n) throws IOException {
        if (n < 0) {
            throw new IOException("negative length " + n);
        }
        // Read in pieces, so a damaged length fails at the end of the data rather than allocating it first.
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException("a record of " + n + " bytes ends after " + b.length);
        }
        return b;
    }

    /** The payload only: ends where the trailer begins. */
    private static final class Bounded extends FilterInputStream {
        private long left;

        Bounded(InputStream in, long length) {
            super(in);
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            left -= b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            left -= Math.max(n, 0);
            return n;
        }
    }

    /** Counts and checksums what passes through. */
    private static final class CountingCrc extends FilterOutputStream {
        final CRC32 crc = new CRC32();
        long count;

        CountingCrc(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            crc.update(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            crc.update(b, off, len);
            count += len;
        }
    }
}
