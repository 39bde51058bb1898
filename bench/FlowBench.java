import java.util.Arrays;
import java.util.Locale;

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
import dev.flowmatching.train.StepInfo;
import dev.flowmatching.train.TrainingListener;

/**
 * Times the 2D flow-matching workloads of notebook 01 in Java, for bench/compare.py to set beside PyTorch:
 * one training step of a 3 x 256 MLP on a batch of 256, and Euler sampling of 2,000 points in 100 steps.
 * Prints one JSON line per workload with every timing in milliseconds.
 *
 *   java -cp target/flow-matching.jar:target/lib/* FlowBench.java [trainSteps] [sampleRuns]
 */
public final class FlowBench {
    public static void main(String[] args) {
        int trainSteps = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int sampleRuns = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        Rng rng = new Rng(0);
        Gaussian source = Gaussian.isotropic(new double[] {0, -5}, 1);
        Gaussian target = Gaussian.isotropic(new double[] {5, 0}, 1);
        try (VelocityModel model = VelocityModel.mlp(2, 256, 3, rng);
                NDManager manager = NDManager.newBaseManager(Torch.device())) {
            FlowMatchingTrainer trainer = new FlowMatchingTrainer(model, new AffinePath(new LinearScheduler()),
                    PairSource.independent(source, target)).batchSize(256).learningRate(1e-3f).warmupSteps(100).clipNorm(1f);
            trainer.train(100, rng); // warm-up: JIT, allocator, libtorch's first calls
            double[] step = new double[trainSteps];
            long[] last = {System.nanoTime()};
            int[] i = {0};
            TrainingListener timer = (StepInfo info) -> {
                long now = System.nanoTime();
                step[i[0]++] = (now - last[0]) / 1e6;
                last[0] = now;
            };
            last[0] = System.nanoTime();
            trainer.train(trainSteps, rng, timer);
            print("train_step", step);

            NDArray start = source.sample(manager, 2000, rng);
            Euler euler = new Euler();
            for (int k = 0; k < 5; k++) {
                euler.solve(model, start, 100).x().close();
            }
            double[] sample = new double[sampleRuns];
            for (int k = 0; k < sampleRuns; k++) {
                long t0 = System.nanoTime();
                NDArray x = euler.solve(model, start, 100).x();
                x.toFloatArray(); // wait for the result, as the Python side does with .cpu()
                sample[k] = (System.nanoTime() - t0) / 1e6;
                x.close();
            }
            print("euler_100_steps_2000_points", sample);
        }
    }

    private static void print(String name, double[] ms) {
        String values = Arrays.stream(ms).mapToObj(v -> String.format(Locale.ROOT, "%.4f", v))
                .reduce((a, b) -> a + "," + b).orElse("");
        System.out.println("{\"name\": \"" + name + "\", \"ms\": [" + values + "]}");
    }
}
