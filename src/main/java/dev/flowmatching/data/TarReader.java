package dev.flowmatching.data;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the regular files of a tar archive one after the other from a stream, gzip'd or not (told apart by
 * the gzip magic bytes, since a ".tgz" may have been un-gzip'd on the way by an HTTP client), so an archive
 * of thousands of pictures is processed without writing them to disk. Understands POSIX ustar and GNU tar:
 * names with the ustar prefix, GNU long names ('L' entries) and pax headers (whose "path" record gives the
 * name); directories, links and other entry types are skipped. Every header's checksum is verified, so a
 * file that is not a tar, or one cut short, fails with a message naming the archive and the byte offset.
 *
 * <pre>{@code
 * try (TarReader tar = TarReader.open(Path.of("data/flowers102/102flowers.tgz"))) {
 *     for (TarReader.Entry e; (e = tar.next()) != null;) {
 *         System.out.println(e.name() + " " + e.content().length);
 *     }
 * }
 * }</pre>
 */
public final class TarReader implements Closeable {
    /** A larger entry is refused rather than read into memory. */
    public static final long MAX_ENTRY = 1L << 30;
    private static final int BLOCK = 512;

    /**
     * A regular file in the archive.
     *
     * @param name its path inside the archive, e.g. "jpg/image_00001.jpg"
     * @param content its bytes
     */
    public record Entry(String name, byte[] content) {
    }

    private final InputStream in;
    private final String what;
    private long offset;

    /** Reads {@code in} (plain tar, or gzip'd tar); {@code what} names the archive in messages. */
    public TarReader(InputStream in, String what) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        this.in = b0 == 0x1F && b1 == 0x8B ? new BufferedInputStream(new GZIPInputStream(buffered, 1 << 16), 1 << 16)
                : buffered;
        this.what = what;
    }

    /** The archive at {@code file}. */
    public static TarReader open(Path file) throws IOException {
        return new TarReader(Files.newInputStream(file), file.toString());
    }

    /** The next regular file, or null at the end of the archive. */
    public Entry next() throws IOException {
        String longName = null;
        while (true) {
            long at = offset;
            byte[] header = readFully(BLOCK, "a header");
            if (header == null || isZero(header)) {
                return null; // end-of-archive marker (or a clean end without one)
            }
            checkChecksum(header, at);
            char type = (char) header[156];
            long size = size(header, at);
            if (size > MAX_ENTRY) {
                throw new IOException(what + ": the entry at byte " + at + " is " + size + " bytes, more than "
                        + MAX_ENTRY + " allowed");
            }
            byte[] content = readFully((int) size, "the content of " + name(header));
            if (content == null) {
                throw truncated("the content of " + name(header));
            }
            skip((BLOCK - size % BLOCK) % BLOCK);
            if (type == 'L') { // GNU: the next entry's long name
                longName = cString(content, 0, content.length);
            } else if (type == 'x') { // pax: records "len key=value\n" for the next entry
                String path = paxPath(content);
                longName = path != null ? path : longName;
            } else if (type == '0' || type == '\0' || type == '7') {
                return new Entry(longName != null ? longName : name(header), content);
            } else {
                longName = null; // directory, link, global pax header...: not a file
            }
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private static String name(byte[] h) {
        String name = cString(h, 0, 100);
        boolean ustar = "ustar".equals(cString(h, 257, 5));
        String prefix = ustar ? cString(h, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static String paxPath(byte[] records) {
        String text = new String(records, StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0 && line.startsWith("path=", space + 1)) {
                return line.substring(space + 1 + "path=".length());
            }
        }
        return null;
    }

    private long size(byte[] h, long at) throws IOException {
        if ((h[124] & 0x80) != 0) {
            throw new IOException(what + ": the entry at byte " + at + " uses a base-256 size (over 8 GB)");
        }
        return octal(h, 124, 12, at, "size");
    }

    private void checkChecksum(byte[] h, long at) throws IOException {
        long stored = octal(h, 148, 8, at, "checksum");
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += i >= 148 && i < 156 ? ' ' : h[i] & 0xFF;
        }
        if (sum != stored) {
            throw new IOException(what + ": the header at byte " + at + " has checksum " + stored + " but its bytes "
                    + "sum to " + sum + ": not a tar archive, or a corrupt one");
        }
    }

    private long octal(byte[] h, int from, int length, long at, String field) throws IOException {
        long v = 0;
        int i = from;
        int end = from + length;
        while (i < end && (h[i] == ' ' || h[i] == 0)) {
            i++;
        }
        for (; i < end && h[i] != 0 && h[i] != ' '; i++) {
            if (h[i] < '0' || h[i] > '7') {
                throw new IOException(what + ": the " + field + " field of the header at byte " + at
                        + " is not an octal number: not a tar archive, or a corrupt one");
            }
            v = v * 8 + (h[i] - '0');
        }
        return v;
    }

    private static String cString(byte[] b, int from, int max) {
        int end = from;
        while (end < from + max && b[end] != 0) {
            end++;
        }
        return new String(b, from, end - from, StandardCharsets.UTF_8);
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** {@code n} bytes; null when the stream ends before the first; an error when it ends inside them. */
    private byte[] readFully(int n, String part) throws IOException {
        byte[] out = new byte[n];
        int got = 0;
        while (got < n) {
            int r;
            try {
                r = in.read(out, got, n - got);
            } catch (java.io.EOFException e) { // gzip stream cut short
                throw (IOException) truncated(part).initCause(e);
            } catch (IOException e) {
                throw new IOException(what + ": cannot read " + part + " at byte " + (offset + got) + " ("
                        + e.getMessage() + "): a corrupt archive", e);
            }
            if (r < 0) {
                if (got == 0 && n == BLOCK) {
                    return null;
                }
                throw truncated(part);
            }
            got += r;
        }
        offset += n;
        return out;
    }

    private void skip(long n) throws IOException {
        if (n > 0 && readFully((int) n, "padding") == null) {
            throw truncated("padding");
        }
    }

    private IOException truncated(String part) {
        return new IOException(what + " ends at byte " + offset + " inside " + part + ": the archive is truncated");
    }
}
