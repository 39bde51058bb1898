package dev.flowmatching.data;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads one file over HTTP(S) so that a file with the final name is always complete and verified:
 * <ol>
 *   <li>bytes go to {@code <name>.part} next to the target;</li>
 *   <li>a part file left by a broken connection is resumed with an HTTP {@code Range} request (a server that
 *       ignores the range sends the whole file, which then replaces the part);</li>
 *   <li>the finished part's SHA-256 must equal the pinned one; only then is it renamed to the final name with
 *       an atomic move in the same folder;</li>
 *   <li>on a mismatch the part is kept aside as {@code <name>.bad} (so the next try starts afresh) and a
 *       {@link ChecksumMismatchException} names the file and both hashes.</li>
 * </ol>
 * Mirrors are tried in order; a target that already exists with the right checksum is returned untouched.
 *
 * <pre>{@code
 * Path gz = new Download().fetch(List.of(URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz")),
 *         Path.of("data/mnist/t10k-labels-idx1-ubyte.gz"),
 *         "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", Download.Progress.printing(System.out));
 * }</pre>
 */
public final class Download {
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-\\d+/(\\d+|\\*)");
    private static final int MAX_REDIRECTS = 5;

    /** Told how far a download is. */
    @FunctionalInterface
    public interface Progress {
        /** {@code done} bytes of {@code total} are in the part file; {@code total} is -1 when unknown. */
        void update(long done, long total);

        static Progress silent() {
            return (done, total) -> { };
        }

        /** One line per 10% (or per 5 MB when the size is unknown), prefixed by the file's name. */
        static Progress printing(PrintStream out) {
            return new Progress() {
                private long lastStep = -1;

                @Override
                public void update(long done, long total) {
                    long step = total > 0 ? done * 10 / total : done / 5_000_000;
                    if (step != lastStep) {
                        lastStep = step;
                        out.println(total > 0
                                ? String.format(Locale.ROOT, "  %3d%% of %.1f MB", step * 10, total / 1e6)
                                : String.format(Locale.ROOT, "  %.1f MB", done / 1e6));
                    }
                }
            };
        }
    }

    private final Duration connectTimeout;
    private final Duration readTimeout;

    /** Gives up on a connection after 20 s, and on a stalled transfer after 60 s without a byte. */
    public Download() {
        this(Duration.ofSeconds(20), Duration.ofSeconds(60));
    }

    public Download(Duration connectTimeout, Duration readTimeout) {
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
    }

    /** Where the bytes of {@code target} collect until they are verified. */
    public static Path partFile(Path target) {
        return target.resolveSibling(target.getFileName() + ".part");
    }

    /** Where a download whose checksum did not match is kept aside. */
    public static Path badFile(Path target) {
        return target.resolveSibling(target.getFileName() + ".bad");
    }

    /** Lower-case hex SHA-256 of a file's bytes. */
    public static String sha256(Path file) throws IOException {
        return Sha256.of(file);
    }

    public Path fetch(URI url, Path target, String sha256, Progress progress) throws IOException {
        return fetch(List.of(url), target, sha256, progress);
    }

    /**
     * {@code target}, downloaded from the first of {@code mirrors} that delivers bytes with the given SHA-256.
     * When all fail, the last failure is thrown with the earlier ones attached as suppressed exceptions.
     */
    public Path fetch(List<URI> mirrors, Path target, String sha256, Progress progress) throws IOException {
        Sha256.require(sha256, "the checksum of " + target.getFileName());
        if (mirrors.isEmpty()) {
            throw new IllegalArgumentException("no URL to download " + target.getFileName() + " from");
        }
        if (Files.exists(target)) {
            String actual = Sha256.of(target);
            if (actual.equals(sha256)) {
                return target;
            }
            throw new ChecksumMismatchException(target, "existing file", sha256, actual,
                    "delete it to download it again");
        }
        Files.createDirectories(target.toAbsolutePath().getParent());
        IOException failure = null;
        for (URI url : mirrors) {
            try {
                return fetchFrom(url, target, sha256, progress);
            } catch (IOException e) {
                if (failure != null) {
                    e.addSuppressed(failure);
                }
                failure = e;
            }
        }
        throw failure;
    }

    private Path fetchFrom(URI url, Path target, String sha256, Progress progress) throws IOException {
        Path part = partFile(target);
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        HttpURLConnection c = connect(url, have);
        try {
            int code = c.getResponseCode();
            // 416 to a range request: the part already holds the whole file (or is too long: the checksum says).
            if (!(code == 416 && have > 0)) {
                boolean resume = have > 0 && code == HttpURLConnection.HTTP_PARTIAL;
                if (code != HttpURLConnection.HTTP_OK && !resume) {
                    throw new IOException("HTTP " + code + " " + c.getResponseMessage() + " for " + url);
                }
                if (resume) {
                    checkRange(c, have, url);
                }
                receive(c, url, part, resume ? have : 0, progress);
            }
        } finally {
            c.disconnect();
        }
        return verifyAndMove(url, part, target, sha256);
    }

    /** Opens {@code url}, asking for the bytes from {@code from} on when > 0, following up to 5 redirects
     * (also http to https, which HttpURLConnection does not do by itself). */
    private HttpURLConnection connect(URI url, long from) throws IOException {
        URI at = url;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpURLConnection c = (HttpURLConnection) at.toURL().openConnection();
            c.setConnectTimeout((int) connectTimeout.toMillis());
            c.setReadTimeout((int) readTimeout.toMillis());
            c.setInstanceFollowRedirects(false);
            c.setRequestProperty("User-Agent", "flow-matching-notebooks");
            c.setRequestProperty("Accept-Encoding", "identity"); // byte ranges of the file itself
            if (from > 0) {
                c.setRequestProperty("Range", "bytes=" + from + "-");
            }
            int code = c.getResponseCode();
            String location = c.getHeaderField("Location");
            if (code / 100 != 3 || code == 304 || location == null) {
                return c;
            }
            c.disconnect();
            at = at.resolve(location);
        }
        throw new IOException("more than " + MAX_REDIRECTS + " redirects for " + url);
    }

    private static void checkRange(HttpURLConnection c, long from, URI url) throws IOException {
        String range = c.getHeaderField("Content-Range");
        Matcher m = range == null ? null : CONTENT_RANGE.matcher(range.trim());
        if (m == null || !m.matches() || Long.parseLong(m.group(1)) != from) {
            throw new IOException("asked " + url + " for bytes " + from + "- but it answered Content-Range: " + range);
        }
    }

    private static void receive(HttpURLConnection c, URI url, Path part, long have, Progress progress)
            throws IOException {
        long length = c.getContentLengthLong();
        long total = length < 0 ? -1 : have + length;
        long done = have;
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = c.getInputStream();
                OutputStream out = Files.newOutputStream(part, CREATE, WRITE, have > 0 ? APPEND : TRUNCATE_EXISTING)) {
            for (int r; (r = in.read(buffer)) > 0;) {
                out.write(buffer, 0, r);
                done += r;
                progress.update(done, total);
            }
        } catch (IOException e) {
            throw broken(url, part, done, e.toString(), e);
        }
        if (total >= 0 && done != total) {
            throw broken(url, part, done, "the server announced " + total, null);
        }
    }

    private static IOException broken(URI url, Path part, long done, String why, Throwable cause) {
        return new IOException("download of " + url + " broke off after " + done + " bytes (" + why + "); "
                + part + " is kept and the next attempt resumes from it", cause);
    }

    private static Path verifyAndMove(URI url, Path part, Path target, String sha256) throws IOException {
        String actual = Sha256.of(part);
        if (!actual.equals(sha256)) {
            Path bad = badFile(target);
            Files.move(part, bad, REPLACE_EXISTING);
            throw new ChecksumMismatchException(target, "downloaded from " + url, sha256, actual,
                    "the download was moved aside to " + bad.getFileName() + " and the next attempt starts afresh");
        }
        Files.move(part, target, ATOMIC_MOVE);
        return target;
    }
}
