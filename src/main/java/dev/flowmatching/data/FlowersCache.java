package dev.flowmatching.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

import dev.flowmatching.runtime.AtomicWrite;

/**
 * The prepared pictures of one resolution in one binary file, so that a second run reads them in seconds
 * instead of decoding 8,189 JPEGs again. Layout (big-endian):
 * <pre>
 *   8 bytes  magic "FMFLOWER"
 *   int32    format version (1)
 *   int32    resolution R (the images are R x R)
 *   int32    channels (3)
 *   int32    count N
 *   UTF      source: a sentence saying what the cache was built from
 *   int32    number of classes K, then K class names as UTF
 *   N int32  image ids (the number in image_00042.jpg; 1.. in name order for other files)
 *   N uint16 labels, 0..K-1
 *   N uint8  split: 0 train, 1 valid, 2 test, 255 unknown
 *   N x 3 x R x R uint8 pixels, C x H x W per image
 *   int32    CRC-32C of all bytes before it
 * </pre>
 * ("UTF" is Java's modified UTF-8 with a 2-byte length, as DataOutputStream writes it.) A cache is written
 * to a temporary file in the same folder and moved into place atomically, so a file with the cache's name is
 * always complete. Reading checks the magic, version, resolution, channels, the exact length the header
 * implies and the CRC, and refuses a cache that fails any of them with a message naming the file and the
 * check; delete the file to rebuild it. Each resolution has its own file: {@code cache-64.bin}.
 *
 * <pre>{@code
 * FlowersCache.Contents c = FlowersCache.read(FlowersCache.file(dir, 64), 64);
 * ImageSet all = c.toImageSet("flowers102");
 * }</pre>
 */
public final class FlowersCache {
    static final byte[] MAGIC = "FMFLOWER".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int CHANNELS = 3;

    private FlowersCache() {
    }

    /** The cache file for {@code resolution} in {@code dir}: {@code cache-<resolution>.bin}. */
    public static Path file(Path dir, int resolution) {
        return dir.resolve("cache-" + resolution + ".bin");
    }

    /**
     * What a cache holds.
     *
     * @param resolution R: the images are 3 x R x R
     * @param source what the cache was built from
     * @param classNames the name of each label
     * @param ids each image's id
     * @param labels each image's label, 0..classNames.size()-1
     * @param splits each image's {@link FlowersSplit} code, or 255 when unknown
     * @param pixels N x 3 x R x R unsigned bytes
     */
    public record Contents(int resolution, String source, List<String> classNames, int[] ids, int[] labels,
            byte[] splits, byte[] pixels) {
        public Contents {
            classNames = List.copyOf(classNames);
            int n = ids.length;
            if (labels.length != n || splits.length != n || pixels.length != (long) n * CHANNELS * resolution * resolution) {
                throw new IllegalArgumentException("cache contents disagree: " + n + " ids, " + labels.length + " labels, "
                        + splits.length + " splits, " + pixels.length + " pixel bytes for " + resolution + " px");
            }
        }

        /** The number of images. */
        public int count() {
            return ids.length;
        }

        /** All images as an {@link ImageSet} named {@code name}, with the cache's source sentence. */
        public ImageSet toImageSet(String name) {
            return ImageSet.of(name, CHANNELS, resolution, resolution, classNames, labels, pixels).withSource(source);
        }

        /** The images of {@code split} only, in id order; fails when the cache does not know the splits. */
        public ImageSet toImageSet(String name, FlowersSplit split) {
            List<Integer> keep = new ArrayList<>();
            for (int i = 0; i < count(); i++) {
                if (splits[i] == split.code()) {
                    keep.add(i);
                }
            }
            if (keep.isEmpty()) {
                throw new IllegalStateException("the cache holds no image of split " + split + " (built without "
                        + "setid.mat?): " + source);
            }
            int size = CHANNELS * resolution * resolution;
            int[] y = new int[keep.size()];
            byte[] px = new byte[keep.size() * size];
            for (int k = 0; k < y.length; k++) {
                int i = keep.get(k);
                y[k] = labels[i];
                System.arraycopy(pixels, i * size, px, k * size, size);
            }
            return ImageSet.of(name, CHANNELS, resolution, resolution, classNames, y, px)
                    .withSource(source + "; the " + keep.size() + " images of setid.mat's " + split.variable());
        }
    }

    /** Writes {@code c} to {@code target} through a temporary file in the same folder and an atomic move. */
    public static void write(Contents c, Path target) throws IOException {
        AtomicWrite.write(target, file -> {
            CheckedOutputStream checked = new CheckedOutputStream(file, new CRC32C());
            DataOutputStream out = new DataOutputStream(checked);
            writeBody(c, out);
            out.flush();
            out.writeInt((int) checked.getChecksum().getValue());
            out.flush();
        });
    }

    private static void writeBody(Contents c, DataOutputStream out) throws IOException {
        out.write(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(c.resolution());
        out.writeInt(CHANNELS);
        out.writeInt(c.count());
        out.writeUTF(c.source());
        out.writeInt(c.classNames().size());
        for (String name : c.classNames()) {
            out.writeUTF(name);
        }
        for (int id : c.ids()) {
            out.writeInt(id);
        }
        for (int label : c.labels()) {
            out.writeShort(label);
        }
        out.write(c.splits());
        out.write(c.pixels());
    }

    /** The cache at {@code file}, which must hold images of {@code resolution}; see the class comment. */
    public static Contents read(Path file, int resolution) throws IOException {
        long length = Files.size(file);
        try (InputStream raw = Files.newInputStream(file)) {
            CheckedInputStream checked = new CheckedInputStream(new BufferedInputStream(raw, 1 << 16), new CRC32C());
            DataInputStream in = new DataInputStream(checked);
            Contents c = readBody(in, file, resolution, length);
            int expectedCrc = (int) checked.getChecksum().getValue();
            int storedCrc = in.readInt();
            if (storedCrc != expectedCrc) {
                throw refuse(file, "its CRC-32C is " + Integer.toHexString(storedCrc) + " but the bytes give "
                        + Integer.toHexString(expectedCrc) + ": the file is corrupt");
            }
            return c;
        } catch (EOFException e) {
            throw refuse(file, "it ends early (" + length + " bytes): the file is truncated");
        }
    }

    private static Contents readBody(DataInputStream in, Path file, int resolution, long length) throws IOException {
        byte[] magic = new byte[MAGIC.length];
        in.readFully(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw refuse(file, "it does not start with \"FMFLOWER\": not a Flowers cache");
        }
        int version = in.readInt();
        if (version != VERSION) {
            throw refuse(file, "it is format version " + version + ", this library reads version " + VERSION);
        }
        int res = in.readInt();
        if (res != resolution) {
            throw refuse(file, "it holds " + res + " px images, " + resolution + " px were asked for");
        }
        int channels = in.readInt();
        int count = in.readInt();
        if (channels != CHANNELS || count < 0 || res < 1) {
            throw refuse(file, "its header says " + count + " images of " + channels + " channels at " + res
                    + " px; expected a non-negative count of " + CHANNELS + "-channel images");
        }
        String source = in.readUTF();
        int classes = in.readInt();
        if (classes < 1 || classes > 65_536) {
            throw refuse(file, "its header says " + classes + " classes");
        }
        List<String> names = new ArrayList<>(classes);
        long namesBytes = 0;
        for (int k = 0; k < classes; k++) {
            String name = in.readUTF();
            names.add(name);
            namesBytes += utfLength(name);
        }
        long header = MAGIC.length + 16 + utfLength(source) + 4 + namesBytes;
        long expected = header + (long) count * (4 + 2 + 1 + (long) CHANNELS * res * res) + 4;
        if (expected != length) {
            throw refuse(file, "its header promises " + count + " images of " + res + " px, " + expected
                    + " bytes in all, but the file has " + length + " bytes: it is truncated or damaged");
        }
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = in.readInt();
        }
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = in.readUnsignedShort();
            if (labels[i] >= classes) {
                throw refuse(file, "image " + i + " has label " + labels[i] + " but there are " + classes + " classes");
            }
        }
        byte[] splits = new byte[count];
        in.readFully(splits);
        byte[] pixels = new byte[Math.toIntExact((long) count * CHANNELS * res * res)];
        in.readFully(pixels);
        return new Contents(res, source, names, ids, labels, splits, pixels);
    }

    /** Bytes that writeUTF takes for {@code s}: its 2-byte length plus modified UTF-8. */
    private static int utfLength(String s) {
        int n = 2;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            n += ch >= 0x0001 && ch <= 0x007F ? 1 : ch <= 0x07FF ? 2 : 3;
        }
        return n;
    }

    private static IOException refuse(Path file, String why) {
        return new IOException("the Flowers cache " + file + " is refused: " + why + ". Delete it to rebuild it.");
    }
}
