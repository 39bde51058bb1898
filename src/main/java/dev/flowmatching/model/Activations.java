package dev.flowmatching.model;

import java.util.Locale;
import java.util.function.UnaryOperator;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** The activation functions a model may use, by name. */
public enum Activations {
    /**
     * x * sigmoid(x) (swish with beta 1); smooth, the usual choice for flow and diffusion models. Two native
     * ops: DJL's {@code swish} adds a third (the multiplication by beta), which costs ~10% of a 2D step.
     */
    SILU(x -> {
        NDArray s = Activation.sigmoid(x);
        NDArray y = x.mul(s);
        s.close(); // freed now, not with the caller's manager: autograd keeps its own reference
        return y;
    }),
    RELU(Activation::relu),
    GELU(Activation::gelu),
    TANH(Activation::tanh);

    private final UnaryOperator<NDArray> f;

    Activations(UnaryOperator<NDArray> f) {
        this.f = f;
    }

    public NDArray apply(NDArray x) {
        return f.apply(x);
    }

    /** The activation named {@code name} (any case), or an error listing the valid names. */
    public static Activations named(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown activation '" + name + "'; valid: silu, relu, gelu, tanh");
        }
    }
}
