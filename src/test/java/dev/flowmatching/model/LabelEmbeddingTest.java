package dev.flowmatching.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

import dev.flowmatching.runtime.Torch;

class LabelEmbeddingTest {
    @Test
    void eachLabelSelectsItsRowOfTheTable() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            LabelEmbedding emb = new LabelEmbedding(3, 5);
            emb.initialize(m, DataType.FLOAT32, new Shape(4));
            // Linear stores its weight as (dim, classes + 1): column k is label k's vector.
            NDArray weight = emb.getParameters().get(0).getValue().getArray();
            NDArray out = emb.forward(new ParameterStore(m, false), new NDList(m.create(new int[] {2, 0, 3, 2})), false)
                    .singletonOrThrow();
            int[] ids = {2, 0, 3, 2};
            for (int i = 0; i < ids.length; i++) {
                float[] expected = weight.get(":, " + ids[i]).toFloatArray();
                assertArrayEquals(expected, out.get(i).toFloatArray(), 0f, "row " + i);
            }
        }
    }

    @Test
    void rejectsLabelsThatAreNotAVector() {
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            LabelEmbedding emb = new LabelEmbedding(3, 5);
            emb.initialize(m, DataType.FLOAT32, new Shape(4));
            var e = assertThrows(IllegalArgumentException.class, () -> emb.forward(new ParameterStore(m, false),
                    new NDList(m.create(new int[][] {{1, 2}})), false));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("(B)"), e.getMessage());
        }
    }
}
