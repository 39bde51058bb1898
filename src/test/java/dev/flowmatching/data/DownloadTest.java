package dev.flowmatching.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.flowmatching.runtime.Rng;

/**
 * The downloader against a file server on loopback started here: a plain download, resuming a part file
 * with a Range request, a connection cut halfway (no final file; a retry resumes), a wrong file (both hashes
 * named, no final file), mirrors in order. Never touches the internet.
 */
class DownloadTest {
    private static final int SIZE = 200_000;
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    @TempDir
    Path dir;

    private final byte[] payload = new byte[SIZE];
    private String payloadSha;
    private HttpServer server;
    /** The Range header of every request, "" when there was none, in order. */
    private final List<String> ranges = new ArrayList<>();
    private final AtomicInteger cutRequests = new AtomicInteger();
    private final Download download = new Download(Duration.ofSeconds(5), Duration.ofSeconds(5));

    @BeforeEach
    void start() throws Exception {
        new Rng(7).java().nextBytes(payload);
        payloadSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/good/", ex -> serve(ex, payload, true));
        server.createContext("/norange/", ex -> serve(ex, payload, false));
        server.createContext("/wrong/", ex -> serve(ex, Arrays.copyOf(payload, SIZE - 1), true));
        server.createContext("/missing/", ex -> {
            ranges.add(header(ex));
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.createContext("/moved/", ex -> {
            ranges.add(header(ex));
            ex.getResponseHeaders().set("Location", "/good/file.bin");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        server.createContext("/cut/", ex -> {
            if (cutRequests.getAndIncrement() == 0) {
                cutHalfway(ex);
            } else {
                serve(ex, payload, true);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI url(String path) {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort() + path);
    }

    private static String header(HttpExchange ex) {
        String range = ex.getRequestHeaders().getFirst("Range");
        return range == null ? "" : range;
    }

    /** Serves {@code body}, from the requested offset with 206 when {@code honourRange}, else whole with 200. */
    private void serve(HttpExchange ex, byte[] body, boolean honourRange) throws IOException {
        String range = header(ex);
        ranges.add(range);
        Matcher m = RANGE.matcher(range);
        int from = honourRange && m.matches() ? Integer.parseInt(m.group(1)) : 0;
        if (from >= body.length) {
            ex.sendResponseHeaders(416, -1);
            ex.close();
            return;
        }
        if (from > 0) {
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
            ex.sendResponseHeaders(206, body.length - from);
        } else {
            ex.sendResponseHeaders(200, body.length);
        }
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body, from, body.length - from);
        }
    }

    /** Announces the whole payload, sends half, then drops the connection. */
    private void cutHalfway(HttpExchange ex) throws IOException {
        ranges.add(header(ex));
        ex.sendResponseHeaders(200, SIZE);
        OutputStream out = ex.getResponseBody();
        out.write(payload, 0, SIZE / 2);
        out.flush();
        ex.close(); // fewer bytes than announced: the server drops the connection
    }

    @Test
    void aDownloadIsVerifiedAndRenamedWithProgressToTheEnd() throws Exception {
        Path target = dir.resolve("sub/file.bin");
        List<long[]> progress = new ArrayList<>();
        Path got = download.fetch(url("/good/file.bin"), target, payloadSha, (done, total) -> progress.add(
                new long[] {done, total}));
        assertEquals(target, got);
        assertArrayEquals(payload, Files.readAllBytes(target));
        assertFalse(Files.exists(Download.partFile(target)), "no part file is left");
        assertEquals(List.of(""), ranges, "one request, no Range header");
        long[] last = progress.get(progress.size() - 1);
        assertArrayEquals(new long[] {SIZE, SIZE}, last);
        for (int i = 1; i < progress.size(); i++) {
            assertTrue(progress.get(i)[0] > progress.get(i - 1)[0], "progress grows");
        }
    }

    @Test
    void aPartFileIsResumedWithARangeRequest() throws Exception {
        Path target = dir.resolve("file.bin");
        Files.write(Download.partFile(target), Arrays.copyOf(payload, 70_000));
        List<Long> done = new ArrayList<>();
        download.fetch(url("/good/file.bin"), target, payloadSha, (d, total) -> {
            done.add(d);
            assertEquals(SIZE, total, "the total counts the bytes already there");
        });
        assertEquals(List.of("bytes=70000-"), ranges, "the server was asked for the rest only");
        assertTrue(done.get(0) > 70_000 && done.get(0) <= SIZE, "progress starts past the part: " + done.get(0));
        assertArrayEquals(payload, Files.readAllBytes(target));
        assertFalse(Files.exists(Download.partFile(target)));
    }

    @Test
    void aServerThatIgnoresTheRangeSendsAllAndThePartIsReplaced() throws Exception {
        Path target = dir.resolve("file.bin");
        Files.write(Download.partFile(target), new byte[1000]); // wrong bytes: must not be kept
        download.fetch(url("/norange/file.bin"), target, payloadSha, Download.Progress.silent());
        assertEquals(List.of("bytes=1000-"), ranges);
        assertArrayEquals(payload, Files.readAllBytes(target));
    }

    @Test
    void aCutConnectionLeavesNoFinalFileAndARetryResumes() throws Exception {
        Path target = dir.resolve("file.bin");
        IOException e = assertThrows(IOException.class,
                () -> download.fetch(url("/cut/file.bin"), target, payloadSha, Download.Progress.silent()));
        assertTrue(e.getMessage().contains("broke off"), e.getMessage());
        assertFalse(Files.exists(target), "no file with the final name after a broken download");
        Path part = Download.partFile(target);
        long kept = Files.size(part);
        assertTrue(kept > 0 && kept < SIZE, "the part holds what arrived: " + kept);
        assertArrayEquals(Arrays.copyOf(payload, (int) kept), Files.readAllBytes(part));

        download.fetch(url("/cut/file.bin"), target, payloadSha, Download.Progress.silent());
        assertEquals(List.of("", "bytes=" + kept + "-"), ranges, "the retry asks for the missing bytes only");
        assertArrayEquals(payload, Files.readAllBytes(target));
        assertFalse(Files.exists(part));
    }

    @Test
    void aWrongFileNamesBothHashesAndIsKeptAside() throws Exception {
        Path target = dir.resolve("file.bin");
        ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class,
                () -> download.fetch(url("/wrong/file.bin"), target, payloadSha, Download.Progress.silent()));
        String wrongSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(
                Arrays.copyOf(payload, SIZE - 1)));
        assertTrue(e.getMessage().contains(payloadSha) && e.getMessage().contains(wrongSha), e.getMessage());
        assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
        assertEquals(payloadSha, e.expected());
        assertEquals(wrongSha, e.actual());
        assertFalse(Files.exists(target), "no final file");
        assertFalse(Files.exists(Download.partFile(target)), "the next attempt does not resume the wrong bytes");
        assertEquals(SIZE - 1, Files.size(Download.badFile(target)));
    }

    @Test
    void aCompletePartFileAnswered416IsVerifiedWithoutNewBytes() throws Exception {
        Path target = dir.resolve("file.bin");
        Files.write(Download.partFile(target), payload);
        download.fetch(url("/good/file.bin"), target, payloadSha, Download.Progress.silent());
        assertEquals(List.of("bytes=" + SIZE + "-"), ranges);
        assertArrayEquals(payload, Files.readAllBytes(target));
    }

    @Test
    void mirrorsAreTriedInOrderAndRedirectsFollowed() throws Exception {
        Path target = dir.resolve("file.bin");
        download.fetch(List.of(url("/missing/file.bin"), url("/moved/file.bin")), target, payloadSha,
                Download.Progress.silent());
        assertEquals(3, ranges.size(), "404, the redirect, then the file");
        assertArrayEquals(payload, Files.readAllBytes(target));
    }

    @Test
    void whenEveryMirrorFailsTheLastErrorCarriesTheOthers() {
        Path target = dir.resolve("file.bin");
        IOException e = assertThrows(IOException.class, () -> download.fetch(List.of(url("/missing/a"),
                url("/wrong/b")), target, payloadSha, Download.Progress.silent()));
        assertTrue(e instanceof ChecksumMismatchException, e.toString());
        assertEquals(1, e.getSuppressed().length);
        assertTrue(e.getSuppressed()[0].getMessage().contains("HTTP 404"), e.getSuppressed()[0].getMessage());
    }

    @Test
    void anExistingVerifiedFileIsReturnedWithoutARequest() throws Exception {
        Path target = dir.resolve("file.bin");
        Files.write(target, payload);
        assertEquals(target, download.fetch(url("/good/file.bin"), target, payloadSha, Download.Progress.silent()));
        assertTrue(ranges.isEmpty());
        Files.write(target, new byte[3]);
        ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class,
                () -> download.fetch(url("/good/file.bin"), target, payloadSha, Download.Progress.silent()));
        assertTrue(e.getMessage().contains("delete it"), e.getMessage());
    }

    @Test
    void aMalformedChecksumIsRefusedBeforeAnyRequest() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> download.fetch(
                url("/good/file.bin"), dir.resolve("f"), "ABC", Download.Progress.silent()));
        assertTrue(e.getMessage().contains("64 lower-case hex digits"), e.getMessage());
        assertTrue(ranges.isEmpty());
    }
}
