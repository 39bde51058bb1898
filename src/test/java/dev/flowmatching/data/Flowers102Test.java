package dev.flowmatching.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The Flowers loader end to end on a small archive written here in the official layout (jpg/image_NNNNN.jpg)
 * with six JPEGs: a wide one whose centre square is green between red and blue edges, a tall one, a greyscale one, a cut
 * one, a CMYK one and a progressive one; plus imagelabels.mat and setid.mat. Then the download path against a
 * file server on loopback (a cut connection resumed, a wrong archive refused). Never the internet.
 */
class Flowers102Test {
    private static final int R = 8;
    private static final int TOLERANCE = 10; // JPEG of flat colours at quality 0.95, then area means
    private static final int RED = 0xFF0000;
    private static final int G = 0x00FF00;
    private static final int BLUE = 0x0000FF;
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    @TempDir
    Path dataDir;

    private byte[] archive;
    private byte[] labels;
    private byte[] setid;
    private HttpServer server;
    private final List<String> archiveRanges = new ArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    @BeforeEach
    void writeFiles() throws IOException {
        archive = new TarWriter().directory("jpg/")
                .file("jpg/image_00001.jpg", TestJpegs.jpeg(TestJpegs.bands(8, 48, RED, G, G, G, G, G, G, G, G, BLUE)))
                .file("jpg/image_00002.jpg", TestJpegs.jpeg(TestJpegs.solid(24, 40, 0x3366CC)))
                .file("jpg/image_00003.jpg", TestJpegs.jpeg(TestJpegs.grey(20, 20, 81)))
                .file("jpg/image_00004.jpg", TestJpegs.truncated(TestJpegs.jpeg(TestJpegs.busy(64, 64)), 0.8))
                .file("jpg/image_00005.jpg", TestJpegs.adobeCmyk(16, 16, 200, 10, 10, 0, false))
                .file("jpg/image_00006.jpg", TestJpegs.progressive(TestJpegs.solid(32, 24, 0xF0A000)))
                .tgz();
        labels = new MatWriter(ByteOrder.LITTLE_ENDIAN).matrix("labels", MatWriter.MX_DOUBLE_CLASS, new int[] {1, 6},
                MatFile.MI_UINT8, new double[] {3, 1, 102, 2, 5, 7}, true).bytes();
        setid = new MatWriter(ByteOrder.LITTLE_ENDIAN)
                .matrix("trnid", MatWriter.MX_DOUBLE_CLASS, new int[] {1, 2}, MatFile.MI_UINT16, new double[] {2, 1}, true)
                .matrix("valid", MatWriter.MX_DOUBLE_CLASS, new int[] {1, 2}, MatFile.MI_UINT16, new double[] {3, 4}, true)
                .matrix("tstid", MatWriter.MX_DOUBLE_CLASS, new int[] {1, 2}, MatFile.MI_UINT16, new double[] {6, 5}, true)
                .bytes();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static String sha(byte[] bytes) {
        try {
            return Sha256.hex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A loader pinned to this test's files, offline, on two threads, logging into {@link #logBytes}. */
    private Flowers102 flowers() {
        return new Flowers102(dataDir)
                .withFiles(new Flowers102.RemoteFile("102flowers.tgz", archive.length, sha(archive), "-"),
                        new Flowers102.RemoteFile("imagelabels.mat", labels.length, sha(labels), "-"),
                        new Flowers102.RemoteFile("setid.mat", setid.length, sha(setid), "-"))
                .withDownload(false).withThreads(2).withLog(log);
    }

    private void placeFiles() throws IOException {
        Path folder = Files.createDirectories(dataDir.resolve("flowers102"));
        Files.write(folder.resolve("102flowers.tgz"), archive);
        Files.write(folder.resolve("imagelabels.mat"), labels);
        Files.write(folder.resolve("setid.mat"), setid);
    }

    /** Every pixel of image i (3 x R x R) within the tolerance of (r, g, b). */
    private static void assertColour(ImageSet set, int i, int r, int g, int b) {
        byte[] px = set.image(i);
        int[] want = {r, g, b};
        for (int p = 0; p < px.length; p++) {
            int c = p / (R * R);
            assertTrue(Math.abs((px[p] & 0xFF) - want[c]) <= TOLERANCE, "image " + i + " channel " + c + " pixel "
                    + p % (R * R) + " is " + (px[p] & 0xFF) + ", want about " + want[c]);
        }
    }

    @Test
    void theArchiveIsPreparedWithLabelsAndTheBadFileSkippedAndNamed() throws IOException {
        placeFiles();
        PrepareReport report = flowers().prepare(R);
        assertEquals(5, report.read());
        assertEquals(1, report.skipped());
        assertEquals(1, report.skippedFiles().size());
        assertTrue(report.skippedFiles().get(0).contains("jpg/image_00004.jpg"), report.toString());
        assertEquals(Map.of("ImageIO", 4, "CMYK", 1), report.decoders());
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("1 skipped"), logBytes.toString());

        ImageSet set = flowers().load(R);
        assertEquals(5, set.size());
        assertEquals(3, set.channels());
        assertEquals(R, set.height());
        assertEquals(102, set.numClasses());
        // Labels 3, 1, 102, (image 4 skipped), 5, 7 in the file; 0-based here.
        assertArrayEquals(new int[] {2, 0, 101, 4, 6}, set.labels());
        assertEquals("canterbury bells", set.className(set.label(0)));
        // 80 x 48: red on columns 0-7, blue on 72-79; the centre square (columns 16-63) is green throughout.
        assertColour(set, 0, 0, 255, 0);
        assertColour(set, 1, 0x33, 0x66, 0xCC);
        assertColour(set, 2, 81, 81, 81);      // grey to three equal channels
        assertColour(set, 3, 55, 245, 245);    // CMYK inks 200, 10, 10, 0
        assertColour(set, 4, 0xF0, 0xA0, 0x00); // progressive
        assertTrue(set.source().contains("1 skipped") && set.source().contains("imagelabels.mat"), set.source());
    }

    @Test
    void theSplitsOfSetidAreKept() throws IOException {
        placeFiles();
        Flowers102 f = flowers();
        assertArrayEquals(new int[] {2, 0}, f.load(R, FlowersSplit.TRAIN).labels());
        assertArrayEquals(new int[] {101}, f.load(R, FlowersSplit.VALID).labels(), "image 4 of valid was skipped");
        assertArrayEquals(new int[] {4, 6}, f.load(R, FlowersSplit.TEST).labels());
    }

    @Test
    void aSecondRunReadsTheCacheAloneAndEachResolutionHasItsOwn() throws IOException {
        assertFalse(flowers().availableOffline(R), "nothing placed yet");
        placeFiles();
        assertTrue(flowers().availableOffline(16), "the archive can be prepared at any resolution");
        ImageSet first = flowers().load(R);
        ImageSet small = flowers().load(4);
        Path folder = dataDir.resolve("flowers102");
        assertTrue(Files.exists(folder.resolve("cache-8.bin")) && Files.exists(folder.resolve("cache-4.bin")));
        assertEquals(4, small.height());
        for (String name : List.of("102flowers.tgz", "imagelabels.mat", "setid.mat")) {
            Files.delete(folder.resolve(name));
        }
        assertTrue(flowers().availableOffline(R), "the cache alone is enough");
        assertFalse(flowers().availableOffline(16), "no cache at 16 px and no archive");
        ImageSet again = flowers().load(R);
        assertEquals(first.size(), again.size());
        for (int i = 0; i < first.size(); i++) {
            assertArrayEquals(first.image(i), again.image(i));
        }
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> flowers().load(16));
        assertTrue(e.getMessage().contains("downloading is off") && e.getMessage().contains(folder.toString()),
                e.getMessage());
    }

    @Test
    void theCacheIsTheSameWhateverTheThreadCount() throws IOException {
        placeFiles();
        Path folder = dataDir.resolve("flowers102");
        flowers().withThreads(1).prepare(R);
        byte[] one = Files.readAllBytes(folder.resolve("cache-8.bin"));
        flowers().withThreads(3).prepare(R);
        assertArrayEquals(one, Files.readAllBytes(folder.resolve("cache-8.bin")));
    }

    @Test
    void aWrongArchiveIsRefusedAndNoCacheIsWritten() throws IOException {
        placeFiles();
        Files.write(dataDir.resolve("flowers102/102flowers.tgz"), new TarWriter().file("jpg/x.jpg", new byte[3]).tgz());
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> flowers().load(R));
        assertInstanceOf(ChecksumMismatchException.class, e.getCause());
        assertTrue(e.getMessage().contains("102flowers.tgz") && e.getMessage().contains(sha(archive)), e.getMessage());
        assertFalse(Files.exists(dataDir.resolve("flowers102/cache-8.bin")));
    }

    @Test
    void aFolderOfJpegsGivesOneUnlabelledClassInNameOrder() throws IOException {
        Path jpgs = Files.createDirectories(dataDir.resolve("mine"));
        Files.write(jpgs.resolve("b.jpg"), TestJpegs.jpeg(TestJpegs.solid(10, 14, 0x0000FF)));
        Files.write(jpgs.resolve("a.JPG"), TestJpegs.jpeg(TestJpegs.solid(30, 10, 0xFF0000)));
        Files.write(jpgs.resolve("d.jpeg"), TestJpegs.jpeg(TestJpegs.grey(9, 9, 200)));
        Files.write(jpgs.resolve("notes.txt"), "not a picture".getBytes(StandardCharsets.UTF_8));
        Path cache = FlowersCache.file(jpgs, R);
        PrepareReport report = new FlowersPreparer(R).withThreads(2).withLog(log).fromFolder(jpgs, cache);
        assertEquals(3, report.read());
        assertEquals(0, report.skipped());
        FlowersCache.Contents c = FlowersCache.read(cache, R);
        assertArrayEquals(new int[] {1, 2, 3}, c.ids());
        assertArrayEquals(new byte[] {FlowersSplit.UNKNOWN, FlowersSplit.UNKNOWN, FlowersSplit.UNKNOWN}, c.splits());
        ImageSet set = c.toImageSet("mine");
        assertEquals(List.of("flower"), set.classNames());
        assertColour(set, 0, 255, 0, 0);
        assertColour(set, 1, 0, 0, 255);
        assertColour(set, 2, 200, 200, 200);
    }

    // ---- the download path, against a file server on loopback ----

    private URI startServer(boolean cutFirstArchiveRequest) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger archiveRequests = new AtomicInteger();
        server.createContext("/102/102flowers.tgz", ex -> {
            boolean cut = cutFirstArchiveRequest && archiveRequests.getAndIncrement() == 0;
            serve(ex, archive, cut, archiveRanges);
        });
        server.createContext("/102/imagelabels.mat", ex -> serve(ex, labels, false, new ArrayList<>()));
        server.createContext("/102/setid.mat", ex -> serve(ex, setid, false, new ArrayList<>()));
        server.start();
        return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort() + "/102/");
    }

    /** Serves {@code body} from the requested offset; when {@code cut}, announces all, sends half and hangs up. */
    private void serve(HttpExchange ex, byte[] body, boolean cut, List<String> ranges) throws IOException {
        requests.incrementAndGet();
        String range = ex.getRequestHeaders().getFirst("Range");
        ranges.add(range == null ? "" : range);
        Matcher m = RANGE.matcher(range == null ? "" : range);
        int from = m.matches() ? Integer.parseInt(m.group(1)) : 0;
        if (from > 0) {
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
            ex.sendResponseHeaders(206, body.length - from);
        } else {
            ex.sendResponseHeaders(200, body.length);
        }
        OutputStream out = ex.getResponseBody();
        out.write(body, from, cut ? body.length / 2 : body.length - from);
        out.flush();
        ex.close();
    }

    @Test
    void aCutDownloadLeavesNoArchiveAndTheNextRunResumesIt() throws IOException {
        URI base = startServer(true);
        Flowers102 f = flowers().withDownload(true).withMirrors(List.of(base));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> f.load(R));
        assertTrue(e.getMessage().contains("broke off"), e.getMessage());
        Path folder = dataDir.resolve("flowers102");
        assertFalse(Files.exists(folder.resolve("102flowers.tgz")), "no archive with the final name");
        assertFalse(Files.exists(folder.resolve("cache-8.bin")));
        long kept = Files.size(Download.partFile(folder.resolve("102flowers.tgz")));
        assertEquals(archive.length / 2, kept);

        ImageSet set = f.load(R);
        assertEquals(5, set.size());
        assertEquals(List.of("", "bytes=" + kept + "-"), archiveRanges, "the second run asks for the rest only");
        assertArrayEquals(archive, Files.readAllBytes(folder.resolve("102flowers.tgz")));
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("downloading 102flowers.tgz"));

        int before = requests.get();
        assertEquals(5, f.load(R).size());
        assertEquals(before, requests.get(), "the cache answers without a request");
    }

    @Test
    void aDownloadWithTheWrongChecksumIsRefused() throws IOException {
        URI base = startServer(false);
        Flowers102 f = flowers().withDownload(true).withMirrors(List.of(base))
                .withFiles(new Flowers102.RemoteFile("102flowers.tgz", 1, "0".repeat(64), "-"),
                        new Flowers102.RemoteFile("imagelabels.mat", labels.length, sha(labels), "-"),
                        new Flowers102.RemoteFile("setid.mat", setid.length, sha(setid), "-"));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> f.load(R));
        assertInstanceOf(ChecksumMismatchException.class, e.getCause());
        Path folder = dataDir.resolve("flowers102");
        assertFalse(Files.exists(folder.resolve("102flowers.tgz")));
        assertTrue(Files.exists(Download.badFile(folder.resolve("102flowers.tgz"))));
        assertFalse(Files.exists(folder.resolve("cache-8.bin")));
    }

    @Test
    void theOfficialPinsAreWellFormedAndTheNamesNumber102() {
        assertEquals(102, Flowers102.CLASS_NAMES.size());
        assertEquals(102, Flowers102.CLASS_NAMES.stream().distinct().count());
        assertEquals("pink primrose", Flowers102.CLASS_NAMES.get(0));
        assertEquals("blackberry lily", Flowers102.CLASS_NAMES.get(101));
        assertEquals(URI.create("https://www.robots.ox.ac.uk/~vgg/data/flowers/102/102flowers.tgz"),
                Flowers102.OFFICIAL.resolve(Flowers102.ARCHIVE.name()));
        for (Flowers102.RemoteFile f : List.of(Flowers102.ARCHIVE, Flowers102.LABELS, Flowers102.SETID)) {
            assertTrue(f.md5().matches("[0-9a-f]{32}"), f.name());
        }
    }
}
