package dev.flowmatching.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** SHA-256 helpers: of a file, of a digest, and the check that a pinned checksum is well formed. */
final class Sha256 {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    private Sha256() {
    }

    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256, which every Java platform must provide", e);
        }
    }

    /** Lower-case hex SHA-256 of the file's bytes. */
    static String of(Path file) throws IOException {
        MessageDigest sha = newDigest();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int r; (r = in.read(buffer)) > 0;) {
                sha.update(buffer, 0, r);
            }
        }
        return hex(sha.digest());
    }

    static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    /** {@code sha256} itself, after checking it is 64 lower-case hex digits. */
    static String require(String sha256, String what) {
        if (sha256 == null || !HEX64.matcher(sha256).matches()) {
            throw new IllegalArgumentException(what + " must be a SHA-256 as 64 lower-case hex digits, got '"
                    + sha256 + "'");
        }
        return sha256;
    }
}
