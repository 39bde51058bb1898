package dev.flowmatching.model;

import java.util.List;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.ndarray.NDList;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.training.ParameterStore;

/**
 * A network's forward pass as one TorchScript call, written by {@link ScriptWriter}: for inference, or recorded
 * for autograd in training (the backward pass is libtorch's either way). The module holds no weights: every call
 * passes the parameters' current values, so training steps, EMA swaps and checkpoint loads are seen at once.
 * Modules are shared between networks of the same structure ({@link FusedKernels#module}).
 *
 * <p>Why: in a UNet's op-by-op pass each of ~200 ops returns to Java, and between two ops the Java side runs with
 * caches that the op's megabytes of activations have just flushed, while libtorch's other threads wait. Alternated
 * in one JVM (UNet "small", batch 64, 2 threads), the scripted pass took 9-17% less time for 10 Euler steps and
 * about 3% less for a training step (forward, backward and AdamW).
 */
final class ScriptedPass {
    private final PtSymbolBlock module;
    private final List<Parameter> parameters;

    /** The pass {@code writer} wrote, taking the tensors {@code arguments} (then the weights) and returning {@code result}. */
    ScriptedPass(ScriptWriter writer, List<String> arguments, String result) {
        this.module = FusedKernels.module(writer.source(arguments, result));
        this.parameters = writer.parameters();
    }

    /**
     * The pass on {@code inputs} (the leading arguments, in order), recorded for autograd when {@code training}; the
     * result belongs to the first input's manager.
     */
    NDArray run(ParameterStore ps, boolean training, NDArray... inputs) {
        Device device = inputs[0].getDevice();
        NDList args = new NDList(inputs);
        for (Parameter p : parameters) {
            args.add(ps.getValue(p, device, training));
        }
        return FusedKernels.run(module, args, training);
    }
}
