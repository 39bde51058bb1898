package dev.flowmatching.runtime;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Starts DJL's PyTorch engine with this project's defaults, once per JVM.
 *
 * <ul>
 *   <li>Threads: DJL defaults to 2 intra-op threads; we use all cores unless
 *       {@code ai.djl.pytorch.num_threads} is set.</li>
 *   <li>Offline: when the CPU libtorch is bundled on the class path (the {@code cpu} build flavour) DJL is put
 *       in offline mode, so it never looks for a newer native library on the network.</li>
 *   <li>Device: the first GPU when DJL sees one, else the CPU. Chosen once: everything else asks here.</li>
 * </ul>
 */
public final class Torch {
    static final String THREADS = "ai.djl.pytorch.num_threads";
    static final String OFFLINE = "ai.djl.offline";
    private static final String BUNDLED_NATIVE = "native/lib/pytorch.properties";

    private static volatile Engine engine;

    private Torch() {
    }

    /** The PyTorch engine, started on first use with the defaults above. */
    public static Engine engine() {
        Engine e = engine;
        if (e == null) {
            synchronized (Torch.class) {
                if (engine == null) {
                    applyDefaults();
                    engine = start();
                }
                e = engine;
            }
        }
        return e;
    }

    /** The device all work runs on: GPU 0 when the engine sees a GPU, else the CPU. */
    public static Device device() {
        Engine e = engine();
        return e.getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    /**
     * True while libtorch records operations for autograd (inside a GradientCollector); false when sampling.
     * Lets a block update a temporary in place where no backward pass will need it.
     */
    public static boolean recordingGradients() {
        return JniUtils.isGradMode();
    }

    /** True when this class path carries DJL's bundled CPU libtorch (the {@code cpu} flavour). */
    public static boolean bundledCpuLibtorch() {
        return Torch.class.getClassLoader().getResource(BUNDLED_NATIVE) != null;
    }

    static void applyDefaults() {
        if (System.getProperty(THREADS) == null) {
            System.setProperty(THREADS, Integer.toString(Runtime.getRuntime().availableProcessors()));
        }
        if (System.getProperty(OFFLINE) == null && bundledCpuLibtorch()) {
            System.setProperty(OFFLINE, "true");
        }
    }

    private static Engine start() {
        try {
            return Engine.getEngine("PyTorch");
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new IllegalStateException("DJL's PyTorch engine failed to start (" + e.getMessage() + "). "
                    + (bundledCpuLibtorch()
                            ? "The bundled CPU libtorch is on the class path: check that ~/.djl.ai is writable."
                            : "This is the GPU flavour: DJL needs network access once to fetch its CUDA libtorch, or "
                                    + "PYTORCH_LIBRARY_PATH and PYTORCH_VERSION naming a local libtorch. "
                                    + "See README, 'Troubleshooting'."), e);
        }
    }
}
