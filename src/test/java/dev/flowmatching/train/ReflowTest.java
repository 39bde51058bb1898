package dev.flowmatching.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import dev.flowmatching.data.Gaussian;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;
import dev.flowmatching.solver.Euler;

class ReflowTest {

    @Test
    void pairsAreTheFlowsImageAndBatchesKeepThemTogether() {
        Rng rng = new Rng(2);
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray shift = m.create(new float[] {3f, -1f});
            // The flow of a constant field c moves every point by c: x1 = x0 + c exactly.
            NDList pairs = Reflow.pairs((x, t) -> x.zerosLike().add(shift), Gaussian.isotropic(new double[] {0, 0}, 1),
                    500, new Euler(), 10, m, rng);
            assertTrue(pairs.get(1).sub(pairs.get(0)).sub(shift).abs().max().getFloat() < 1e-5);
            NDList batch = Reflow.fromPairs(pairs).sample(m, 64, rng);
            assertEquals(64, batch.get(0).getShape().get(0));
            assertTrue(batch.get(1).sub(batch.get(0)).sub(shift).abs().max().getFloat() < 1e-5,
                    "rows of x0 and x1 stay paired in a batch");
            // rows are drawn at random: a batch of 64 out of 500 is not the first 64 rows
            assertTrue(batch.get(0).sub(pairs.get(0).get("0:64")).abs().sum().getFloat() > 1f);
        }
    }
}
