package dev.flowmatching.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

/**
 * AdamW: Adam (Kingma and Ba 2015) with decoupled weight decay (Loshchilov and Hutter 2019). For step
 * t = 1, 2, ... with learning rate lr_t, gradient g and decay lambda:
 * <pre>
 *   m_t = b1 m_{t-1} + (1 - b1) g                 v_t = b2 v_{t-1} + (1 - b2) g^2
 *   w_t = w_{t-1} - lr_t lambda w_{t-1} - lr_t sqrt(1 - b2^t) / (1 - b1^t) * m_t / (sqrt(v_t) + eps)
 * </pre>
 * The last term is Kingma and Ba's "more efficient order of computation" (their section 2) of
 * {@code lr_t mhat_t / (sqrt(vhat_t) + eps)}; it differs only in where eps enters. The decay is scaled by
 * lr_t, as in PyTorch's {@code AdamW}, so a warm-up also warms the decay up.
 *
 * <p>Why our own: its whole state (m and v per parameter, keyed by parameter name, and the step count t)
 * is ours to read and restore, which checkpoints need. The arithmetic is the engine's fused native update
 * (the one DJL's {@code Optimizer.adamW()} calls), applied to our moment arrays, so a step costs one native
 * call per parameter and gives the same numbers as DJL's optimizer. Like it, the update also clears each
 * weight's gradient, which libtorch would otherwise accumulate into the next backward pass.
 *
 * <pre>{@code
 * AdamW adam = new AdamW(model.manager()).weightDecay(0.01f);
 * adam.step(model.block().getParameters(), grads, 1e-3f);   // after backward, one gradient per parameter
 * }</pre>
 */
public final class AdamW implements AutoCloseable {
    private final NDManager manager;
    private final Map<String, NDArray> means = new LinkedHashMap<>();
    private final Map<String, NDArray> variances = new LinkedHashMap<>();
    private float beta1 = 0.9f;
    private float beta2 = 0.999f;
    private float epsilon = 1e-8f;
    private float weightDecay;
    private int steps;

    /** The moments live in a sub-manager of {@code parent} (the model's), on its device. */
    public AdamW(NDManager parent) {
        this.manager = parent.newSubManager();
    }

    /** Decay rates of the first and second moment estimates (defaults 0.9 and 0.999). */
    public AdamW betas(float b1, float b2) {
        if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1)) {
            throw new IllegalArgumentException("Adam's betas must lie in [0, 1), got " + b1 + " and " + b2);
        }
        this.beta1 = b1;
        this.beta2 = b2;
        return this;
    }

    /** The epsilon added to sqrt(v) (default 1e-8). */
    public AdamW epsilon(float eps) {
        if (!(eps > 0) || !Float.isFinite(eps)) {
            throw new IllegalArgumentException("Adam's epsilon must be a finite number > 0, got " + eps);
        }
        this.epsilon = eps;
        return this;
    }

    /** The decoupled weight decay lambda (default 0). */
    public AdamW weightDecay(float wd) {
        if (!(wd >= 0) || !Float.isFinite(wd)) {
            throw new IllegalArgumentException("weight decay must be a finite number >= 0, got " + wd);
        }
        this.weightDecay = wd;
        return this;
    }

    public float beta1() {
        return beta1;
    }

    public float beta2() {
        return beta2;
    }

    public float epsilon() {
        return epsilon;
    }

    public float weightDecay() {
        return weightDecay;
    }

    /** Steps taken: t of the last update (0 before the first). */
    public int steps() {
        return steps;
    }

    /**
     * One step t + 1: updates every weight in place from its gradient ({@code grads.get(k)} belongs to
     * {@code params.get(k)}) with learning rate {@code learningRate}, and clears the weights' gradients.
     */
    public void step(List<Pair<String, Parameter>> params, List<NDArray> grads, float learningRate) {
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a finite number > 0, got " + learningRate);
        }
        if (params.size() != grads.size()) {
            throw new IllegalArgumentException(params.size() + " parameters but " + grads.size() + " gradients");
        }
        for (int k = 0; k < params.size(); k++) {
            NDArray w = params.get(k).getValue().getArray();
            if (!w.getShape().equals(grads.get(k).getShape())) {
                throw new IllegalArgumentException("gradient of " + params.get(k).getKey() + " has shape "
                        + grads.get(k).getShape() + ", the weight " + w.getShape());
            }
        }
        int t = ++steps;
        // Folded as in Kingma and Ba's section 2 (and computed as DJL does, so the numbers agree bit for bit).
        float corrected = (float) (learningRate * Math.sqrt(1.0 - Math.pow(beta2, t)) / (1.0 - Math.pow(beta1, t)));
        for (int k = 0; k < params.size(); k++) {
            String name = params.get(k).getKey();
            NDArray w = params.get(k).getValue().getArray();
            NDArray m = means.computeIfAbsent(name, n -> zerosLike(w));
            NDArray v = variances.computeIfAbsent(name, n -> zerosLike(w));
            // Without decay, the plain-Adam branch (adds 0 * w to the gradient, one op) gives the same numbers as
            // the decoupled one, which spends two multiplications, an allocation and a subtraction on w * lr * 0.
            w.getNDArrayInternal().adamUpdate(new NDList(w, grads.get(k), m, v), new NDList(w), learningRate, corrected,
                    weightDecay, 1f, -1f, beta1, beta2, epsilon, true, weightDecay > 0);
        }
    }

    private NDArray zerosLike(NDArray w) {
        return manager.zeros(w.getShape(), w.getDataType(), w.getDevice());
    }

    /** The first moments m by parameter name (live arrays; empty before the first step). */
    public Map<String, NDArray> means() {
        return Collections.unmodifiableMap(means);
    }

    /** The second moments v by parameter name (live arrays; empty before the first step). */
    public Map<String, NDArray> variances() {
        return Collections.unmodifiableMap(variances);
    }

    /**
     * Replaces the whole state (as a checkpoint stored it): step count and copies of the given moments, which
     * may live in any manager. Both maps must name the same parameters.
     */
    public void restore(int steps, Map<String, NDArray> m, Map<String, NDArray> v) {
        if (steps < 0) {
            throw new IllegalArgumentException("step count must be >= 0, got " + steps);
        }
        if (!m.keySet().equals(v.keySet())) {
            throw new IllegalArgumentException("first and second moments name different parameters: " + m.keySet()
                    + " vs " + v.keySet());
        }
        clearState();
        for (String name : m.keySet()) {
            means.put(name, copy(m.get(name)));
            variances.put(name, copy(v.get(name)));
        }
        this.steps = steps;
    }

    private NDArray copy(NDArray a) {
        NDArray c = a.getDevice().equals(manager.getDevice()) ? a.duplicate() : a.toDevice(manager.getDevice(), true);
        c.attach(manager);
        return c;
    }

    private void clearState() {
        means.values().forEach(NDArray::close);
        variances.values().forEach(NDArray::close);
        means.clear();
        variances.clear();
    }

    /** Frees the moments. */
    @Override
    public void close() {
        clearState();
        manager.close();
    }
}
