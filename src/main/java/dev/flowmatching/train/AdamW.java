package dev.flowmatching.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;

import dev.flowmatching.runtime.NativeMemory;
import dev.flowmatching.runtime.NoGradient;

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
 * is ours to read and restore, which checkpoints need. And its speed: the moments of all parameters live in
 * one flat buffer each, so a step is about a dozen array ops over all weights at once, where DJL's
 * {@code Optimizer.adamW()} spends a dozen per parameter (the UNets have over a hundred); it agrees with DJL's
 * optimizer to float rounding. Like it, the update also clears each weight's gradient, which libtorch would
 * otherwise accumulate into the next backward pass.
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
    private NDArray flatMeans;
    private NDArray flatVariances;
    private List<String> layout = List.of();
    private long[] offsets;
    private float beta1 = 0.9f;
    private float beta2 = 0.999f;
    private float epsilon = 1e-8f;
    private float weightDecay;
    private int steps;

    /** The moments live in a sub-manager of {@code parent} (the model's), on its device. */
    public AdamW(NDManager parent) {
        NativeMemory.reclaim(); // the moments of a dropped optimizer (a re-run trainer cell) go first
        this.manager = parent.newSubManager();
        NativeMemory.track(this, manager);
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
        try (NDArray g = flatten(grads)) {
            step(params, g, learningRate);
        }
    }

    /**
     * The same step from all gradients in one flat array, parameter after parameter in the order of {@code params}
     * (as {@link #flatten} makes it): what a trainer that also takes the gradient's norm from it passes.
     */
    public void step(List<Pair<String, Parameter>> params, NDArray flatGradient, float learningRate) {
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a finite number > 0, got " + learningRate);
        }
        long size = params.stream().mapToLong(p -> p.getValue().getArray().size()).sum();
        if (!flatGradient.getShape().equals(new Shape(size))) {
            throw new IllegalArgumentException("a flat gradient of shape (" + size + ") was expected for "
                    + params.size() + " parameters, got " + flatGradient.getShape());
        }
        int t = ++steps;
        // Folded as in Kingma and Ba's section 2, in the order DJL's fused update uses.
        float corrected = (float) (learningRate * Math.sqrt(1.0 - Math.pow(beta2, t)) / (1.0 - Math.pow(beta1, t)));
        layOut(params);
        List<NDArray> temps = new ArrayList<>();
        try (NoGradient off = NoGradient.begin()) { // in-place writes into weights, on whatever thread calls
            NDArray g = flatGradient;
            flatMeans.muli(beta1).addi(keep(temps, g.mul(1 - beta1)));
            flatVariances.muli(beta2).addi(keep(temps, g.square()).muli(1 - beta2));
            NDArray denominator = keep(temps, flatVariances.sqrt()).addi(epsilon);
            NDArray update = keep(temps, keep(temps, flatMeans.mul(corrected)).div(denominator));
            for (int k = 0; k < params.size(); k++) {
                NDArray w = params.get(k).getValue().getArray();
                if (weightDecay > 0) {
                    w.subi(keep(temps, keep(temps, w.mul(learningRate)).mul(weightDecay)));
                }
                w.subi(keep(temps, keep(temps, update.get(new NDIndex().addSliceDim(offsets[k], offsets[k + 1])))
                        .reshape(w.getShape())));
                JniUtils.zeroGrad((PtNDArray) w); // libtorch would add the next backward pass to it
            }
        } finally {
            temps.forEach(NDArray::close);
        }
    }

    /** The gradients as one flat array, a copy in the first gradient's manager, parameter after parameter. */
    public static NDArray flatten(List<NDArray> grads) {
        NDList views = new NDList(grads.size());
        for (NDArray g : grads) {
            views.add(g.reshape(-1));
        }
        NDArray flat = NDArrays.concat(views);
        views.close();
        return flat;
    }

    /**
     * All moments live in one flat buffer each, parameters in the order {@code params} gives, and the per-name
     * arrays are views into them: a step is then a dozen ops over all weights instead of a dozen per parameter
     * (PyTorch's "foreach" optimisers do the same for the same reason), and the views stay live for checkpoints.
     * Rebuilt when the parameters change; moments restored or kept under a name carry over, new ones are zero.
     */
    private void layOut(List<Pair<String, Parameter>> params) {
        List<String> names = params.stream().map(Pair::getKey).toList();
        if (names.equals(layout)) {
            return;
        }
        long[] at = new long[params.size() + 1];
        NDList m = new NDList();
        NDList v = new NDList();
        for (int k = 0; k < params.size(); k++) {
            NDArray w = params.get(k).getValue().getArray();
            at[k + 1] = at[k] + w.size();
            m.add(flatPart(means.get(names.get(k)), w));
            v.add(flatPart(variances.get(names.get(k)), w));
        }
        NDArray newMeans = NDArrays.concat(m);
        NDArray newVariances = NDArrays.concat(v);
        m.close();
        v.close();
        clearState();
        flatMeans = attached(newMeans);
        flatVariances = attached(newVariances);
        for (int k = 0; k < params.size(); k++) {
            Shape shape = params.get(k).getValue().getArray().getShape();
            NDIndex slice = new NDIndex().addSliceDim(at[k], at[k + 1]);
            means.put(names.get(k), attached(flatMeans.get(slice).reshape(shape)));
            variances.put(names.get(k), attached(flatVariances.get(slice).reshape(shape)));
        }
        layout = names;
        offsets = at;
    }

    /** The moment as a flat view (closed once concatenated), or zeros shaped like {@code w} when there is none. */
    private NDArray flatPart(NDArray moment, NDArray w) {
        if (moment == null) {
            return manager.zeros(new Shape(w.size()), w.getDataType(), w.getDevice());
        }
        if (!moment.getShape().equals(w.getShape())) {
            throw new IllegalArgumentException("a stored moment has shape " + moment.getShape() + ", its weight "
                    + w.getShape());
        }
        return moment.reshape(-1);
    }

    private NDArray attached(NDArray a) {
        a.attach(manager);
        return a;
    }

    private static NDArray keep(List<NDArray> temps, NDArray a) {
        temps.add(a);
        return a;
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
        if (flatMeans != null) {
            flatMeans.close();
            flatVariances.close();
            flatMeans = null;
            flatVariances = null;
        }
        layout = List.of();
    }

    /** Frees the moments. */
    @Override
    public void close() {
        clearState();
        manager.close();
    }
}
