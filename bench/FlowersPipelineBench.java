import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import dev.flowmatching.data.Augment;
import dev.flowmatching.data.FlowersCache;
import dev.flowmatching.data.FlowersPreparer;
import dev.flowmatching.data.ImageDecoder;
import dev.flowmatching.data.ImageBatches;
import dev.flowmatching.data.ImageSet;
import dev.flowmatching.data.PrefetchingBatches;
import dev.flowmatching.data.PrepareReport;
import dev.flowmatching.data.SquareResize;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;

/**
 * Images per second of the Flowers data pipeline: decoding (ImageIO, Commons Imaging), decode + centre crop +
 * area resize, the whole preparation of a tar.gz into the cache on all cores, reading the cache, and
 * batching from it (uint8 -> float32 [-1, 1] NDArray, plus the random flip), and the training thread's wait
 * for a batch with and without {@link PrefetchingBatches}. Not a test: it prints figures.
 *
 *   bench/run.sh flowers-pipeline [JPEG_FOLDER] [RESOLUTION]
 *
 * Without a folder it writes 256 photo-sized JPEGs (500 x 667, smooth shapes with fine noise, quality 0.9,
 * about the size of the Oxford photos) into a temporary folder.
 */
public final class FlowersPipelineBench {
    public static void main(String[] args) throws Exception {
        int resolution = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        List<byte[]> jpegs = args.length > 0 ? read(Path.of(args[0])) : synthetic(256, 500, 667);
        double kb = jpegs.stream().mapToInt(b -> b.length).average().orElse(0) / 1024;
        System.out.printf(Locale.ROOT, "%d JPEGs, %.1f KB on average; resolution %d; %d cores; Java %s%n",
                jpegs.size(), kb, resolution, Runtime.getRuntime().availableProcessors(), Runtime.version());

        ImageDecoder imageIo = ImageDecoder.imageIoFirst();
        ImageDecoder commons = ImageDecoder.commonsImagingFirst();
        decode(jpegs, imageIo, 0); // warm-up (JIT)
        decode(jpegs, commons, 0);
        report("decode, ImageIO, 1 thread", jpegs.size(), decode(jpegs, imageIo, 0));
        report("decode, Commons Imaging, 1 thread", jpegs.size(), decode(jpegs, commons, 0));
        report("decode + crop + resize, ImageIO, 1 thread", jpegs.size(), decode(jpegs, imageIo, resolution));
        report("decode + crop + resize, Commons Imaging, 1 thread", jpegs.size(), decode(jpegs, commons, resolution));

        Path dir = Files.createTempDirectory("flowers-bench");
        Path tgz = dir.resolve("bench.tgz");
        Files.write(tgz, tgz(jpegs));
        Path cache = FlowersCache.file(dir, resolution);
        PrepareReport r = new FlowersPreparer(resolution).withLog(new java.io.PrintStream(
                java.io.OutputStream.nullOutputStream())).fromArchive(tgz, cache);
        report("prepare tar.gz -> cache, all cores (" + r.decoders() + ")", r.read(), r.seconds());

        long t0 = System.nanoTime();
        ImageSet set = FlowersCache.read(cache, resolution).toImageSet("bench");
        report("read cache -> ImageSet", set.size(), (System.nanoTime() - t0) / 1e9);

        int batch = 128;
        int batches = 200;
        Rng rng = new Rng(0);
        try (NDManager manager = Torch.engine().newBaseManager()) {
            for (int pass = 0; pass < 2; pass++) { // the first pass warms up
                long t = System.nanoTime();
                for (int b = 0; b < batches; b++) {
                    try (NDManager step = manager.newSubManager()) {
                        int[] idx = rng.java().ints(batch, 0, set.size()).toArray();
                        NDArray x = Augment.flipHorizontal(set.images(step, idx), rng);
                        x.toFloatArray(); // make sure the work is done
                    }
                }
                if (pass == 1) {
                    report("batch " + batch + " from the cache + flip (" + Torch.device() + ")", batch * batches,
                            (System.nanoTime() - t) / 1e9);
                }
            }
        }
        prefetch(set, batch, 50);
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    /**
     * What the training thread waits for a batch when a step of {@code stepMs} (a stand-in for a GPU step) runs
     * between batches: building and flipping the batch itself, or taking it from {@link PrefetchingBatches}.
     */
    private static void prefetch(ImageSet set, int batch, int stepMs) throws InterruptedException {
        int batches = 60;
        double[] own = new double[batches];
        double[] prefetched = new double[batches];
        Rng rng = new Rng(1);
        try (NDManager manager = Torch.engine().newBaseManager();
             PrefetchingBatches pre = new PrefetchingBatches(new ImageBatches(set), batch, rng.seed()).flips(true)) {
            ImageBatches plain = new ImageBatches(set);
            for (int b = 0; b < batches; b++) {
                Thread.sleep(stepMs);
                long t = System.nanoTime();
                try (NDManager step = manager.newSubManager()) {
                    Augment.flipHorizontal(plain.sample(step, batch, rng).get(0), rng);
                }
                own[b] = (System.nanoTime() - t) / 1e6;
                Thread.sleep(stepMs);
                t = System.nanoTime();
                try (NDManager step = manager.newSubManager()) {
                    pre.sample(step, batch, rng);
                }
                prefetched[b] = (System.nanoTime() - t) / 1e6;
            }
        }
        java.util.Arrays.sort(own);
        java.util.Arrays.sort(prefetched);
        System.out.printf(Locale.ROOT, "training thread's wait for a batch of %d with a %d ms step between batches:"
                + " built on the thread %.1f ms, prefetched %.1f ms (medians; p90 %.1f / %.1f ms)%n", batch, stepMs,
                own[batches / 2], prefetched[batches / 2], own[batches * 9 / 10], prefetched[batches * 9 / 10]);
    }

    private static void report(String what, int images, double seconds) {
        System.out.printf(Locale.ROOT, "%-62s %8.0f images/s  (%d in %.2f s)%n", what, images / seconds, images, seconds);
    }

    /** Seconds to decode all (and resize to {@code resolution} when > 0) on this thread. */
    private static double decode(List<byte[]> jpegs, ImageDecoder decoder, int resolution) throws IOException {
        long t = System.nanoTime();
        for (int i = 0; i < jpegs.size(); i++) {
            var img = decoder.decode(jpegs.get(i), "image " + i);
            if (resolution > 0) {
                SquareResize.centreCropArea(img, resolution);
            }
        }
        return (System.nanoTime() - t) / 1e9;
    }

    private static List<byte[]> read(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            List<byte[]> out = new ArrayList<>();
            for (Path p : s.filter(p -> p.toString().toLowerCase(Locale.ROOT).matches(".*\\.jpe?g")).sorted().toList()) {
                out.add(Files.readAllBytes(p));
            }
            return out;
        }
    }

    /** Photo-like pictures: a few soft colour blobs over a gradient, with fine noise for texture. */
    private static List<byte[]> synthetic(int n, int width, int height) throws IOException {
        Rng rng = new Rng(42);
        List<byte[]> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            SplittableRandom r = rng.java();
            double[][] blobs = new double[6][];
            for (int b = 0; b < blobs.length; b++) {
                blobs[b] = new double[] {r.nextDouble() * width, r.nextDouble() * height, 40 + r.nextDouble() * 120,
                    r.nextInt(256), r.nextInt(256), r.nextInt(256)};
            }
            BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    double[] c = {60 + 80.0 * y / height, 90 + 60.0 * x / width, 50};
                    for (double[] b : blobs) {
                        double d2 = ((x - b[0]) * (x - b[0]) + (y - b[1]) * (y - b[1])) / (b[2] * b[2]);
                        double w = Math.exp(-d2);
                        for (int ch = 0; ch < 3; ch++) {
                            c[ch] = (1 - w) * c[ch] + w * b[3 + ch];
                        }
                    }
                    int noise = r.nextInt(9) - 4;
                    int rgb = 0;
                    for (int ch = 0; ch < 3; ch++) {
                        rgb = rgb << 8 | Math.max(0, Math.min(255, (int) c[ch] + noise));
                    }
                    img.setRGB(x, y, rgb);
                }
            }
            out.add(jpeg(img));
        }
        return out;
    }

    private static byte[] jpeg(BufferedImage img) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam p = writer.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(0.9f);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(img, null, null), p);
        }
        writer.dispose();
        return bytes.toByteArray();
    }

    /** A gzip'd tar of the JPEGs as jpg/image_NNNNN.jpg (ustar headers written here). */
    private static byte[] tgz(List<byte[]> jpegs) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(raw)) {
            for (int i = 0; i < jpegs.size(); i++) {
                byte[] h = new byte[512];
                put(h, 0, String.format(Locale.ROOT, "jpg/image_%05d.jpg", i + 1));
                put(h, 100, "0000644");
                put(h, 124, String.format(Locale.ROOT, "%011o", jpegs.get(i).length));
                put(h, 136, "00000000000");
                h[156] = '0';
                put(h, 257, "ustar");
                put(h, 263, "00");
                for (int j = 148; j < 156; j++) {
                    h[j] = ' ';
                }
                int sum = 0;
                for (byte b : h) {
                    sum += b & 0xFF;
                }
                put(h, 148, String.format(Locale.ROOT, "%06o", sum));
                h[154] = 0;
                z.write(h);
                z.write(jpegs.get(i));
                z.write(new byte[(512 - jpegs.get(i).length % 512) % 512]);
            }
            z.write(new byte[1024]);
        }
        return raw.toByteArray();
    }

    private static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, at, b.length);
    }
}
