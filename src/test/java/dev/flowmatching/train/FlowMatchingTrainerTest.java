package dev.flowmatching.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ai.djl.engine.Engine;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import dev.flowmatching.path.TimeSampler;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import dev.flowmatching.data.Gaussian;
import dev.flowmatching.metric.Wasserstein;
import dev.flowmatching.model.VelocityModel;
import dev.flowmatching.path.AffinePath;
import dev.flowmatching.path.LinearScheduler;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;
import dev.flowmatching.solver.Euler;

class FlowMatchingTrainerTest {
    static final Gaussian SOURCE = Gaussian.isotropic(new double[] {0, -5}, 1);
    static final Gaussian TARGET = Gaussian.isotropic(new double[] {5, 0}, 1);

    static FlowMatchingTrainer trainer(VelocityModel model, PairSource pairs) {
        return new FlowMatchingTrainer(model, new AffinePath(new LinearScheduler()), pairs)
                .batchSize(256).learningRate(3e-3f).warmupSteps(20);
    }

    @Test
    void aFewHundredStepsCarryTheSourceOntoTheTarget() {
        Rng rng = new Rng(1);
        try (VelocityModel model = VelocityModel.mlp(2, 64, 2, rng);
                NDManager m = NDManager.newBaseManager(Torch.device())) {
            TrainingResult r = trainer(model, PairSource.independent(SOURCE, TARGET)).train(400, rng);
            int n = 500;
            NDArray samples = new Euler().solve(model, SOURCE.sample(m, n, rng), 100).x();
            double w2 = Wasserstein.w2(samples, TARGET.sample(m, n, rng));
            double floor = Wasserstein.noiseFloor(TARGET, n, m, rng);
            double before = Wasserstein.w2(SOURCE.sample(m, n, rng), TARGET.sample(m, n, rng));
            System.out.printf("W2 after training %.3f, noise floor %.3f, untrained distance %.3f, final loss %.3f%n",
                    w2, floor, before, r.finalLoss());
            // Stated bound: within 2x the noise floor of 500-point samples (untrained: ~7, i.e. 20x+ the floor).
            assertTrue(w2 < 2 * floor, "W2 " + w2 + " is not within 2x the noise floor " + floor);
            assertEquals(400, r.steps());
        }
    }

    @Test
    void oneSeedGivesTheSameLossesBitForBit() {
        float[][] runs = new float[2][];
        for (int k = 0; k < 2; k++) {
            Rng rng = new Rng(7);
            try (VelocityModel model = VelocityModel.mlp(2, 32, 2, rng)) {
                runs[k] = trainer(model, PairSource.independent(SOURCE, TARGET)).train(60, rng).losses();
            }
        }
        assertArrayEquals(runs[0], runs[1]);
        Rng other = new Rng(8);
        try (VelocityModel model = VelocityModel.mlp(2, 32, 2, other)) {
            float[] different = trainer(model, PairSource.independent(SOURCE, TARGET)).train(60, other).losses();
            assertTrue(different[59] != runs[0][59], "another seed should give another curve");
        }
    }

    @Test
    void aNanLossStopsWithANamedErrorAndKeepsTheLastGoodWeights() {
        Rng rng = new Rng(3);
        int badStep = 6;
        int[] calls = {0};
        PairSource poisoned = (m, batch, r) -> {
            NDList pair = PairSource.independent(SOURCE, TARGET).sample(m, batch, r);
            return ++calls[0] == badStep ? new NDList(pair.get(0), pair.get(1).mul(Float.NaN)) : pair;
        };
        try (VelocityModel model = VelocityModel.mlp(2, 16, 1, rng)) {
            float[][][] snapshot = new float[1][][];
            TrainingListener keep = info -> snapshot[0] = model.weights();
            FlowMatchingTrainer t = trainer(model, poisoned);
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.train(20, rng, keep));
            assertEquals(badStep, e.step());
            assertTrue(e.getMessage().contains("the loss became NaN at step 6"), e.getMessage());
            assertTrue(e.getMessage().contains("last finite loss") && e.getMessage().contains("at step 5"), e.getMessage());
            float[][] now = model.weights();
            for (int k = 0; k < now.length; k++) {
                assertArrayEquals(snapshot[0][k], now[k], "parameter " + k + " changed by the bad step");
            }
            // Training can go on from the kept weights: the gradients were cleared.
            assertTrue(Float.isFinite(t.train(3, rng).finalLoss()));
        }
    }

    @Test
    void anInterruptEndsTrainingCleanlyAndKeepsTheModel() {
        Rng rng = new Rng(4);
        try (VelocityModel model = VelocityModel.mlp(2, 16, 1, rng)) {
            TrainingListener stopAt3 = info -> {
                if (info.step() == 3) {
                    Thread.currentThread().interrupt();
                }
            };
            TrainingResult r = trainer(model, PairSource.independent(SOURCE, TARGET)).train(50, rng, stopAt3);
            assertTrue(Thread.interrupted(), "the interrupt flag is left for the caller");
            assertTrue(r.interrupted());
            assertEquals(3, r.steps());
            assertEquals(3, r.losses().length);
        }
    }

    @Test
    void gradientsAreClearedAfterEveryStep() {
        // libtorch accumulates gradients; the loop relies on the optimizer update clearing them.
        Rng rng = new Rng(6);
        try (VelocityModel model = VelocityModel.mlp(2, 8, 1, rng)) {
            trainer(model, PairSource.independent(SOURCE, TARGET)).train(2, rng);
            model.block().getParameters().forEach(p -> {
                for (float g : p.getValue().getArray().getGradient().toFloatArray()) {
                    assertEquals(0f, g, p.getKey() + " keeps a gradient after the step");
                }
            });
        }
    }

    @Test
    void badSettingsAreNamed() {
        Rng rng = new Rng(5);
        try (VelocityModel model = VelocityModel.mlp(2, 8, 1, rng)) {
            FlowMatchingTrainer t = trainer(model, PairSource.independent(SOURCE, TARGET));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> t.learningRate(-1f)).getMessage().contains("learning rate"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> t.batchSize(0)).getMessage().contains("batch size"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> t.clipNorm(Float.NaN)).getMessage().contains("clip"));
        }
    }

    @Test
    void theReportedGradientNormIsTheGlobalNormAndClippingCapsTheStep() {
        // Fixed pairs and times, so the first step's gradient can be rebuilt by hand at the same weights.
        float[][] x0 = {{0f, -5f}, {1f, -4f}, {-1f, -6f}};
        float[][] x1 = {{5f, 0f}, {4f, 1f}, {6f, -1f}};
        float[] times = {0.2f, 0.5f, 0.8f};
        PairSource pairs = (sub, b, r) -> new NDList(sub.create(x0), sub.create(x1));
        TimeSampler fixed = new TimeSampler() {
            @Override
            public NDArray sample(NDManager manager, int batch, Rng rng) {
                return manager.create(times);
            }

            @Override
            public String name() {
                return "fixed";
            }
        };
        for (float clip : new float[] {0f, 1e-3f}) {
            try (VelocityModel model = VelocityModel.mlp(2, 16, 2, new Rng(4));
                    NDManager m = NDManager.newBaseManager(Torch.device())) {
                double expected = 0;
                try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray a = m.create(x0);
                    NDArray b = m.create(x1);
                    NDArray t = m.create(times);
                    NDArray xt = a.mul(t.reshape(-1, 1).neg().add(1)).add(b.mul(t.reshape(-1, 1)));
                    gc.backward(model.forward(xt, t, true).sub(b.sub(a)).square().mean());
                }
                for (Pair<String, Parameter> p : model.block().getParameters()) {
                    for (float g : p.getValue().getArray().getGradient().toFloatArray()) {
                        expected += (double) g * g;
                    }
                    p.getValue().getArray().getGradient().subi(p.getValue().getArray().getGradient()); // as it was
                }
                float[] reported = new float[1];
                FlowMatchingTrainer trainer = new FlowMatchingTrainer(model, new AffinePath(new LinearScheduler()), pairs)
                        .timeSampler(fixed).batchSize(3).learningRate(1e-2f).warmupSteps(0).clipNorm(clip);
                trainer.train(1, new Rng(1), info -> reported[0] = info.gradNorm());
                double norm = Math.sqrt(expected);
                assertEquals(norm, reported[0], 1e-5 * norm, "global gradient norm, clip " + clip);
                // After one step Adam's first moment is (1 - beta1) times the gradient it was given: the clipped one.
                double m2 = 0;
                for (NDArray a : trainer.optimizer().means().values()) {
                    for (float v : a.toFloatArray()) {
                        m2 += (double) v * v;
                    }
                }
                double given = clip > 0 ? Math.min(norm, clip) : norm;
                assertEquals(given, Math.sqrt(m2) / (1 - trainer.optimizer().beta1()), 1e-4 * given,
                        "norm of the gradient AdamW received, clip " + clip + " (unclipped " + norm + ")");
            }
        }
    }
}
