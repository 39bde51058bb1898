package dev.flowmatching.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

import dev.flowmatching.model.Ema;
import dev.flowmatching.model.VelocityModel;
import dev.flowmatching.runtime.AtomicWrite;
import dev.flowmatching.runtime.NoGradient;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.train.CheckpointFile.Tensor;

/**
 * Saves and resumes a training run: everything that decides how it continues. That is the weights, the
 * moving average of the weights (when the trainer keeps one), the optimizer (AdamW's moments, step count and
 * hyperparameters), the trainer's step count, and the run's {@link Rng} (seed and draws). With the same
 * trainer settings, a resumed run takes the same steps, bit for bit, as one that never stopped.
 *
 * <p>The trainer's settings (batch size, learning rate and warm-up, clipping, label dropout, time sampler,
 * path, data) belong to the code that builds the trainer, as in a PyTorch script; the checkpoint keeps them
 * as one line ({@link Info#settings()}) to compare with. It also keeps an architecture fingerprint
 * ({@link VelocityModel#fingerprint()}) and refuses to load into a model whose fingerprint differs, naming
 * both. The file is written atomically (a crash mid-write leaves the previous checkpoint intact) and checked
 * (format version, end marker, length, CRC-32) before anything is loaded; layout in {@link CheckpointFile}.
 *
 * <pre>{@code
 * Checkpoint.save(Path.of("data/mnist.ckpt"), trainer, rng);
 * // later, in a fresh kernel: build model and trainer as before, then
 * Rng rng = Checkpoint.load(Path.of("data/mnist.ckpt"), trainer).rng();
 * trainer.train(5000, rng, new LiveTraining("MNIST, resumed"));
 * }</pre>
 */
public final class Checkpoint {
    private static final NDIndex ALL = new NDIndex("...");

    /** What a checkpoint says about itself; {@link #rng()} continues the saved run's random draws. */
    public record Info(Path file, int formatVersion, String fingerprint, String settings, int step, long seed,
            long draws, int optimizerSteps, boolean hasEma) {
        /** The saved run's generator, at the draw where it stopped. */
        public Rng rng() {
            return new Rng(seed, draws);
        }
    }

    private Checkpoint() {
    }

    /** Writes the run's state to {@code file} (atomically; parent directories are created). */
    public static void save(Path file, FlowMatchingTrainer trainer, Rng rng) {
        Ema ema = trainer.ema();
        if (ema != null && ema.applied()) {
            throw new IllegalStateException("the EMA weights are applied to the model; close Ema.apply()'s scope "
                    + "before saving, so the checkpoint holds the training weights");
        }
        VelocityModel model = trainer.model();
        AdamW adam = trainer.optimizer();
        try {
            AtomicWrite.write(file, raw -> CheckpointFile.write(raw, out -> {
                CheckpointFile.writeString(out, model.fingerprint());
                CheckpointFile.writeString(out, trainer.settings());
                out.writeInt(trainer.stepsDone());
                out.writeFloat(trainer.lastFiniteLoss());
                out.writeLong(rng.seed());
                out.writeLong(rng.draws());
                writeTensors(out, weights(model));
                out.writeInt(adam.steps());
                out.writeFloat(adam.beta1());
                out.writeFloat(adam.beta2());
                out.writeFloat(adam.epsilon());
                out.writeFloat(adam.weightDecay());
                writeTensors(out, adam.means());
                writeTensors(out, adam.variances());
                out.writeBoolean(ema != null);
                if (ema != null) {
                    out.writeFloat(ema.decay());
                    out.writeBoolean(ema.warmup());
                    out.writeLong(ema.updates());
                    writeTensors(out, ema.shadow());
                }
            }));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Restores a run into {@code trainer} (built with the model's architecture and the run's settings):
     * weights, optimizer, EMA (created if the trainer has none; restarted from the loaded weights if the
     * checkpoint has none) and step count. Continue with the returned {@link Info#rng()}. Refuses a file that
     * is damaged or from another architecture before changing anything.
     */
    public static Info load(Path file, FlowMatchingTrainer trainer) {
        VelocityModel model = trainer.model();
        Stored s = read(file, model);
        if (s.ema != null && trainer.ema() != null && trainer.ema().applied()) {
            throw new IllegalStateException("the EMA weights are applied to the model; close Ema.apply()'s scope "
                    + "first");
        }
        try (NDManager scratch = model.manager().newSubManager()) {
            copyInto(model, s.weights, scratch);
            AdamW adam = trainer.optimizer();
            adam.betas(s.beta1, s.beta2).epsilon(s.epsilon).weightDecay(s.weightDecay);
            adam.restore(s.info.optimizerSteps(), arrays(s.means, scratch), arrays(s.variances, scratch));
            if (s.ema != null) {
                Ema ema = new Ema(model, s.emaDecay, s.emaWarmup);
                ema.restore(s.emaUpdates, arrays(s.ema, scratch));
                trainer.restoreEma(ema);
            } else if (trainer.ema() != null) {
                trainer.ema(trainer.ema().decay(), trainer.ema().warmup());
            }
        }
        trainer.restoreProgress(s.info.step(), s.lastLoss);
        return s.info;
    }

    /** Loads only the weights into {@code model}: the averaged ones when {@code ema} (for sampling). */
    public static Info loadWeights(Path file, VelocityModel model, boolean ema) {
        Stored s = read(file, model);
        if (ema && s.ema == null) {
            throw new CheckpointException("checkpoint " + file + " holds no EMA weights (the run kept no average)");
        }
        try (NDManager scratch = model.manager().newSubManager()) {
            copyInto(model, ema ? s.ema : s.weights, scratch);
        }
        return s.info;
    }

    /** What {@code file} holds (after checking it), without loading it anywhere. */
    public static Info info(Path file) {
        try (DataInputStream in = CheckpointFile.open(file)) {
            return parse(file, in, null).info;
        } catch (IOException e) {
            throw corrupt(file, e);
        }
    }

    /** A parsed checkpoint, in host memory. */
    private static final class Stored {
        Info info;
        float lastLoss;
        List<Tensor> weights;
        float beta1;
        float beta2;
        float epsilon;
        float weightDecay;
        List<Tensor> means;
        List<Tensor> variances;
        float emaDecay;
        boolean emaWarmup;
        long emaUpdates;
        List<Tensor> ema;
    }

    private static Stored read(Path file, VelocityModel model) {
        try (DataInputStream in = CheckpointFile.open(file)) {
            return parse(file, in, model);
        } catch (IOException | IllegalArgumentException e) {
            throw corrupt(file, e);
        }
    }

    /** Parses the payload; with a model, refuses another architecture before reading the tensors. */
    private static Stored parse(Path file, DataInputStream in, VelocityModel model) throws IOException {
        Stored s = new Stored();
        String fingerprint = CheckpointFile.readString(in);
        if (model != null && !fingerprint.equals(model.fingerprint())) {
            throw new CheckpointException(mismatch(file, fingerprint, model.fingerprint()));
        }
        String settings = CheckpointFile.readString(in);
        int step = in.readInt();
        s.lastLoss = in.readFloat();
        long seed = in.readLong();
        long draws = in.readLong();
        s.weights = readTensors(in);
        int optimizerSteps = in.readInt();
        s.beta1 = in.readFloat();
        s.beta2 = in.readFloat();
        s.epsilon = in.readFloat();
        s.weightDecay = in.readFloat();
        s.means = readTensors(in);
        s.variances = readTensors(in);
        boolean hasEma = in.readBoolean();
        if (hasEma) {
            s.emaDecay = in.readFloat();
            s.emaWarmup = in.readBoolean();
            s.emaUpdates = in.readLong();
            s.ema = readTensors(in);
        }
        if (in.read() != -1) {
            throw new IOException("bytes left after the last record");
        }
        s.info = new Info(file, CheckpointFile.VERSION, fingerprint, settings, step, seed, draws, optimizerSteps,
                hasEma);
        return s;
    }

    /** Names both architectures: their first lines (block, configuration) and the first line that differs. */
    private static String mismatch(Path file, String saved, String here) {
        String[] a = saved.split("\n");
        String[] b = here.split("\n");
        int i = 0;
        while (i < Math.min(a.length, b.length) && a[i].equals(b[i])) {
            i++;
        }
        String first = i == 0 ? "" : "; first difference: '" + (i < a.length ? a[i] : "(no more parameters)")
                + "' in the checkpoint vs '" + (i < b.length ? b[i] : "(no more parameters)") + "' here";
        return "checkpoint " + file + " was saved from another architecture and cannot be loaded into this model."
                + "\n  checkpoint: " + a[0] + " (" + (a.length - 1) + " parameters)"
                + "\n  this model: " + b[0] + " (" + (b.length - 1) + " parameters)" + first;
    }

    private static CheckpointException corrupt(Path file, Exception e) {
        if (e instanceof CheckpointException c) {
            return c;
        }
        return new CheckpointException("checkpoint " + file + " is corrupt: " + e.getMessage(), e);
    }

    private static Map<String, NDArray> weights(VelocityModel model) {
        Map<String, NDArray> w = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : model.block().getParameters()) {
            w.put(p.getKey(), p.getValue().getArray());
        }
        return w;
    }

    private static void writeTensors(DataOutputStream out, Map<String, NDArray> tensors) throws IOException {
        out.writeInt(tensors.size());
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            CheckpointFile.writeTensor(out, Tensor.of(e.getKey(), e.getValue()));
        }
    }

    private static List<Tensor> readTensors(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("negative tensor count " + n);
        }
        List<Tensor> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(CheckpointFile.readTensor(in));
        }
        return list;
    }

    private static Map<String, NDArray> arrays(List<Tensor> tensors, NDManager manager) {
        Map<String, NDArray> m = new LinkedHashMap<>();
        for (Tensor t : tensors) {
            m.put(t.name(), t.toArray(manager));
        }
        return m;
    }

    /** Copies stored weights into the model's parameters in place (names and shapes as the fingerprint said). */
    private static void copyInto(VelocityModel model, List<Tensor> tensors, NDManager scratch) {
        Map<String, NDArray> stored = arrays(tensors, scratch);
        try (NoGradient off = NoGradient.begin()) {
            for (Pair<String, Parameter> p : model.block().getParameters()) {
                NDArray src = stored.get(p.getKey());
                NDArray dst = p.getValue().getArray();
                if (src == null || !src.getShape().equals(dst.getShape())) {
                    throw new CheckpointException("checkpoint lacks parameter " + p.getKey() + " " + dst.getShape());
                }
                dst.set(ALL, src);
            }
        }
    }
}
