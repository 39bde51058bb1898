package dev.flowmatching.model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;

import dev.flowmatching.runtime.Torch;

/**
 * libtorch's fused {@code group_norm} (and {@code group_norm} followed by {@code silu}), which DJL's JNI does not
 * expose. Without them a GroupNorm + SiLU is five ops over the activation (layer norm, scale, shift, sigmoid,
 * product); fused it is two kernels, measured 2.2-2.4 ms against 5.3-6.5 ms on a 64 x 32 x 28 x 28 batch (2 threads),
 * which is most of what separated the UNet in Java from the same UNet in PyTorch.
 *
 * <p>The kernels are reached through tiny TorchScript modules whose source this class writes at run time (a
 * TorchScript archive is a zip of Python-like source and a pickled module object; libtorch compiles the source on
 * load), one per group count and epsilon, loaded once per JVM. No file ships and nothing is downloaded. Autograd
 * records through them like any other op. Each call costs ~0.1 ms of interpreter and JNI overhead, so they pay off
 * on image-sized activations, not on small vectors; for the 2D MLP's sampling a whole forward pass is one call.
 */
final class FusedKernels {
    private static final Map<String, PtSymbolBlock> MODULES = new ConcurrentHashMap<>();
    private static final NDManager OWNER = Torch.engine().newBaseManager(Torch.device());

    private FusedKernels() {
    }

    /**
     * {@code group_norm(x, groups, gamma, beta, eps)}, followed by {@code silu} when asked; x is (B, C, ...), gamma
     * and beta (C). The result belongs to x's manager.
     */
    static NDArray groupNorm(NDArray x, int groups, float eps, NDArray gamma, NDArray beta, boolean silu) {
        PtSymbolBlock module = MODULES.computeIfAbsent(groups + "/" + eps + "/" + silu,
                k -> load(groupNormSource(groups, eps, silu)));
        // The profiling executor would specialise and re-optimise per input shape; plain interpretation is faster
        // for one op and predictable. The flag is libtorch's, per thread.
        JniUtils.setGraphExecutorOptimize(false);
        return IValueUtils.forward(module, new NDList(x, gamma, beta), true).singletonOrThrow();
    }

    /**
     * A SiLU MLP's whole forward pass without autograd, in one call: {@code h = silu(first + x wx^T)}, then
     * {@code h = silu(h W_k^T + b_k)} for each further hidden layer, then {@code h W_out^T + b_out}. {@code weights}
     * is {@code wx, W_1, b_1, ..., W_out, b_out}; {@code first} is the first layer's bias plus its time part, one row
     * for the batch. Each SiLU runs in place on its layer's fresh product (nothing records for backward), so a pass is
     * one kernel per layer and activation, with no op crossing JNI on its own. The result belongs to x's manager.
     */
    static NDArray siluMlp(NDArray x, NDArray first, List<NDArray> weights) {
        int hidden = (weights.size() - 1) / 2; // layers after the first, the output layer included
        PtSymbolBlock module = MODULES.computeIfAbsent("silu-mlp/" + hidden, k -> load(siluMlpSource(hidden)));
        JniUtils.setGraphExecutorOptimize(false);
        NDList inputs = new NDList(x, first);
        inputs.addAll(weights);
        return IValueUtils.forward(module, inputs, false).singletonOrThrow();
    }

    /** TorchScript source of {@link #siluMlp} with {@code layers} layers after the first (the last is the output). */
    static String siluMlpSource(int layers) {
        StringBuilder args = new StringBuilder("    x: Tensor,\n    first: Tensor,\n    wx: Tensor");
        StringBuilder body = new StringBuilder("    h = torch.silu_(torch.addmm(first, x, torch.t(wx)))\n");
        for (int k = 1; k <= layers; k++) {
            args.append(",\n    w").append(k).append(": Tensor,\n    b").append(k).append(": Tensor");
            String product = "torch.addmm(b" + k + ", h, torch.t(w" + k + "))";
            body.append(k < layers ? "    h = torch.silu_(" + product + ")\n" : "    return " + product + "\n");
        }
        return "class Fused(Module):\n"
                + "  __parameters__ = []\n"
                + "  __buffers__ = []\n"
                + "  training : bool\n"
                + "  def forward(self: __torch__.Fused,\n"
                + args + ") -> Tensor:\n"
                + body;
    }

    /** TorchScript source of a module computing group_norm (then silu) with the constants written in. */
    static String groupNormSource(int groups, float eps, boolean silu) {
        String norm = String.format(Locale.ROOT, "torch.group_norm(x, %d, weight, bias, %s, True)", groups,
                Double.toString(eps).replace('E', 'e'));
        return "class Fused(Module):\n"
                + "  __parameters__ = []\n"
                + "  __buffers__ = []\n"
                + "  training : bool\n"
                + "  def forward(self: __torch__.Fused,\n"
                + "    x: Tensor,\n"
                + "    weight: Tensor,\n"
                + "    bias: Tensor) -> Tensor:\n"
                + "    return " + (silu ? "torch.silu(" + norm + ")" : norm) + "\n";
    }

    /** The module of {@code source} (a class {@code Fused}), loaded once per source text. */
    static PtSymbolBlock module(String source) {
        return MODULES.computeIfAbsent(source, FusedKernels::load);
    }

    private static PtSymbolBlock load(String source) {
        try {
            return JniUtils.loadModule((PtNDManager) OWNER, new ByteArrayInputStream(archive(source)), true, false);
        } catch (IOException e) {
            throw new UncheckedIOException("could not build the fused-kernel module", e);
        }
    }

    /**
     * A TorchScript archive holding class {@code Fused} of {@code source}: its code, and its object pickled
     * (protocol 2) as an instance of {@code __torch__.Fused} whose only attribute is {@code training = True}.
     */
    static byte[] archive(String source) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            entry(zip, "fused/version", ascii("3"));
            entry(zip, "fused/code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
            ByteArrayOutputStream pickle = new ByteArrayOutputStream();
            pickle.write(new byte[] {(byte) 0x80, 2, 'c'}); // PROTO 2, GLOBAL
            pickle.write(ascii("__torch__\nFused\n"));
            pickle.write(new byte[] {')', (byte) 0x81, '}', '(', 'X', 8, 0, 0, 0}); // NEWOBJ(), a dict, "training"
            pickle.write(ascii("training"));
            pickle.write(new byte[] {(byte) 0x88, 'u', 'b', '.'}); // True, SETITEMS, BUILD, STOP
            entry(zip, "fused/data.pkl", pickle.toByteArray());
            entry(zip, "fused/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'}); // an empty tuple
        }
        return bytes.toByteArray();
    }

    private static void entry(ZipOutputStream zip, String name, byte[] content) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(content);
        zip.closeEntry();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
