package dev.flowmatching.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/** Writes small tar archives byte by byte for the tests: ustar headers, GNU long names, directories. */
final class TarWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A regular file; a name over 100 bytes is split into the ustar prefix and name at a '/'. */
    TarWriter file(String name, byte[] content) {
        String prefix = "";
        if (name.length() > 100) {
            int slash = name.lastIndexOf('/', 155);
            prefix = name.substring(0, slash);
            name = name.substring(slash + 1);
        }
        header(name, prefix, content.length, '0');
        data(content);
        return this;
    }

    /** A regular file named by a GNU 'L' entry before it (names of any length). */
    TarWriter gnuLongName(String name, byte[] content) {
        byte[] n = (name + "\0").getBytes(StandardCharsets.UTF_8);
        header("././@LongLink", "", n.length, 'L');
        data(n);
        header(name.substring(0, 99), "", content.length, '0');
        data(content);
        return this;
    }

    TarWriter directory(String name) {
        header(name, "", 0, '5');
        return this;
    }

    /** The archive with its two zero blocks. */
    byte[] tar() {
        byte[] body = out.toByteArray();
        byte[] all = new byte[body.length + 1024];
        System.arraycopy(body, 0, all, 0, body.length);
        return all;
    }

    byte[] tgz() throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(tar());
        }
        return gz.toByteArray();
    }

    private void header(String name, String prefix, long size, char type) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0001750");
        put(h, 116, "0001750");
        put(h, 124, String.format("%011o", size));
        put(h, 136, "14770000000");
        h[156] = (byte) type;
        put(h, 257, "ustar");
        put(h, 263, "00");
        put(h, 345, prefix);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xFF;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        out.writeBytes(h);
    }

    private void data(byte[] content) {
        out.writeBytes(content);
        out.writeBytes(new byte[(512 - content.length % 512) % 512]);
    }

    private static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, at, b.length);
    }
}
