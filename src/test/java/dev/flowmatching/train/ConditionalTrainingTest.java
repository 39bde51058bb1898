package dev.flowmatching.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import dev.flowmatching.data.Gaussian;
import dev.flowmatching.model.GuidedVelocity;
import dev.flowmatching.model.VelocityModel;
import dev.flowmatching.path.AffinePath;
import dev.flowmatching.path.LinearScheduler;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;
import dev.flowmatching.solver.Euler;

/** Class-conditional training: labels reach the model, label dropout, and what a conditional flow learns. */
class ConditionalTrainingTest {
    static final float[][] MEANS = {{-4f, 0f}, {4f, 0f}, {0f, 4f}};
    static final float SPREAD = 0.3f;

    /** Class k is a small Gaussian at MEANS[k]; labels uniform over the three classes. */
    static NDList mixture(NDManager m, int batch, Rng rng) {
        SplittableRandom r = rng.java();
        int[] labels = new int[batch];
        float[][] centres = new float[batch][];
        for (int i = 0; i < batch; i++) {
            labels[i] = r.nextInt(MEANS.length);
            centres[i] = MEANS[labels[i]];
        }
        NDArray x = m.create(centres).add(rng.normal(m, new Shape(batch, 2)).mul(SPREAD));
        return new NDList(x, m.create(labels));
    }

    /** A stand-in network that records the labels it is trained with: v = W x + b. */
    static final class LabelSpy extends AbstractBlock {
        final List<int[]> seen = new ArrayList<>();
        final Linear linear = addChildBlock("linear", Linear.builder().setUnits(2).build());

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
            if (training) {
                seen.add(in.get(2).toIntArray());
            }
            return linear.forward(ps, new NDList(in.get(0)), training);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0]};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            linear.initialize(manager, dataType, inputShapes[0]);
        }
    }

    /** Labels i mod 3 in batch row i, so a test can tell which survived dropout. */
    static final LabelledData ROW_LABELS = (m, batch, rng) -> {
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = i % 3;
        }
        return new NDList(m.zeros(new Shape(batch, 2)), m.create(labels));
    };

    static double nullFraction(Float p, int steps, int batch) {
        Rng rng = new Rng(11);
        LabelSpy spy = new LabelSpy();
        try (VelocityModel model = new VelocityModel(spy, new long[] {2}, 3, rng)) {
            FlowMatchingTrainer t = new FlowMatchingTrainer(model, new AffinePath(new LinearScheduler()),
                    PairSource.labelled(ROW_LABELS)).batchSize(batch);
            if (p != null) {
                t.labelDropout(p);
            }
            t.train(steps, rng);
        }
        assertEquals(steps, spy.seen.size());
        int dropped = 0;
        for (int[] labels : spy.seen) {
            for (int i = 0; i < labels.length; i++) {
                assertTrue(labels[i] == 3 || labels[i] == i % 3, "row " + i + " got label " + labels[i]);
                dropped += labels[i] == 3 ? 1 : 0;
            }
        }
        return (double) dropped / (steps * batch);
    }

    @Test
    void labelDropoutReplacesAboutPOfTheLabelsByTheNullClass() {
        // 5000 labels: the standard error of the fraction is under 0.007, the margins are 4+ of them.
        assertEquals(0.3, nullFraction(0.3f, 5, 1000), 0.03);
        assertEquals(0.1, nullFraction(null, 5, 1000), 0.03, "the default for a conditional model is 0.1");
        assertEquals(0.0, nullFraction(0f, 2, 1000), 0.0);
    }

    static float[] mean(NDArray points) {
        return points.mean(new int[] {0}).toFloatArray();
    }

    static int nearest(float x, float y) {
        int best = 0;
        for (int k = 1; k < MEANS.length; k++) {
            if (Math.hypot(x - MEANS[k][0], y - MEANS[k][1]) < Math.hypot(x - MEANS[best][0], y - MEANS[best][1])) {
                best = k;
            }
        }
        return best;
    }

    static int ofClass(float[] xy, int k) {
        int count = 0;
        for (int i = 0; i < xy.length / 2; i++) {
            count += nearest(xy[2 * i], xy[2 * i + 1]) == k ? 1 : 0;
        }
        return count;
    }

    @Test
    void aConditionalFlowSendsEachClassToItsGaussianAndTheNullClassToTheMixture() {
        Rng rng = new Rng(12);
        Gaussian noise = Gaussian.isotropic(new double[] {0, 0}, 1);
        int n = 300;
        try (VelocityModel model = VelocityModel.mlp(2, 64, 2, 3, rng);
                NDManager m = NDManager.newBaseManager(Torch.device())) {
            new FlowMatchingTrainer(model, new AffinePath(new LinearScheduler()), PairSource.labelled(ConditionalTrainingTest::mixture))
                    .batchSize(128).learningRate(3e-3f).warmupSteps(20).train(300, rng);
            NDArray start = noise.sample(m, n, rng);
            for (int k = 0; k < MEANS.length; k++) {
                NDArray labels = m.full(new Shape(n), k, DataType.INT32);
                NDArray conditional = new Euler().solve(model.conditional(labels), start, 50).x();
                float[] c = mean(conditional);
                double off = Math.hypot(c[0] - MEANS[k][0], c[1] - MEANS[k][1]);
                System.out.printf("class %d: conditional samples centre %.3f from the class mean%n", k, off);
                // Stated bound: the class mean within 0.5 (the classes are 4 to 8 apart).
                assertTrue(off < 0.5, "class " + k + " samples centre at (" + c[0] + ", " + c[1] + ")");
                for (NDArray samples : List.of(conditional, new Euler().solve(new GuidedVelocity(model, labels, 2f), start, 50).x())) {
                    // Conditional and guided (w = 2) samples land in their class: 95% of them nearest its mean.
                    assertTrue(ofClass(samples.toFloatArray(), k) >= 0.95 * n, "class " + k);
                }
            }
            float[] x = new Euler().solve(model, start, 50).x().toFloatArray();
            int[] counts = new int[MEANS.length];
            for (int i = 0; i < n; i++) {
                counts[nearest(x[2 * i], x[2 * i + 1])]++;
            }
            System.out.println("unconditional samples nearest each class: " + java.util.Arrays.toString(counts));
            for (int k = 0; k < MEANS.length; k++) {
                // Unconditional samples cover all three classes (a third each; stated band 15%..55%).
                assertTrue(counts[k] > 0.15 * n && counts[k] < 0.55 * n, "class " + k + ": " + counts[k] + " of " + n);
            }
        }
    }

    @Test
    void theArraysAStepLeavesBehindDoNotGrowWithTheSteps() {
        // Conditional model, label dropout, EMA, clipping and weight decay: every per-step array must be freed.
        Rng rng = new Rng(15);
        try (VelocityModel model = VelocityModel.mlp(2, 16, 2, 3, rng)) {
            FlowMatchingTrainer t = new FlowMatchingTrainer(model, new AffinePath(new LinearScheduler()),
                    PairSource.labelled(ConditionalTrainingTest::mixture)).batchSize(32).clipNorm(0.01f)
                    .weightDecay(0.01f).ema(0.99f);
            t.train(3, rng);
            int after3 = model.manager().getManagedArrays().size();
            t.train(30, rng);
            assertEquals(after3, model.manager().getManagedArrays().size(), "arrays held by the model's manager");
        }
    }

    @Test
    void aConditionalModelWithoutLabelsOrDropoutOnAPlainModelIsNamed() {
        Rng rng = new Rng(13);
        Gaussian g = Gaussian.isotropic(new double[] {0, 0}, 1);
        try (VelocityModel conditional = VelocityModel.mlp(2, 8, 1, 3, rng); VelocityModel plain = VelocityModel.mlp(2, 8, 1, rng)) {
            FlowMatchingTrainer t = new FlowMatchingTrainer(conditional, new AffinePath(new LinearScheduler()),
                    PairSource.independent(g, g));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> t.train(1, rng)).getMessage()
                    .contains("conditional on 3 classes but the pair source gives no labels"));
            FlowMatchingTrainer p = new FlowMatchingTrainer(plain, new AffinePath(new LinearScheduler()),
                    PairSource.independent(g, g));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> p.labelDropout(0.1f)).getMessage()
                    .contains("class-conditional"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> t.labelDropout(1.5f)).getMessage()
                    .contains("probability"));
            // An unconditional model trains on labelled data, ignoring the labels.
            assertTrue(Float.isFinite(new FlowMatchingTrainer(plain, new AffinePath(new LinearScheduler()),
                    PairSource.labelled(ConditionalTrainingTest::mixture)).train(2, rng).finalLoss()));
        }
    }

    @Test
    void aLabelledSourcePairsNoiseOfTheDataShapeWithTheData() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDList batch = PairSource.labelled(ConditionalTrainingTest::mixture).sample(m, 4000, new Rng(14));
            assertEquals(3, batch.size());
            assertEquals(new Shape(4000, 2), batch.get(0).getShape());
            NDArray x0 = batch.get(0);
            // Standard normal: mean ~0 (se 0.016), variance ~1 (se 0.022 per coordinate).
            for (float mu : mean(x0)) {
                assertEquals(0, mu, 0.07);
            }
            for (float var : x0.square().mean(new int[] {0}).toFloatArray()) {
                assertEquals(1, var, 0.1);
            }
            // x1 and labels come from the data unchanged: each point sits by its label's mean.
            float[] x1 = batch.get(1).toFloatArray();
            int[] labels = batch.get(2).toIntArray();
            for (int i = 0; i < labels.length; i++) {
                assertEquals(labels[i], nearest(x1[2 * i], x1[2 * i + 1]));
            }
            LabelledData wrong = (mm, b, r) -> new NDList(mm.zeros(new Shape(b, 2)), mm.zeros(new Shape(b, 1), DataType.INT32));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> PairSource.labelled(wrong).sample(m, 3, new Rng(1)))
                    .getMessage().contains("labels (3)"));
        }
    }
}
