package dev.flowmatching.data;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Turns a folder or a tar(.gz) archive of pictures into a {@link FlowersCache}: each picture is decoded
 * ({@link ImageDecoder}), centre-cropped and area-resized ({@link SquareResize}) straight from the archive's
 * stream, with no file written per picture. Pictures no decoder reads are skipped, counted and named in the
 * {@link PrepareReport}, never an error halfway through. Decoding runs on several threads in chunks, and
 * results are kept in input order, so the cache is the same whatever the thread count.
 *
 * <p>Images are stored sorted by file name. Names like {@code image_00042.jpg} (the official archive's) give
 * the id 42, which picks the label from {@code imagelabels.mat} (1..102, stored as 0..101) and the split from
 * {@code setid.mat}; other names get ids 1, 2, ... in name order, one class "flower", no split.
 *
 * <pre>{@code
 * PrepareReport r = new FlowersPreparer(64)
 *         .withLabels(dir.resolve("imagelabels.mat")).withSplits(dir.resolve("setid.mat"))
 *         .fromArchive(dir.resolve("102flowers.tgz"), FlowersCache.file(dir, 64));
 * ImageSet flowers = FlowersCache.read(FlowersCache.file(dir, 64), 64).toImageSet("flowers102");
 * }</pre>
 */
public final class FlowersPreparer {
    private static final Pattern OFFICIAL_NAME = Pattern.compile("(?:.*/)?image_(\\d{5})\\.jpg");
    private static final int PROGRESS_EVERY = 1000;

    private final int resolution;
    private final Path labelsFile;
    private final Path splitsFile;
    private final ImageDecoder decoder;
    private final int threads;
    private final PrintStream log;

    /** Prepares {@code resolution x resolution} images, with ImageIO first, on all cores, printing progress. */
    public FlowersPreparer(int resolution) {
        this(resolution, null, null, ImageDecoder.imageIoFirst(), Runtime.getRuntime().availableProcessors(), System.out);
    }

    private FlowersPreparer(int resolution, Path labelsFile, Path splitsFile, ImageDecoder decoder, int threads,
            PrintStream log) {
        if (resolution < 1) {
            throw new IllegalArgumentException("the resolution must be positive, got " + resolution);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.resolution = resolution;
        this.labelsFile = labelsFile;
        this.splitsFile = splitsFile;
        this.decoder = decoder;
        this.threads = threads;
        this.log = log;
    }

    /** Labels from {@code imagelabels.mat} (variable "labels", 1..102 by image id); null for none. */
    public FlowersPreparer withLabels(Path imagelabelsMat) {
        return new FlowersPreparer(resolution, imagelabelsMat, splitsFile, decoder, threads, log);
    }

    /** Splits from {@code setid.mat} (variables trnid, valid, tstid); null for none. */
    public FlowersPreparer withSplits(Path setidMat) {
        return new FlowersPreparer(resolution, labelsFile, setidMat, decoder, threads, log);
    }

    public FlowersPreparer withDecoder(ImageDecoder d) {
        return new FlowersPreparer(resolution, labelsFile, splitsFile, d, threads, log);
    }

    /** How many pictures are decoded at once (default: the number of cores). */
    public FlowersPreparer withThreads(int n) {
        return new FlowersPreparer(resolution, labelsFile, splitsFile, decoder, n, log);
    }

    /** Where progress lines go (default System.out). */
    public FlowersPreparer withLog(PrintStream out) {
        return new FlowersPreparer(resolution, labelsFile, splitsFile, decoder, threads, out);
    }

    /** Prepares every regular file of the tar or tar.gz {@code archive} into the cache {@code cacheFile}. */
    public PrepareReport fromArchive(Path archive, Path cacheFile) throws IOException {
        try (TarReader tar = TarReader.open(archive)) {
            return prepare(() -> {
                TarReader.Entry e = tar.next();
                return e == null ? null : new Named(e.name(), e.content());
            }, "archive " + archive.getFileName(), cacheFile);
        }
    }

    /** Prepares the JPEG files ({@code .jpg}, {@code .jpeg}, any case) of {@code folder}, not its sub-folders. */
    public PrepareReport fromFolder(Path folder, Path cacheFile) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().toLowerCase(Locale.ROOT)
                    .matches(".*\\.jpe?g")).sorted().toList();
        }
        int[] next = {0};
        return prepare(() -> {
            if (next[0] == files.size()) {
                return null;
            }
            Path p = files.get(next[0]++);
            return new Named(p.getFileName().toString(), Files.readAllBytes(p));
        }, "folder " + folder, cacheFile);
    }

    /** One picture's name and file bytes. */
    private record Named(String name, byte[] bytes) {
    }

    /** Where the pictures come from, one after the other; null at the end. */
    @FunctionalInterface
    private interface Source {
        Named next() throws IOException;
    }

    /** One prepared picture: its name and 3 x R x R bytes, or the reason it was skipped. */
    private record Result(String name, byte[] chw, String decoder, String failure) {
    }

    private PrepareReport prepare(Source source, String what, Path cacheFile) throws IOException {
        long t0 = System.nanoTime();
        List<Result> results = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "flowers-prepare");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Callable<Result>> chunk = new ArrayList<>();
            for (Named n; (n = source.next()) != null;) {
                Named picture = n;
                chunk.add(() -> prepareOne(picture));
                if (chunk.size() == 8 * threads) {
                    runChunk(pool, chunk, results, t0);
                }
            }
            runChunk(pool, chunk, results, t0);
        } finally {
            pool.shutdownNow();
        }
        results.sort(Comparator.comparing(Result::name));
        PrepareReport report = report(results, (System.nanoTime() - t0) / 1e9);
        FlowersCache.write(assemble(results, what, report), cacheFile);
        log.println("prepared " + cacheFile.getFileName() + ": " + report);
        return report;
    }

    private Result prepareOne(Named n) {
        try {
            ImageDecoder.Decoded d = decoder.decodeNamed(n.bytes(), n.name());
            return new Result(n.name(), SquareResize.centreCropArea(d.image(), resolution), d.decoder(), null);
        } catch (UnreadableImageException e) {
            return new Result(n.name(), null, null, e.getMessage());
        }
    }

    private void runChunk(ExecutorService pool, List<Callable<Result>> chunk, List<Result> results, long t0)
            throws IOException {
        if (chunk.isEmpty()) {
            return;
        }
        try {
            for (Future<Result> f : pool.invokeAll(chunk)) {
                results.add(f.get());
                if (results.size() % PROGRESS_EVERY == 0) {
                    log.println(String.format(Locale.ROOT, "  %d images (%.0f/s)", results.size(),
                            results.size() / ((System.nanoTime() - t0) / 1e9)));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while preparing images", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
        chunk.clear();
    }

    private static PrepareReport report(List<Result> results, double seconds) {
        int read = 0;
        List<String> named = new ArrayList<>();
        Map<String, Integer> decoders = new TreeMap<>();
        for (Result r : results) {
            if (r.chw() != null) {
                read++;
                decoders.merge(r.decoder(), 1, Integer::sum);
            } else if (named.size() < PrepareReport.MAX_NAMED) {
                named.add(r.failure());
            }
        }
        return new PrepareReport(read, results.size() - read, named, decoders, seconds);
    }

    private FlowersCache.Contents assemble(List<Result> results, String what, PrepareReport report) throws IOException {
        List<Result> good = new ArrayList<>(results.stream().filter(r -> r.chw() != null).toList());
        results.clear(); // from here on only `good` holds the pictures, and drops each once copied
        int n = good.size();
        int[] ids = ids(good);
        int size = 3 * resolution * resolution;
        if ((long) n * size > Integer.MAX_VALUE - 8) {
            throw new IOException(n + " images at " + resolution + " px need " + (long) n * size + " bytes, more than"
                    + " one Java array holds (2 GiB): choose a lower resolution");
        }
        byte[] pixels = new byte[n * size];
        for (int i = 0; i < n; i++) {
            System.arraycopy(good.get(i).chw(), 0, pixels, i * size, size);
            good.set(i, null);
        }
        int[] labels = new int[n];
        List<String> classNames = List.of("flower");
        String labelNote = "one class (no imagelabels.mat)";
        if (labelsFile != null) {
            labels = labels(ids);
            classNames = Flowers102.CLASS_NAMES;
            labelNote = "labels from " + labelsFile.getFileName();
        }
        byte[] splits = splits(ids);
        String source = what + " prepared at " + resolution + " px (centre crop, area resize): " + n + " images, "
                + report.skipped() + " skipped as unreadable; " + labelNote
                + (splitsFile != null ? ", splits from " + splitsFile.getFileName() : "");
        return new FlowersCache.Contents(resolution, source, classNames, ids, labels, splits, pixels);
    }

    /** Ids from official names when every name is one and no id repeats; else 1, 2, ... in name order. */
    private static int[] ids(List<Result> good) {
        int[] ids = new int[good.size()];
        Map<Integer, String> seen = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            Matcher m = OFFICIAL_NAME.matcher(good.get(i).name());
            if (!m.matches() || seen.put(Integer.parseInt(m.group(1)), good.get(i).name()) != null) {
                for (int k = 0; k < ids.length; k++) {
                    ids[k] = k + 1;
                }
                return ids;
            }
            ids[i] = Integer.parseInt(m.group(1));
        }
        return ids;
    }

    private int[] labels(int[] ids) throws IOException {
        int[] all = MatFile.variable(labelsFile, "labels").intValues();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 1 || ids[i] > all.length) {
                throw new IOException(labelsFile + " has " + all.length + " labels, none for image id " + ids[i]);
            }
            int label = all[ids[i] - 1];
            if (label < 1 || label > Flowers102.CLASS_NAMES.size()) {
                throw new IOException(labelsFile + ": the label of image " + ids[i] + " is " + label + ", outside 1.."
                        + Flowers102.CLASS_NAMES.size());
            }
            out[i] = label - 1;
        }
        return out;
    }

    private byte[] splits(int[] ids) throws IOException {
        byte[] out = new byte[ids.length];
        java.util.Arrays.fill(out, FlowersSplit.UNKNOWN);
        if (splitsFile == null) {
            return out;
        }
        Map<String, MatFile.Matrix> vars = MatFile.read(splitsFile);
        Map<Integer, Integer> position = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            position.put(ids[i], i);
        }
        for (FlowersSplit split : FlowersSplit.values()) {
            MatFile.Matrix m = vars.get(split.variable());
            if (m == null) {
                throw new IOException(splitsFile + " has no variable '" + split.variable() + "'; it holds " + vars.keySet());
            }
            for (int id : m.intValues()) {
                Integer i = position.get(id);
                if (i != null) {
                    out[i] = split.code();
                }
            }
        }
        return out;
    }
}
