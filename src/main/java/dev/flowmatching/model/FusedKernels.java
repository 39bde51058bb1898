package dev.flowmatching.model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
 * on image-sized activations, not on small vectors. Whole passes written by {@link ScriptWriter} load here too
 * ({@link #module}).
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
        return run(module, new NDList(x, gamma, beta), true);
    }

    /**
     * {@code module}'s forward on {@code args} (one tensor result, in the first argument's manager), recorded for
     * autograd where {@code recordable} and the thread records. DJL's IValueUtils reads structure from array names
     * ("a.b": a dict entry, "a[]" a list, "a()" a tuple, "module_method:m" the method), so an argument named that
     * way goes in as an unnamed view.
     */
    static NDArray run(PtSymbolBlock module, NDList args, boolean recordable) {
        NDList plain = new NDList(args.size());
        NDList views = new NDList();
        for (NDArray a : args) {
            String name = a.getName();
            boolean misread = name != null && (name.contains(".") || name.startsWith("module_method:")
                    || name.endsWith("[]") || name.endsWith("()"));
            NDArray in = misread ? a.reshape(a.getShape()) : a;
            if (misread) {
                views.add(in);
            }
            plain.add(in);
        }
        // The profiling executor would specialise and re-optimise per input shape; plain interpretation is faster
        // and predictable. The flag is libtorch's, per thread.
        JniUtils.setGraphExecutorOptimize(false);
        try {
            return IValueUtils.forward(module, plain, recordable).singletonOrThrow();
        } finally {
            views.close();
        }
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
