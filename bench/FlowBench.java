import java.io.IOException;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import dev.flowmatching.data.Gaussian;
import dev.flowmatching.model.VelocityModel;
import dev.flowmatching.path.AffinePath;
import dev.flowmatching.path.LinearScheduler;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;
import dev.flowmatching.solver.Euler;
import dev.flowmatching.train.FlowMatchingTrainer;
import dev.flowmatching.train.PairSource;

/**
 * The 2D flow-matching workloads of notebook 01 in Java, served to bench/compare.py (through {@link BenchServer})
 * in turns with bench/flow_bench.py: {@code train_step}, one training step of a 3 x 256 MLP on a batch of 256,
 * and {@code euler_100_steps_2000_points}, Euler sampling of 2,000 points in 100 steps.
 */
public final class FlowBench {
    public static void main(String[] args) throws IOException {
        Rng rng = new Rng(0);
        Gaussian source = Gaussian.isotropic(new double[] {0, -5}, 1);
        Gaussian target = Gaussian.isotropic(new double[] {5, 0}, 1);
        try (VelocityModel model = VelocityModel.mlp(2, 256, 3, rng);
                NDManager manager = NDManager.newBaseManager(Torch.device())) {
            FlowMatchingTrainer trainer = new FlowMatchingTrainer(model, new AffinePath(new LinearScheduler()),
                    PairSource.independent(source, target)).batchSize(256).learningRate(1e-3f).warmupSteps(100).clipNorm(1f);
            NDArray start = source.sample(manager, 2000, rng);
            Euler euler = new Euler();
            BenchServer.serve(Map.of(
                    "train_step", n -> BenchServer.steps(trainer, rng, n),
                    "euler_100_steps_2000_points", n -> BenchServer.each(n, () -> {
                        NDArray x = euler.solve(model, start, 100).x();
                        x.toFloatArray(); // wait for the result, as the Python side does with .tolist()
                        x.close();
                    })));
        }
    }
}
