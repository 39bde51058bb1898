package dev.flowmatching.model;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;

/**
 * Writes a network's forward pass (for inference, or for training with dropout on) as the body of one TorchScript
 * function, so that a pass crosses JNI once instead of once per op ({@link ScriptedPass}). Each block writes its own
 * part next to its Java forward pass ({@code script} methods). The weights are the function's last arguments,
 * {@code w0, w1, ...}, gathered as the list {@code w}: {@link #param} hands out each {@link Parameter}'s place, and
 * {@link #parameters()} lists them in that order, for the caller to pass their current values on every call.
 */
final class ScriptWriter {
    private final boolean training;
    private final List<Parameter> parameters = new ArrayList<>();
    private final StringBuilder body = new StringBuilder();
    private int names;

    /** @param training whether the pass is for training (dropout on), or for inference */
    ScriptWriter(boolean training) {
        this.training = training;
    }

    boolean training() {
        return training;
    }

    /** The expression that reads p's value. */
    String param(Parameter p) {
        parameters.add(p);
        return "w[" + (parameters.size() - 1) + "]";
    }

    /** Emits {@code name = expression} under a fresh name, and returns the name. */
    String let(String expression) {
        String name = "v" + names++;
        body.append("    ").append(name).append(" = ").append(expression).append('\n');
        return name;
    }

    /** A DJL convolution (2D, bias, no groups) of {@code x}. */
    String conv(Conv2d conv, String x) {
        return let("torch.conv2d(" + x + ", " + param(conv.getParameters().get("weight")) + ", "
                + param(conv.getParameters().get("bias")) + ", " + pair(conv.getStride()) + ", "
                + pair(conv.getPadding()) + ", " + pair(conv.getDilation()) + ", " + conv.getGroups() + ")");
    }

    /** A DJL linear layer of {@code x}: {@code x W^T (+ b)}. */
    String linear(Linear linear, String x) {
        Parameter bias = linear.getParameters().contains("bias") ? linear.getParameters().get("bias") : null;
        return let("torch.linear(" + x + ", " + param(linear.getParameters().get("weight"))
                + (bias == null ? "" : ", " + param(bias)) + ")");
    }

    /** A number literal that TorchScript reads back as the same double. */
    static String number(double v) {
        return Double.toString(v).replace('E', 'e');
    }

    List<Parameter> parameters() {
        return List.copyOf(parameters);
    }

    /**
     * The module's source: {@code forward(self, <arguments>, w0, w1, ...) -> Tensor}, each argument a tensor, running
     * the emitted lines on {@code w = [w0, w1, ...]} and returning {@code result}. {@code arguments}: the leading
     * arguments' names; the weights follow, one argument each, in {@link #parameters()} order.
     */
    String source(List<String> arguments, String result) {
        List<String> weights = new ArrayList<>();
        for (int i = 0; i < parameters.size(); i++) {
            weights.add("w" + i);
        }
        StringBuilder args = new StringBuilder();
        for (String a : arguments) {
            args.append(",\n    ").append(a).append(": Tensor");
        }
        for (String w : weights) {
            args.append(",\n    ").append(w).append(": Tensor");
        }
        return "class Fused(Module):\n"
                + "  __parameters__ = []\n"
                + "  __buffers__ = []\n"
                + "  training : bool\n"
                + "  def forward(self: __torch__.Fused" + args + ") -> Tensor:\n"
                + "    w = [" + String.join(", ", weights) + "]\n"
                + body
                + "    return " + result + "\n";
    }

    private static String pair(Shape s) {
        return "[" + s.get(0) + ", " + s.get(1) + "]";
    }
}
