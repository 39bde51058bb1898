package dev.flowmatching.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;

import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;

class AdamWTest {
    static final float[] W0 = {0.5f, -1.5f, 2f, 0.25f};
    static final float[][] GRADS = {{0.1f, -0.2f, 0.3f, 0f}, {-0.4f, 0.5f, 0.05f, 1f}, {0.2f, 0.2f, -0.6f, -0.3f}};
    static final float[] LRS = {0.01f, 0.02f, 0.03f}; // a warm-up: lr changes between steps
    // The optimizer's hyperparameters are floats: the reference uses the same numbers (0.999f is not 0.999).
    static final double B1 = 0.9f;
    static final double B2 = 0.999f;
    static final double EPS = 1e-8f;

    /**
     * Loshchilov and Hutter's AdamW (their Algorithm 2) in double, textbook order: bias-corrected moments,
     * then w -= lr (mhat / (sqrt(vhat) + eps) + lambda w). Returns {w, m, v} after each step.
     */
    static double[][][] reference(double lambda) {
        int n = W0.length;
        double[] w = new double[n];
        double[] m = new double[n];
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = W0[i];
        }
        double[][][] out = new double[GRADS.length][][];
        for (int s = 0; s < GRADS.length; s++) {
            int t = s + 1;
            for (int i = 0; i < n; i++) {
                double g = GRADS[s][i];
                m[i] = B1 * m[i] + (1 - B1) * g;
                v[i] = B2 * v[i] + (1 - B2) * g * g;
                double mhat = m[i] / (1 - Math.pow(B1, t));
                double vhat = v[i] / (1 - Math.pow(B2, t));
                w[i] -= LRS[s] * (mhat / (Math.sqrt(vhat) + EPS) + lambda * w[i]);
            }
            out[s] = new double[][] {w.clone(), m.clone(), v.clone()};
        }
        return out;
    }

    static Parameter parameter(NDManager m) {
        Parameter p = Parameter.builder().setName("w").setType(Parameter.Type.WEIGHT).build();
        p.setArray(m.create(W0));
        return p;
    }

    /** Float32 against double: within {@code rel} of the expected magnitude (and 1e-12 absolute). */
    static void assertClose(double[] expected, float[] actual, double rel, String what) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], rel * Math.abs(expected[i]) + 1e-12, what + "[" + i + "]");
        }
    }

    void matchesTheHandComputation(float lambda) {
        double[][][] ref = reference(lambda);
        try (NDManager m = NDManager.newBaseManager(Torch.device()); AdamW adam = new AdamW(m).weightDecay(lambda)) {
            Parameter p = parameter(m);
            for (int s = 0; s < GRADS.length; s++) {
                adam.step(List.of(new Pair<>("w", p)), List.of(m.create(GRADS[s])), LRS[s]);
                assertEquals(s + 1, adam.steps());
                assertClose(ref[s][0], p.getArray().toFloatArray(), 1e-6, "weight after step " + (s + 1));
                assertClose(ref[s][1], adam.means().get("w").toFloatArray(), 1e-5, "m after step " + (s + 1));
                assertClose(ref[s][2], adam.variances().get("w").toFloatArray(), 1e-5, "v after step " + (s + 1));
            }
        }
    }

    @Test
    void threeStepsMatchTheHandComputationWithoutWeightDecay() {
        matchesTheHandComputation(0f);
    }

    @Test
    void threeStepsMatchTheHandComputationWithDecoupledWeightDecay() {
        // lambda = 0.5 moves w by lr * 0.5 * w, i.e. up to 3e-2: far outside the tolerance if decay were
        // missing, or coupled (added to the gradient, where Adam's normalisation would shrink it).
        double[] coupled = reference(0)[2][0];
        double[] decoupled = reference(0.5)[2][0];
        assertTrue(Math.abs(coupled[2] - decoupled[2]) > 1e-3);
        matchesTheHandComputation(0.5f);
    }

    @Test
    void matchesDjlsAdamWWithAndWithoutDecay() {
        matchesDjlsAdamW(0.1f);
        matchesDjlsAdamW(0f);
    }

    /** Ours works on flat buffers with its own op sequence, DJL's per parameter: equal up to float rounding. */
    void matchesDjlsAdamW(float lambda) {
        try (NDManager m = NDManager.newBaseManager(Torch.device()); AdamW adam = new AdamW(m).weightDecay(lambda)) {
            Parameter ours = parameter(m);
            NDArray theirs = m.create(W0);
            Optimizer djl = Optimizer.adamW().optLearningRateTracker((ai.djl.training.tracker.Tracker) n -> LRS[n - 1]).optWeightDecays(lambda).build();
            for (int s = 0; s < GRADS.length; s++) {
                adam.step(List.of(new Pair<>("w", ours)), List.of(m.create(GRADS[s])), LRS[s]);
                djl.update("w", theirs, m.create(GRADS[s]));
                assertArrayEquals(theirs.toFloatArray(), ours.getArray().toFloatArray(), 1e-6f, "step " + (s + 1));
            }
        }
    }

    @Test
    void restoredStateContinuesTheSameTrajectory() {
        try (NDManager m = NDManager.newBaseManager(Torch.device()); AdamW a = new AdamW(m); AdamW b = new AdamW(m)) {
            Parameter pa = parameter(m);
            Parameter pb = parameter(m);
            a.step(List.of(new Pair<>("w", pa)), List.of(m.create(GRADS[0])), LRS[0]);
            b.step(List.of(new Pair<>("w", pb)), List.of(m.create(GRADS[0])), LRS[0]);
            try (AdamW c = new AdamW(m)) {
                c.restore(a.steps(), a.means(), a.variances());
                for (int s = 1; s < GRADS.length; s++) {
                    a.step(List.of(new Pair<>("w", pa)), List.of(m.create(GRADS[s])), LRS[s]);
                    c.step(List.of(new Pair<>("w", pb)), List.of(m.create(GRADS[s])), LRS[s]);
                }
                assertArrayEquals(pa.getArray().toFloatArray(), pb.getArray().toFloatArray(), 0f);
                assertEquals(3, c.steps());
            }
        }
    }

    @Test
    void badInputIsNamed() {
        try (NDManager m = NDManager.newBaseManager(Torch.device()); AdamW adam = new AdamW(m)) {
            Parameter p = parameter(m);
            var one = List.of(new Pair<>("w", p));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> adam.step(one, List.of(m.zeros(new ai.djl.ndarray.types.Shape(3))), 0.1f))
                    .getMessage().contains("gradient of w has shape"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> adam.step(one, List.of(m.create(W0)), Float.NaN))
                    .getMessage().contains("learning rate"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> adam.betas(1f, 0.9f)).getMessage().contains("betas"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> adam.restore(1, Map.of("a", m.create(W0)), Map.of()))
                    .getMessage().contains("different parameters"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> adam.step(one, m.zeros(new Shape(3)), 0.1f))
                    .getMessage().contains("flat gradient of shape (4)"));
            assertEquals(0, adam.steps(), "a refused step changes nothing");
            NDArray flat = AdamW.flatten(List.of(m.create(new float[][] {{1f, 2f}, {3f, 4f}}), m.create(new float[] {5f, 6f, 7f})));
            assertArrayEquals(new float[] {1f, 2f, 3f, 4f, 5f, 6f, 7f}, flat.toFloatArray(), 0f, "row-major, parameter after parameter");
        }
    }

    @Test
    void manyParametersOfManyShapesEachMatchDjlsAdamW() {
        // The moments of all parameters share one flat buffer: a wrong offset or shape would mix parameters up.
        Shape[] shapes = {new Shape(3, 4), new Shape(4), new Shape(2, 1, 3, 3), new Shape(1)};
        for (float lambda : new float[] {0f, 0.1f}) {
            Rng rng = new Rng(11);
            try (NDManager m = NDManager.newBaseManager(Torch.device()); AdamW adam = new AdamW(m).weightDecay(lambda)) {
                List<Pair<String, Parameter>> ours = new ArrayList<>();
                List<NDArray> theirs = new ArrayList<>();
                for (int k = 0; k < shapes.length; k++) {
                    NDArray w0 = rng.normal(m, shapes[k]);
                    Parameter p = Parameter.builder().setName("p" + k).setType(Parameter.Type.WEIGHT).build();
                    p.setArray(w0.duplicate());
                    ours.add(new Pair<>("p" + k, p));
                    theirs.add(w0);
                }
                Optimizer djl = Optimizer.adamW().optLearningRateTracker((ai.djl.training.tracker.Tracker) n -> LRS[n - 1])
                        .optWeightDecays(lambda).build();
                for (int s = 0; s < LRS.length; s++) {
                    List<NDArray> grads = new ArrayList<>();
                    for (int k = 0; k < shapes.length; k++) {
                        grads.add(rng.normal(m, shapes[k]));
                        djl.update("p" + k, theirs.get(k), grads.get(k).duplicate());
                    }
                    adam.step(ours, grads, LRS[s]);
                    for (int k = 0; k < shapes.length; k++) {
                        assertArrayEquals(theirs.get(k).toFloatArray(), ours.get(k).getValue().getArray().toFloatArray(),
                                1e-6f, "parameter " + k + " after step " + (s + 1) + ", decay " + lambda);
                        assertEquals(shapes[k], adam.means().get("p" + k).getShape());
                    }
                }
            }
        }
    }

    @Test
    void momentsCarryOverByNameWhenTheParametersChange() {
        // A restored state (or a new parameter list) is laid out again: moments stay with their names, new ones start at 0.
        try (NDManager m = NDManager.newBaseManager(Torch.device()); AdamW a = new AdamW(m)) {
            Parameter w = parameter(m);
            Parameter extra = Parameter.builder().setName("b").setType(Parameter.Type.BIAS).build();
            extra.setArray(m.create(new float[] {1f, 2f}));
            a.step(List.of(new Pair<>("w", w)), List.of(m.create(GRADS[0])), LRS[0]);
            float[] mw = a.means().get("w").toFloatArray();
            a.step(List.of(new Pair<>("b", extra), new Pair<>("w", w)), List.of(m.create(new float[] {0f, 0f}), m.create(GRADS[1])), LRS[1]);
            double[] ref = reference(0)[1][1];
            assertClose(ref, a.means().get("w").toFloatArray(), 1e-5, "m of w after a second step in a new layout");
            assertArrayEquals(new float[] {0f, 0f}, a.means().get("b").toFloatArray(), 0f, "a new parameter's m");
            assertTrue(mw[1] != a.means().get("w").toFloatArray()[1], "m of w moved");
        }
    }
}
