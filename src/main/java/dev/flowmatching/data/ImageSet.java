package dev.flowmatching.data;

import java.util.Arrays;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A labelled set of small images held as unsigned bytes on the host (C x H x W per image, row-major), with
 * the names of its classes and a sentence saying where it came from. Batches go to the device as float32
 * scaled to [-1, 1] by {@code x / 127.5 - 1} (0 maps to -1, 255 to 1 exactly), the range the flow's Gaussian
 * source lives in; labels as int32.
 *
 * <pre>{@code
 * ImageSet train = MnistData.load("mnist", Split.TRAIN, Path.of("../data"));
 * System.out.println(train.source());                     // where the pixels came from
 * NDArray x = train.images(manager, new int[] {0, 1, 2});  // (3, 1, 28, 28) in [-1, 1]
 * NDArray y = train.labels(manager, new int[] {0, 1, 2});  // (3) int32
 * }</pre>
 */
public final class ImageSet {
    private static final float[] SCALE = new float[256];

    static {
        for (int v = 0; v < 256; v++) {
            SCALE[v] = v / 127.5f - 1f; // exact at both ends: 0 -> -1, 255 -> 1
        }
    }

    private final String name;
    private final int channels;
    private final int height;
    private final int width;
    private final List<String> classNames;
    private final int[] labels;
    private final byte[] pixels;
    private final String source;

    private ImageSet(String name, int channels, int height, int width, List<String> classNames, int[] labels,
            byte[] pixels, String source) {
        this.name = name;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.classNames = classNames;
        this.labels = labels;
        this.pixels = pixels;
        this.source = source;
    }

    /**
     * A set from raw arrays: {@code pixels} holds {@code labels.length} images of C x H x W unsigned bytes
     * (0..255 stored in Java's signed bytes), image after image; each label indexes {@code classNames}.
     * The arrays are copied.
     */
    public static ImageSet of(String name, int channels, int height, int width, List<String> classNames,
            int[] labels, byte[] pixels) {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("image shape must be positive, got C x H x W = " + channels + " x "
                    + height + " x " + width);
        }
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("an image set needs at least one class name");
        }
        long expected = (long) labels.length * channels * height * width;
        if (pixels.length != expected) {
            throw new IllegalArgumentException("expected " + labels.length + " x " + channels + " x " + height + " x "
                    + width + " = " + expected + " pixels for " + labels.length + " labels, got " + pixels.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException("label " + labels[i] + " at index " + i + " is outside 0.."
                        + (classNames.size() - 1) + " (" + classNames.size() + " classes)");
            }
        }
        return new ImageSet(name, channels, height, width, List.copyOf(classNames), labels.clone(), pixels.clone(),
                "given as arrays");
    }

    /** The same images with {@code source} as the sentence saying where they came from. */
    public ImageSet withSource(String source) {
        return new ImageSet(name, channels, height, width, classNames, labels, pixels, source);
    }

    public String name() {
        return name;
    }

    /** Where the images came from: the file, package or download, and any split rule applied. */
    public String source() {
        return source;
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** The number of images. */
    public int size() {
        return labels.length;
    }

    public int numClasses() {
        return classNames.size();
    }

    public List<String> classNames() {
        return classNames;
    }

    /** The name of class {@code label}, e.g. "7" or "Sneaker". */
    public String className(int label) {
        return classNames.get(label);
    }

    /** The label of image {@code i}. */
    public int label(int i) {
        checkIndex(i);
        return labels[i];
    }

    /** A copy of all labels. */
    public int[] labels() {
        return labels.clone();
    }

    /** A copy of image {@code i}'s C x H x W pixels as unsigned bytes (read with {@code & 0xFF}). */
    public byte[] image(int i) {
        checkIndex(i);
        int n = imageSize();
        return Arrays.copyOfRange(pixels, i * n, (i + 1) * n);
    }

    /** How many images of each class, indexed by label. */
    public int[] classCounts() {
        int[] counts = new int[numClasses()];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    /**
     * Indices of the first {@code perClass} images of each class, class after class: a grid with one row per
     * class. Fails naming the class that has fewer images.
     */
    public int[] firstOfEachClass(int perClass) {
        if (perClass < 1) {
            throw new IllegalArgumentException("perClass must be >= 1, got " + perClass);
        }
        int[] out = new int[numClasses() * perClass];
        int[] found = new int[numClasses()];
        for (int i = 0; i < labels.length; i++) {
            int c = labels[i];
            if (found[c] < perClass) {
                out[c * perClass + found[c]++] = i;
            }
        }
        for (int c = 0; c < found.length; c++) {
            if (found[c] < perClass) {
                throw new IllegalArgumentException("class " + c + " (" + classNames.get(c) + ") has " + found[c]
                        + " images, fewer than " + perClass);
            }
        }
        return out;
    }

    /** Images {@code from} (inclusive) to {@code to} (exclusive), as a new set with the same classes. */
    public ImageSet subset(int from, int to) {
        if (from < 0 || to > size() || from > to) {
            throw new IndexOutOfBoundsException("subset [" + from + ", " + to + ") is not within [0, " + size() + ")");
        }
        int n = imageSize();
        return new ImageSet(name, channels, height, width, classNames, Arrays.copyOfRange(labels, from, to),
                Arrays.copyOfRange(pixels, from * n, to * n), source + "; images " + from + " to " + to);
    }

    /**
     * The images at {@code indices}, in that order, as a new set with the same classes: a random held-out split is
     * {@code select} of the first k entries of a permutation, training the rest.
     */
    public ImageSet select(int[] indices) {
        int n = imageSize();
        byte[] out = new byte[indices.length * n];
        int[] picked = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            checkIndex(indices[k]);
            System.arraycopy(pixels, indices[k] * n, out, k * n, n);
            picked[k] = labels[indices[k]];
        }
        return new ImageSet(name, channels, height, width, classNames, picked, out,
                source + "; " + indices.length + " of its " + size() + " images");
    }

    /** The images at {@code indices} as float32 (n, C, H, W) scaled to [-1, 1], in {@code manager}. */
    public NDArray images(NDManager manager, int[] indices) {
        return manager.create(floats(indices), new Shape(indices.length, channels, height, width));
    }

    /** The labels at {@code indices} as int32 (n), in {@code manager}. */
    public NDArray labels(NDManager manager, int[] indices) {
        int[] out = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            checkIndex(indices[k]);
            out[k] = labels[indices[k]];
        }
        return manager.create(out, new Shape(indices.length));
    }

    /** The host-side half of {@link #images}: the scaled pixels of {@code indices}, image after image. */
    float[] floats(int[] indices) {
        int n = imageSize();
        float[] out = new float[indices.length * n];
        for (int k = 0; k < indices.length; k++) {
            checkIndex(indices[k]);
            int from = indices[k] * n;
            int to = k * n;
            for (int p = 0; p < n; p++) {
                out[to + p] = SCALE[pixels[from + p] & 0xFF];
            }
        }
        return out;
    }

    private int imageSize() {
        return channels * height * width;
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= size()) {
            throw new IndexOutOfBoundsException("image index " + i + " is outside 0.." + (size() - 1) + " of " + name);
        }
    }

    @Override
    public String toString() {
        return name + ": " + size() + " images " + channels + "x" + height + "x" + width + ", " + numClasses()
                + " classes; " + source;
    }
}
