package dev.flowmatching.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file's SHA-256 is not the one pinned for it: a corrupt or tampered download, a wrong mirror, or a wrong
 * file put in place by hand. Says which file and both hashes.
 *
 * <pre>{@code
 * try { download.fetch(url, target, sha256, progress); }
 * catch (ChecksumMismatchException e) { System.err.println(e.file() + " is " + e.actual()); }
 * }</pre>
 */
public final class ChecksumMismatchException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final String expected;
    private final String actual;

    /** {@code what} says which bytes were hashed, e.g. "download" or "uncompressed content"; {@code then}
     * what was done about it (may be empty). */
    public ChecksumMismatchException(Path file, String what, String expected, String actual, String then) {
        super("checksum mismatch for " + file + " (" + what + "): expected SHA-256 " + expected + ", got " + actual
                + (then.isEmpty() ? "" : "; " + then));
        this.file = file;
        this.expected = expected;
        this.actual = actual;
    }

    public Path file() {
        return file;
    }

    public String expected() {
        return expected;
    }

    public String actual() {
        return actual;
    }
}
