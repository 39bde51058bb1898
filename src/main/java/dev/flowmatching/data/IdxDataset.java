package dev.flowmatching.data;

import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * One dataset published as four gzip'd IDX files ({@code {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz}):
 * its class names, the mirrors it downloads from, and two pinned SHA-256s per file: of the .gz as published
 * (checked on download) and of the uncompressed IDX bytes (checked on every load, so a copy re-gzip'd by a
 * packager, e.g. Debian's, is still recognised as the official content).
 *
 * <p>Where the pins come from (the publishers give MD5s only; see data/README.md): MNIST's SHA-256s, of the .gz
 * and of the uncompressed files, are the ones several independent projects list alike. Fashion-MNIST's were
 * computed here from Debian's {@code dataset-fashion-mnist}, whose .gz files differ from the official ones
 * only in the gzip header (no file name, another time stamp): with the original header restored they match
 * the MD5s the Fashion-MNIST README publishes byte for byte, and the SHA-256s equal those other projects list.
 *
 * <pre>{@code
 * IdxDataset d = IdxDataset.named("fashion-mnist");
 * List<URI> urls = d.urls(d.images(Split.TRAIN));
 * }</pre>
 *
 * @param name the name the loader accepts, also the folder under data/
 * @param classNames the name of each label
 * @param mirrors base URLs ending in '/', tried in order
 * @param files the four files: train images, train labels, test images, test labels
 */
public record IdxDataset(String name, List<String> classNames, List<URI> mirrors, List<IdxDataset.RemoteFile> files) {
    /**
     * One file of the dataset.
     *
     * @param name the file name, e.g. "train-images-idx3-ubyte.gz"
     * @param sha256 SHA-256 of the .gz as published
     * @param contentSha256 SHA-256 of the uncompressed IDX bytes; null when not pinned
     */
    public record RemoteFile(String name, String sha256, String contentSha256) {
        public RemoteFile {
            Sha256.require(sha256, "the SHA-256 of " + name);
            if (contentSha256 != null) {
                Sha256.require(contentSha256, "the content SHA-256 of " + name);
            }
        }

        /** The name of the uncompressed file: the name without ".gz". */
        public String plainName() {
            return name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
        }
    }

    public static final IdxDataset MNIST = new IdxDataset("mnist",
            List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
            List.of(URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"),
                    URI.create("https://yann.lecun.com/exdb/mnist/")),
            List.of(new RemoteFile("train-images-idx3-ubyte.gz",
                            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
                    new RemoteFile("train-labels-idx1-ubyte.gz",
                            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
                    new RemoteFile("t10k-images-idx3-ubyte.gz",
                            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
                    new RemoteFile("t10k-labels-idx1-ubyte.gz",
                            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2")));

    public static final IdxDataset FASHION_MNIST = new IdxDataset("fashion-mnist",
            List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                    "Ankle boot"),
            List.of(URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
                    URI.create("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/")),
            List.of(new RemoteFile("train-images-idx3-ubyte.gz",
                            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
                    new RemoteFile("train-labels-idx1-ubyte.gz",
                            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
                    new RemoteFile("t10k-images-idx3-ubyte.gz",
                            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
                    new RemoteFile("t10k-labels-idx1-ubyte.gz",
                            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34")));

    /** The names {@link #named} accepts. */
    public static final List<String> NAMES = List.of(MNIST.name(), FASHION_MNIST.name());

    public IdxDataset {
        classNames = List.copyOf(classNames);
        mirrors = List.copyOf(mirrors);
        files = List.copyOf(files);
        for (URI mirror : mirrors) {
            if (!mirror.toString().endsWith("/")) {
                throw new IllegalArgumentException("a mirror is a base URL ending in '/', got " + mirror);
            }
        }
        for (Split split : Split.values()) {
            for (String kind : new String[] {"images-idx3", "labels-idx1"}) {
                String expected = split.filePrefix() + "-" + kind + "-ubyte.gz";
                if (files.stream().noneMatch(f -> f.name().equals(expected))) {
                    throw new IllegalArgumentException("dataset " + name + " lacks the file " + expected);
                }
            }
        }
    }

    /** The dataset called {@code name} (case and surrounding blanks ignored). */
    public static IdxDataset named(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (key) {
            case "mnist" -> MNIST;
            case "fashion-mnist", "fashion_mnist", "fashionmnist" -> FASHION_MNIST;
            default -> throw new IllegalArgumentException("unknown dataset '" + name + "'; known datasets: "
                    + String.join(", ", NAMES));
        };
    }

    /** The images file of {@code split}. */
    public RemoteFile images(Split split) {
        return file(split.filePrefix() + "-images-idx3-ubyte.gz");
    }

    /** The labels file of {@code split}. */
    public RemoteFile labels(Split split) {
        return file(split.filePrefix() + "-labels-idx1-ubyte.gz");
    }

    /** The file's URL on each mirror, in order. */
    public List<URI> urls(RemoteFile file) {
        return mirrors.stream().map(m -> m.resolve(file.name())).toList();
    }

    /** The same dataset downloaded from other mirrors (a local copy, a company proxy, a test server). */
    public IdxDataset withMirrors(List<URI> newMirrors) {
        return new IdxDataset(name, classNames, newMirrors, files);
    }

    private RemoteFile file(String fileName) {
        return files.stream().filter(f -> f.name().equals(fileName)).findFirst().orElseThrow();
    }
}
