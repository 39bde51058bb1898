package dev.flowmatching.coupling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.flowmatching.data.Gaussian;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;
import dev.flowmatching.train.PairSource;

class CouplingTest {
    static final List<Coupling> PERMUTING = List.of(Coupling.independent(), Coupling.exactOt(), Coupling.sort(),
            new SortCoupling(new double[] {1, 1}));

    @Test
    void couplingsReturnAPermutationOfTheInputs() {
        Random r = new Random(1);
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            for (Coupling c : PERMUTING) {
                float[][] x0 = Batch.cloud(r, 33, 2, 1);
                float[][] x1 = Batch.cloud(r, 33, 2, 3);
                NDList pairs = c.pair(m.create(x0), m.create(x1), new Rng(2));
                assertEquals(2, pairs.size());
                assertEquals(new Shape(33, 2), pairs.get(0).getShape(), c.name());
                assertEquals(new Shape(33, 2), pairs.get(1).getShape(), c.name());
                assertEquals(Batch.multiset(x0), Batch.multiset(Batch.rows(pairs.get(0))), c.name() + ": x0 rows");
                assertEquals(Batch.multiset(x1), Batch.multiset(Batch.rows(pairs.get(1))), c.name() + ": x1 rows");
            }
        }
    }

    @Test
    void theIndependentCouplingPairsAsDrawn() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray a = m.randomNormal(new Shape(5, 3));
            NDArray b = m.randomNormal(new Shape(5, 3));
            NDList pairs = Coupling.independent().pair(a, b, new Rng(0));
            assertTrue(pairs.get(0) == a && pairs.get(1) == b);
        }
    }

    @Test
    void keepsTheDataTypeOfTheBatch() {
        Random r = new Random(3);
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            float[][] x0 = Batch.cloud(r, 6, 2, 1);
            float[][] x1 = Batch.cloud(r, 6, 2, 1);
            NDArray a = m.create(x0).toType(DataType.FLOAT64, false);
            NDArray b = m.create(x1).toType(DataType.FLOAT64, false);
            NDList pairs = Coupling.exactOt().pair(a, b, new Rng(0));
            assertEquals(DataType.FLOAT64, pairs.get(1).getDataType());
            double[] got = pairs.get(1).toDoubleArray();
            float[] expected = Coupling.exactOt().pair(m.create(x0), m.create(x1), new Rng(0)).get(1).toFloatArray();
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 0, "float64 and float32 batches pair alike");
            }
        }
    }

    @Test
    void mismatchedBatchesAreNamed() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            for (Coupling c : List.of(Coupling.independent(), Coupling.exactOt(), Coupling.sort(), Coupling.sinkhorn(0.1))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> c.pair(m.zeros(new Shape(4, 2)), m.zeros(new Shape(5, 2)), new Rng(0)), c.name());
                assertTrue(e.getMessage().contains("(4, 2)") && e.getMessage().contains("(5, 2)"), e.getMessage());
                e = assertThrows(IllegalArgumentException.class,
                        () -> c.pair(m.zeros(new Shape(0, 2)), m.zeros(new Shape(0, 2)), new Rng(0)), c.name());
                assertTrue(e.getMessage().contains("non-empty"), e.getMessage());
            }
        }
    }

    @Test
    void aCoupledPairSourcePairsOneDrawOfEachDistribution() {
        Gaussian source = Gaussian.isotropic(new double[] {0, 0}, 1);
        Gaussian target = Gaussian.isotropic(new double[] {4, 0}, 0.5);
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDList drawn = PairSource.independent(source, target).sample(m, 64, new Rng(9));
            NDList coupled = PairSource.coupled(source, target, Coupling.exactOt()).sample(m, 64, new Rng(9));
            float[][] x0 = Batch.rows(drawn.get(0));
            float[][] x1 = Batch.rows(drawn.get(1));
            assertArrayEquals(drawn.get(0).toFloatArray(), coupled.get(0).toFloatArray(), "the same sources");
            assertEquals(Batch.multiset(x1), Batch.multiset(Batch.rows(coupled.get(1))), "the same targets, re-ordered");
            double random = Batch.pairedCost(x0, x1);
            double ot = Batch.pairedCost(x0, Batch.rows(coupled.get(1)));
            assertArrayEquals(Coupling.exactOt().pair(drawn.get(0), drawn.get(1), new Rng(0)).get(1).toFloatArray(),
                    coupled.get(1).toFloatArray(), "the pairs of the coupling itself");
            assertTrue(ot < random, "OT pairs cost " + ot + ", the pairs as drawn " + random);
            // Sinkhorn draws from the same batches too: a second Rng draw after the two samples
            NDList soft = PairSource.coupled(source, target, Coupling.sinkhorn(0.05)).sample(m, 64, new Rng(9));
            assertArrayEquals(drawn.get(0).toFloatArray(), soft.get(0).toFloatArray());
            List<String> targets = Batch.multiset(x1);
            for (float[] row : Batch.rows(soft.get(1))) {
                assertTrue(targets.contains(Arrays.toString(row)));
            }
        }
    }
}
