import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

import dev.flowmatching.model.UNet;
import dev.flowmatching.model.UNetConfig;
import dev.flowmatching.model.VelocityModel;
import dev.flowmatching.path.AffinePath;
import dev.flowmatching.path.LinearScheduler;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;
import dev.flowmatching.solver.Euler;
import dev.flowmatching.train.FlowMatchingTrainer;
import dev.flowmatching.train.PairSource;

/**
 * The UNet workloads of the MNIST and Flowers notebooks in Java, for bench/compare.py to set beside
 * bench/unet.py (PyTorch): one flow-matching training step and Euler sampling (10 steps) of one batch, at batch
 * 64 on 28 x 28 images (MNIST UNets, named by size) or at batch 32 on 3 x 64 x 64 images (Flowers UNets at 64,
 * named flowers-SIZE).
 *
 * Compiled with BenchServer by bench/compare.py, then run as:
 * <pre>
 *   java -cp ... UNetBench serve [model]     timings, in turns with bench/unet.py (model: tiny, small, base,
 *                                            flowers-tiny, flowers-small, ...)
 *   java -Xms512m -Xmx512m -XX:+AlwaysPreTouch -cp ... UNetBench memory [steps]
 *                                            RSS over training the tiny UNet
 *   java -cp ... UNetBench export FILE [model]   weights, input and v for unet.py
 * </pre>
 */
public final class UNetBench {
    /** A benchmarked UNet: its configuration, one image's shape and the batch size. */
    record Workload(String name, UNetConfig config, long[] image, int batch) {
        static Workload of(String model) {
            if (model.startsWith("flowers-")) {
                return new Workload(model, UNetConfig.flowers(model.substring(8), 64, 0), new long[] {3, 64, 64}, 32);
            }
            return new Workload(model, UNetConfig.mnist(model, 0), new long[] {1, 28, 28}, 64);
        }

        /** (n, C, H, W). */
        Shape shape(long n) {
            return new Shape(n, image[0], image[1], image[2]);
        }

        VelocityModel model(Rng rng) {
            return new VelocityModel(new UNet(config), image, rng);
        }
    }

    public static void main(String[] args) throws IOException {
        String mode = args.length > 0 ? args[0] : "serve";
        switch (mode) {
            case "serve" -> serve(Workload.of(args.length > 1 ? args[1] : "small"));
            case "memory" -> memory(arg(args, 1, 2000));
            case "export" -> export(Path.of(args[1]), Workload.of(args.length > 2 ? args[2] : "small"));
            default -> throw new IllegalArgumentException("mode must be serve, memory or export, got " + mode);
        }
    }

    static void serve(Workload w) throws IOException {
        Rng rng = new Rng(0);
        try (VelocityModel model = w.model(rng); NDManager manager = NDManager.newBaseManager(Torch.device())) {
            FlowMatchingTrainer trainer = trainer(model, manager, w.shape(w.batch()), rng);
            NDArray start = rng.normal(manager, w.shape(w.batch()));
            Euler euler = new Euler();
            BenchServer.serve(Map.of(
                    "train_step_" + w.name() + "_batch_" + w.batch(), n -> BenchServer.steps(trainer, rng, n),
                    "euler_10_steps_batch_" + w.batch(), n -> BenchServer.each(n, () -> {
                        NDArray x = euler.solve(model, start, 10).x();
                        x.toFloatArray(); // wait for the result, as the Python side does with .cpu()
                        x.close();
                    })));
        }
    }

    /**
     * The process's resident memory over many training steps of the tiny UNet (batch 16): flat when every step
     * frees its native arrays. Run it with a fixed, pre-touched heap (-Xms = -Xmx, -XX:+AlwaysPreTouch), or the
     * heap's pages, touched for the first time as garbage accumulates, show up as growth too.
     */
    static void memory(int steps) {
        Rng rng = new Rng(0);
        int every = 100;
        try (VelocityModel model = new VelocityModel(new UNet(UNetConfig.mnist("tiny", 0)), new long[] {1, 28, 28}, rng);
                NDManager manager = NDManager.newBaseManager(Torch.device())) {
            FlowMatchingTrainer trainer = trainer(model, manager, new Shape(16, 1, 28, 28), rng);
            List<String> at = new ArrayList<>();
            List<String> rss = new ArrayList<>();
            long t0 = System.nanoTime();
            long c0 = BenchServer.cpuNanos();
            for (int done = 0; done <= steps; done += every) {
                if (done > 0) {
                    trainer.train(every, rng);
                }
                at.add(Integer.toString(trainer.stepsDone()));
                rss.add(String.format(Locale.ROOT, "%.1f", rssMb()));
            }
            System.out.println("{\"name\": \"rss_mb_tiny_batch_16\", \"step\": [" + String.join(",", at) + "], \"mb\": ["
                    + String.join(",", rss) + "], \"seconds\": "
                    + String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9) + ", \"cpu_seconds\": "
                    + String.format(Locale.ROOT, "%.1f", (BenchServer.cpuNanos() - c0) / 1e9) + "}");
        }
    }

    /**
     * The workload's UNet with every weight drawn at random (the zero-initialised ones too, or v would be 0), an
     * input and its v, for bench/unet.py to load into the PyTorch twin and compare. Little-endian: int32 count,
     * then per array int32 rank, int64 dims, float32 values; parameters in order, then x, t, v.
     */
    static void export(Path file, Workload workload) throws IOException {
        Rng rng = new Rng(1);
        try (VelocityModel model = workload.model(rng); NDManager manager = NDManager.newBaseManager(Torch.device())) {
            System.out.println("{\"name\": \"params\", \"value\": " + model.parameterCount() + "}");
            System.out.println("{\"name\": \"device\", \"value\": \"" + Torch.device() + "\"}");
            List<NDArray> arrays = new ArrayList<>();
            for (Pair<String, Parameter> p : model.block().getParameters()) {
                NDArray w = p.getValue().getArray();
                w.set(rng.normal(manager, w.getShape()).mul(0.2f).add(p.getKey().endsWith("gamma") ? 1f : 0f).toFloatArray());
                arrays.add(w);
            }
            NDArray x = rng.normal(manager, workload.shape(4));
            NDArray t = manager.create(new float[] {0f, 0.25f, 0.6f, 1f});
            arrays.addAll(List.of(x, t, model.forward(x, t, false)));
            write(file, arrays);
            System.out.println("{\"name\": \"export\", \"arrays\": " + arrays.size() + "}");
        }
    }

    /** Trains on one fixed batch of {@code shape} (timing only: any images will do). */
    static FlowMatchingTrainer trainer(VelocityModel model, NDManager manager, Shape shape, Rng rng) {
        NDArray images = rng.uniform(manager, -1f, 1f, shape);
        PairSource pairs = (m, b, r) -> {
            // Lent to the step's manager: the path's arithmetic on it then lands there, not next to the weights.
            images.tempAttach(m);
            return new NDList(r.normal(m, shape), images);
        };
        return new FlowMatchingTrainer(model, new AffinePath(new LinearScheduler()), pairs).batchSize((int) shape.get(0))
                .learningRate(2e-4f).warmupSteps(100).clipNorm(1f);
    }

    static double rssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/status (Linux only)", e);
        }
        throw new IllegalStateException("no VmRSS line in /proc/self/status");
    }

    static void write(Path file, List<NDArray> arrays) throws IOException {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(le(4).putInt(arrays.size()).flip());
            for (NDArray a : arrays) {
                long[] dims = a.getShape().getShape();
                ByteBuffer head = le(4 + 8 * dims.length).putInt(dims.length);
                Arrays.stream(dims).forEach(head::putLong);
                out.write(head.flip());
                float[] v = a.toFloatArray();
                ByteBuffer body = le(4 * v.length);
                body.asFloatBuffer().put(v);
                out.write(body);
            }
        }
    }

    static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static int arg(String[] args, int i, int fallback) {
        return args.length > i ? Integer.parseInt(args[i]) : fallback;
    }
}
