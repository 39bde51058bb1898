package dev.flowmatching.model;

import java.util.List;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;

/**
 * A network's inference pass as one TorchScript call, written by {@link ScriptWriter}: the module holds no
 * weights, so every call passes the parameters' current values (training, EMA and checkpoint loads are seen at
 * once). Modules are shared between networks of the same structure ({@link FusedKernels#module}).
 *
 * <p>Why: in a UNet's op-by-op pass each of ~200 ops returns to Java, and between two ops the Java side runs
 * with caches that the op's megabytes of activations have just flushed. Alternated in one JVM (UNet "small",
 * batch 64, 10 Euler steps, 2 threads), the same pass as one TorchScript call took 9-17% less time.
 */
final class ScriptedPass {
    private final PtSymbolBlock module;
    private final List<Parameter> parameters;

    /** The pass {@code writer} wrote, taking the tensors {@code arguments} (then the weights) and returning {@code result}. */
    ScriptedPass(ScriptWriter writer, List<String> arguments, String result) {
        this.module = FusedKernels.module(writer.source(arguments, result));
        this.parameters = writer.parameters();
    }

    /** The pass on {@code inputs} (the leading arguments, in order); the result belongs to the first input's manager. */
    NDArray run(ParameterStore ps, NDArray... inputs) {
        Device device = inputs[0].getDevice();
        PtNDArray[] weights = new PtNDArray[parameters.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (PtNDArray) ps.getValue(parameters.get(i), device, false);
        }
        IValue[] args = new IValue[inputs.length + 1];
        try {
            for (int i = 0; i < inputs.length; i++) {
                args[i] = IValue.from((PtNDArray) inputs[i]);
            }
            args[inputs.length] = IValue.listFrom(weights);
            // As FusedKernels: plain interpretation, no per-shape re-optimisation (the flag is per thread).
            JniUtils.setGraphExecutorOptimize(false);
            try (IValue out = module.forward(args)) {
                return out.toTensor((PtNDManager) inputs[0].getManager());
            }
        } finally {
            for (IValue a : args) {
                if (a != null) {
                    a.close();
                }
            }
        }
    }
}
