package dev.flowmatching.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;

import dev.flowmatching.model.Ema;
import dev.flowmatching.model.VelocityModel;
import dev.flowmatching.runtime.CellThread;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;
import dev.flowmatching.solver.Euler;

/**
 * A notebook cell run after a pause runs on a new thread, where libtorch records gradients by default. There,
 * training (AdamW and the EMA write weights in place), checkpoints and sampling must behave exactly as on the
 * thread that started the engine, and sampling must record nothing.
 */
class CellThreadTest {
    @TempDir
    Path dir;

    /** 6 steps with EMA, a checkpoint into a second model, 2 more steps, 10 Euler steps with the average. */
    static float[][] trainSaveLoadSample(Path file) {
        Rng rng = new Rng(7);
        try (VelocityModel a = CheckpointTest.model(1); VelocityModel b = CheckpointTest.model(2);
                NDManager m = NDManager.newBaseManager(Torch.device())) {
            FlowMatchingTrainer first = CheckpointTest.trainer(a);
            float[] losses = first.train(6, rng).losses();
            Checkpoint.save(file, first, rng);
            FlowMatchingTrainer second = CheckpointTest.trainer(b);
            Checkpoint.load(file, second);
            float[] more = second.train(2, rng).losses();
            NDArray noise = rng.normal(m, new Shape(50, 2));
            float[] samples;
            try (Ema.Applied average = second.ema().apply()) {
                samples = new Euler().solve(b.conditional(m.zeros(new Shape(50), DataType.INT32)),
                        noise, 10).x().toFloatArray();
            }
            return new float[][] {losses, more, samples, b.weights()[0]};
        }
    }

    @Test
    void aCellThreadTrainsSavesLoadsAndSamplesAsTheEngineThreadDoes() {
        float[][] engineThread = trainSaveLoadSample(dir.resolve("engine.ckpt"));
        float[][] cellThread = CellThread.call(() -> trainSaveLoadSample(dir.resolve("cell.ckpt")));
        String[] what = {"losses", "losses after the checkpoint", "samples", "first weight"};
        for (int k = 0; k < what.length; k++) {
            assertArrayEquals(engineThread[k], cellThread[k], 0f, what[k]);
        }
    }

    @Test
    void samplingOnACellThreadRecordsNothingAndLeavesTheThreadsModeAlone() {
        String refusal = CellThread.call(() -> {
            Rng rng = new Rng(3);
            try (VelocityModel model = VelocityModel.mlp(2, 16, 2, rng);
                    NDManager m = NDManager.newBaseManager(Torch.device())) {
                NDArray x = new Euler().solve(model, rng.normal(m, new Shape(20, 2)), 5).x();
                assertTrue(JniUtils.isGradMode(), "the thread's own mode is put back");
                try (GradientCollector gc = Torch.engine().newGradientCollector()) {
                    // Recorded, this would reach the weights through all 5 steps' graphs.
                    return assertThrows(RuntimeException.class, () -> gc.backward(x.sum())).getMessage();
                }
            }
        });
        assertTrue(refusal.contains("does not require grad"), refusal);
    }
}
