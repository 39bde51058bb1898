package dev.flowmatching.data;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Oxford Flowers 102 (Nilsback and Zisserman, 2008: 8,189 photos of 102 kinds of flower, 40 to 258 each)
 * as an {@link ImageSet} of 3 x R x R pictures (R = 32, 64 or 128; any R works), loaded from the first
 * place that has it:
 * <ol>
 *   <li>the prepared cache {@code <dataDir>/flowers102/cache-<R>.bin} (seconds; see {@link FlowersCache});</li>
 *   <li>the official archive {@code 102flowers.tgz} in {@code <dataDir>/flowers102/}, put there by an earlier
 *       download or by hand: its SHA-256 is checked, then it is prepared into the cache
 *       ({@link FlowersPreparer}: decode, centre crop, area resize; unreadable files skipped and named);</li>
 *   <li>a download of the archive and the two label files into that folder, when downloading is allowed (it
 *       is by default), with progress, resume and an atomic rename ({@link Download}); then as in 2.</li>
 * </ol>
 * Labels: each picture carries its class (0..101, named in {@link #CLASS_NAMES}), so the notebook can train
 * unconditionally (ignore them) or class-conditionally. {@link #load(Path, int, FlowersSplit)} gives one
 * of the official splits; {@link #load(Path, int)} all 8,189 pictures, what a generative model trains on.
 *
 * <p>Pins: the publisher gives no checksums. The SHA-256s and sizes below are the ones TensorFlow Datasets
 * records for these URLs (its url_checksums/oxford_flowers102.txt); other projects list the same SHA-256
 * for the archive, and torchvision's MD5s (recorded in {@link RemoteFile#md5()}) name the same files. Only
 * the SHA-256 is verified.
 *
 * <pre>{@code
 * ImageSet flowers = Flowers102.load(Path.of("../data"), 64);   // first run: download + prepare; then seconds
 * System.out.println(flowers.source());
 * ImageSet train = Flowers102.load(Path.of("../data"), 64, FlowersSplit.TRAIN);
 * ImageSet offline = new Flowers102(dataDir).withDownload(false).load(32);
 * }</pre>
 */
public final class Flowers102 {
    /** Where the official files are published. */
    public static final URI OFFICIAL = URI.create("https://www.robots.ox.ac.uk/~vgg/data/flowers/102/");

    /**
     * One published file.
     *
     * @param name the file name, also its name in the data folder
     * @param size its size in bytes
     * @param sha256 its SHA-256 (verified)
     * @param md5 its MD5 as torchvision lists it (recorded, not verified)
     */
    public record RemoteFile(String name, long size, String sha256, String md5) {
        public RemoteFile {
            Sha256.require(sha256, "the SHA-256 of " + name);
        }
    }

    public static final RemoteFile ARCHIVE = new RemoteFile("102flowers.tgz", 344_862_509L,
            "2d01ecc807db462958cfe3d92f57a8c252b4abd240eb955770201e45f783b246", "52808999861908f626f3c1f4e79d11fa");
    public static final RemoteFile LABELS = new RemoteFile("imagelabels.mat", 502L,
            "4903e94206bac23bf772aadf06451916df56b58fc483a62db32a97b82656651d", "e0620be6f572b9609742df49c70aed4d");
    public static final RemoteFile SETID = new RemoteFile("setid.mat", 14_989L,
            "46b8678f91fd95d3c8f4feab80d271a6c834a1dd896fe29fd3e6ad9ce5c8dccd", "a5357ecc9cb78c4bef273ce3793fc85c");

    /**
     * The flower names of labels 0..101 (the archive's 1..102). The publisher's files hold numbers only; these
     * names are the community list that TensorFlow Datasets and torchvision's ports use, kept as written there
     * (including the doubtful "pink-yellow dahlia?").
     */
    public static final List<String> CLASS_NAMES = List.of("pink primrose", "hard-leaved pocket orchid",
            "canterbury bells", "sweet pea", "english marigold", "tiger lily", "moon orchid", "bird of paradise",
            "monkshood", "globe thistle", "snapdragon", "colt's foot", "king protea", "spear thistle", "yellow iris",
            "globe-flower", "purple coneflower", "peruvian lily", "balloon flower", "giant white arum lily",
            "fire lily", "pincushion flower", "fritillary", "red ginger", "grape hyacinth", "corn poppy",
            "prince of wales feathers", "stemless gentian", "artichoke", "sweet william", "carnation",
            "garden phlox", "love in the mist", "mexican aster", "alpine sea holly", "ruby-lipped cattleya",
            "cape flower", "great masterwort", "siam tulip", "lenten rose", "barbeton daisy", "daffodil",
            "sword lily", "poinsettia", "bolero deep blue", "wallflower", "marigold", "buttercup", "oxeye daisy",
            "common dandelion", "petunia", "wild pansy", "primula", "sunflower", "pelargonium",
            "bishop of llandaff", "gaura", "geranium", "orange dahlia", "pink-yellow dahlia?", "cautleya spicata",
            "japanese anemone", "black-eyed susan", "silverbush", "californian poppy", "osteospermum",
            "spring crocus", "bearded iris", "windflower", "tree poppy", "gazania", "azalea", "water lily", "rose",
            "thorn apple", "morning glory", "passion flower", "lotus", "toad lily", "anthurium", "frangipani",
            "clematis", "hibiscus", "columbine", "desert-rose", "tree mallow", "magnolia", "cyclamen",
            "watercress", "canna lily", "hippeastrum", "bee balm", "ball moss", "foxglove", "bougainvillea",
            "camellia", "mallow", "mexican petunia", "bromelia", "blanket flower", "trumpet creeper",
            "blackberry lily");

    private static final String NAME = "flowers102";

    private final Path dataDir;
    private final List<URI> mirrors;
    private final List<RemoteFile> files;
    private final boolean download;
    private final ImageDecoder decoder;
    private final int threads;
    private final PrintStream log;

    /** The default places under {@code dataDir} (the project's data/ folder); downloading allowed. */
    public Flowers102(Path dataDir) {
        this(dataDir, List.of(OFFICIAL), List.of(ARCHIVE, LABELS, SETID), true, ImageDecoder.imageIoFirst(),
                Runtime.getRuntime().availableProcessors(), System.out);
    }

    private Flowers102(Path dataDir, List<URI> mirrors, List<RemoteFile> files, boolean download,
            ImageDecoder decoder, int threads, PrintStream log) {
        this.dataDir = dataDir;
        this.mirrors = List.copyOf(mirrors);
        this.files = List.copyOf(files);
        this.download = download;
        this.decoder = decoder;
        this.threads = threads;
        this.log = log;
    }

    /** All 8,189 pictures at {@code resolution} px, from the default places under {@code dataDir}. */
    public static ImageSet load(Path dataDir, int resolution) {
        return new Flowers102(dataDir).load(resolution);
    }

    /** One official split at {@code resolution} px, from the default places under {@code dataDir}. */
    public static ImageSet load(Path dataDir, int resolution, FlowersSplit split) {
        return new Flowers102(dataDir).load(resolution, split);
    }

    /** Whether the files may be downloaded when no cache or archive is found (default true). */
    public Flowers102 withDownload(boolean allowed) {
        return new Flowers102(dataDir, mirrors, files, allowed, decoder, threads, log);
    }

    /** Base URLs ending in '/', tried in order (default: the official site; a local mirror, tests). */
    public Flowers102 withMirrors(List<URI> baseUrls) {
        return new Flowers102(dataDir, baseUrls, files, download, decoder, threads, log);
    }

    /** Replaces the pins of the archive, labels and setid files (in that order): other copies, tests. */
    public Flowers102 withFiles(RemoteFile archive, RemoteFile labels, RemoteFile setid) {
        return new Flowers102(dataDir, mirrors, List.of(archive, labels, setid), download, decoder, threads, log);
    }

    public Flowers102 withDecoder(ImageDecoder d) {
        return new Flowers102(dataDir, mirrors, files, download, d, threads, log);
    }

    /** Threads that decode while preparing (default: the number of cores). */
    public Flowers102 withThreads(int n) {
        return new Flowers102(dataDir, mirrors, files, download, decoder, n, log);
    }

    /** Where download and preparation progress goes (default System.out). */
    public Flowers102 withLog(PrintStream out) {
        return new Flowers102(dataDir, mirrors, files, download, decoder, threads, out);
    }

    /** The folder that holds the archive, the label files and the caches: {@code <dataDir>/flowers102}. */
    public Path folder() {
        return dataDir.resolve(NAME);
    }

    /**
     * Whether {@link #load(int)} can work without the network: the cache for {@code resolution} or the archive is
     * in {@link #folder()} (a notebook falls back to {@link SyntheticFlowers} when neither is).
     */
    public boolean availableOffline(int resolution) {
        return Files.exists(FlowersCache.file(folder(), resolution)) || Files.exists(folder().resolve(files.get(0).name()));
    }

    /** All pictures at {@code resolution} px from the first place that has them (see the class comment). */
    public ImageSet load(int resolution) {
        return cache(resolution).toImageSet(NAME + " " + resolution + "px");
    }

    /** The pictures of {@code split} at {@code resolution} px. */
    public ImageSet load(int resolution, FlowersSplit split) {
        return cache(resolution).toImageSet(NAME + " " + split + " " + resolution + "px", split);
    }

    /**
     * The cache for {@code resolution}, prepared first when absent. Throws UncheckedIOException for a refused
     * cache, a wrong archive, a failed download, or when nothing is found and downloading is off.
     */
    public FlowersCache.Contents cache(int resolution) {
        Path cache = FlowersCache.file(folder(), resolution);
        try {
            if (!Files.exists(cache)) {
                prepare(resolution);
            }
            return FlowersCache.read(cache, resolution);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** Prepares (or re-prepares) the cache for {@code resolution} from the archive, downloading it if allowed. */
    public PrepareReport prepare(int resolution) throws IOException {
        Path archive = folder().resolve(files.get(0).name());
        if (!Files.exists(archive) && !download) {
            throw new NoSuchFileException(archive.toString(), null, "no Flowers cache " + FlowersCache.file(folder(),
                    resolution).getFileName() + " and no archive in " + folder() + ", and downloading is off. Put "
                    + files.get(0).name() + " there (from " + OFFICIAL + ") or allow downloading.");
        }
        List<Path> got = fetchAll();
        log.println("preparing " + NAME + " at " + resolution + " px from " + archive);
        return new FlowersPreparer(resolution).withDecoder(decoder).withThreads(threads).withLog(log)
                .withLabels(got.get(1)).withSplits(got.get(2))
                .fromArchive(got.get(0), FlowersCache.file(folder(), resolution));
    }

    /**
     * The archive, labels and setid files in {@link #folder()}: files already there are verified against their
     * SHA-256, missing ones downloaded when allowed (else null for a label file; the archive must be there).
     */
    public List<Path> fetchAll() throws IOException {
        List<Path> out = new ArrayList<>();
        for (RemoteFile f : files) {
            Path target = folder().resolve(f.name());
            if (!Files.exists(target) && !download) {
                log.println("no " + f.name() + " in " + folder() + " and downloading is off: preparing without it");
                out.add(null);
                continue;
            }
            if (!Files.exists(target)) {
                log.println(String.format(java.util.Locale.ROOT, "downloading %s (%.1f MB) into %s", f.name(),
                        f.size() / 1e6, folder()));
            }
            List<URI> urls = mirrors.stream().map(m -> m.resolve(f.name())).toList();
            out.add(new Download().fetch(urls, target, f.sha256(), Download.Progress.printing(log)));
        }
        return out;
    }
}
