package dev.flowmatching.coupling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import dev.flowmatching.metric.Assignment;
import dev.flowmatching.runtime.Rng;
import dev.flowmatching.runtime.Torch;

class SinkhornCouplingTest {

    static double[][] cost(Random r, int b) {
        return Batch.costMatrix(Batch.cloud(r, b, 2, 1), Batch.cloud(r, b, 2, 2));
    }

    /** The exact OT cost sum_ij P_ij C_ij of uniform weights 1/B: the mean cost of the optimal permutation. */
    static double exactCost(double[][] c) {
        int[] match = Assignment.solve(c);
        double s = 0;
        for (int i = 0; i < c.length; i++) {
            s += c[i][match[i]];
        }
        return s / c.length;
    }

    @Test
    void thePlanHasMarginalsOneOverBWithinTheTolerance() {
        Random r = new Random(1);
        int b = 64;
        double[][] c = cost(r, b);
        for (double tol : new double[] {1e-2, 1e-4}) {
            SinkhornCoupling.Plan plan = new SinkhornCoupling(0.05, 10_000, tol).plan(c);
            double rowError = 0;
            double total = 0;
            double[] columns = new double[b];
            for (int i = 0; i < b; i++) {
                double row = 0;
                for (int j = 0; j < b; j++) {
                    assertTrue(plan.weights()[i][j] >= 0);
                    row += plan.weights()[i][j];
                    columns[j] += plan.weights()[i][j];
                }
                rowError += Math.abs(row - 1.0 / b);
                total += row;
            }
            assertTrue(rowError <= tol, "row marginal error " + rowError + " > " + tol);
            assertEquals(rowError, plan.marginalError(), 1e-12, "the reported error is the row error");
            for (int j = 0; j < b; j++) {
                assertEquals(1.0 / b, columns[j], 1e-12, "column " + j);
            }
            assertEquals(1, total, tol);
            assertTrue(plan.iterations() >= 1);
            double mean = Arrays.stream(c).flatMapToDouble(Arrays::stream).average().orElseThrow();
            assertEquals(0.05 * mean, plan.epsilon(), 1e-12 * mean, "epsilon is relative to the mean cost");
        }
    }

    @Test
    void theTransportCostTendsToTheExactOtCostAsEpsilonShrinks() {
        Random r = new Random(2);
        double[][] c = cost(r, 48);
        double exact = exactCost(c);
        double previousGap = Double.POSITIVE_INFINITY;
        for (double eps : new double[] {1, 0.3, 0.1, 0.03, 0.01, 0.003}) {
            SinkhornCoupling.Plan plan = new SinkhornCoupling(eps, 200_000, 1e-4).plan(c);
            double gap = plan.cost(c) - exact;
            System.out.printf("Sinkhorn B=48 epsilon %-5s: %5d iterations, cost %.5f vs exact %.5f (gap %.2e)%n",
                    eps, plan.iterations(), plan.cost(c), exact, gap);
            assertTrue(gap > -1e-5 * exact, "no plan with these marginals costs less than the exact OT plan: " + gap);
            assertTrue(gap < previousGap, "the gap grew from " + previousGap + " to " + gap + " at epsilon " + eps);
            previousGap = gap;
        }
        assertTrue(previousGap < 0.01 * exact, "at epsilon 0.003 the cost is " + previousGap + " above exact " + exact);
        // and at large epsilon the plan is close to the independent one, whose cost is the mean cost
        double mean = Arrays.stream(c).flatMapToDouble(Arrays::stream).average().orElseThrow();
        assertEquals(mean, new SinkhornCoupling(1000).plan(c).cost(c), 0.01 * mean);
    }

    @Test
    void equalsPlainSinkhornWhereThatDoesNotUnderflow() {
        // The textbook kernel form (Cuturi 2013): u = a / (K v), v = b / (K^T u), K = exp(-C / eps), P = diag(u) K diag(v).
        Random r = new Random(7);
        int b = 30;
        double[][] c = cost(r, b);
        SinkhornCoupling.Plan plan = new SinkhornCoupling(0.2, 10_000, 1e-12).plan(c);
        double eps = plan.epsilon();
        double[][] k = new double[b][b];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < b; j++) {
                k[i][j] = Math.exp(-c[i][j] / eps);
            }
        }
        double[] u = new double[b];
        double[] v = new double[b];
        Arrays.fill(v, 1);
        for (int it = 0; it < 5000; it++) {
            for (int i = 0; i < b; i++) {
                double s = 0;
                for (int j = 0; j < b; j++) {
                    s += k[i][j] * v[j];
                }
                u[i] = 1.0 / b / s;
            }
            for (int j = 0; j < b; j++) {
                double s = 0;
                for (int i = 0; i < b; i++) {
                    s += k[i][j] * u[i];
                }
                v[j] = 1.0 / b / s;
            }
        }
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < b; j++) {
                assertEquals(u[i] * k[i][j] * v[j], plan.weights()[i][j], 1e-12, "P[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void notConvergingIsANamedError() {
        double[][] c = cost(new Random(3), 32);
        SinkhornNotConvergedException e = assertThrows(SinkhornNotConvergedException.class,
                () -> new SinkhornCoupling(0.001, 3, 1e-9).plan(c));
        assertTrue(e.getMessage().contains("epsilon 0.001") && e.getMessage().contains("after 3 iterations")
                && e.getMessage().contains("marginal error"), e.getMessage());
        assertEquals(3, e.iterations());
        assertTrue(e.marginalError() > 1e-9);
        assertThrows(IllegalStateException.class, () -> new SinkhornCoupling(0.001, 3, 1e-9).plan(c));
    }

    @Test
    void drawsEachRowsPartnerFromThatRowsConditional() {
        // Three points each side: over many draws, row i is paired with column j with frequency B P_ij.
        float[][] x0 = {{0, 0}, {1, 0}, {2, 0}};
        float[][] x1 = {{0.2f, 1}, {1.5f, 1}, {1.9f, 1}};
        SinkhornCoupling sinkhorn = new SinkhornCoupling(0.5);
        double[][] p = sinkhorn.plan(Batch.costMatrix(x0, x1)).weights();
        int draws = 20_000;
        int[][] counts = new int[3][3];
        Rng rng = new Rng(4);
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray a = m.create(x0);
            NDArray b = m.create(x1);
            for (int k = 0; k < draws; k++) {
                try (NDManager sub = m.newSubManager()) {
                    b.tempAttach(sub);
                    float[][] partners = Batch.rows(sinkhorn.pair(a, b, rng).get(1));
                    for (int i = 0; i < 3; i++) {
                        for (int j = 0; j < 3; j++) {
                            if (Arrays.equals(partners[i], x1[j])) {
                                counts[i][j]++;
                            }
                        }
                    }
                }
            }
        }
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double q = 3 * p[i][j];
                double se = Math.sqrt(q * (1 - q) / draws);
                assertEquals(q, counts[i][j] / (double) draws, 4 * se + 1e-9, "row " + i + ", column " + j);
            }
            assertEquals(draws, Arrays.stream(counts[i]).sum(), "every draw is one of x1's rows");
        }
    }

    @Test
    void keepsX0DrawsTargetsFromX1AndRepeatsWithTheSeed() {
        Random r = new Random(5);
        float[][] x0 = Batch.cloud(r, 40, 2, 1);
        float[][] x1 = Batch.cloud(r, 40, 2, 1);
        try (NDManager m = NDManager.newBaseManager(Torch.device())) {
            NDArray a = m.create(x0);
            NDList pairs = new SinkhornCoupling(0.1).pair(a, m.create(x1), new Rng(6));
            assertTrue(pairs.get(0) == a);
            java.util.List<String> targets = Batch.multiset(x1);
            for (float[] row : Batch.rows(pairs.get(1))) {
                assertTrue(targets.contains(Arrays.toString(row)), "not a row of x1: " + Arrays.toString(row));
            }
            NDList again = new SinkhornCoupling(0.1).pair(a, m.create(x1), new Rng(6));
            assertArrayEquals(pairs.get(1).toFloatArray(), again.get(1).toFloatArray(), "same seed, same pairs");
            // at a small epsilon the plan is nearly the optimal permutation, and so are the draws
            float[][] optimal = Batch.rows(new ExactOtCoupling().pair(a, m.create(x1), new Rng(7)).get(1));
            float[][] sharp = Batch.rows(new SinkhornCoupling(0.001, 100_000, 1e-3).pair(a, m.create(x1), new Rng(7)).get(1));
            float[][] blurred = Batch.rows(new SinkhornCoupling(1).pair(a, m.create(x1), new Rng(7)).get(1));
            int same = 0;
            for (int i = 0; i < x0.length; i++) {
                same += Arrays.equals(optimal[i], sharp[i]) ? 1 : 0;
            }
            assertTrue(same >= 30, same + " of 40 draws are the optimal partner"); // 33 measured: near-ties stay blurred
            double exactCost = Batch.pairedCost(x0, optimal);
            assertEquals(exactCost, Batch.pairedCost(x0, sharp), 0.05 * exactCost);
            assertTrue(Batch.pairedCost(x0, blurred) > 2 * exactCost, "epsilon 1 pairs nearly at random");
        }
    }

    @Test
    void badOptionsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SinkhornCoupling(0)).getMessage()
                .contains("epsilon"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SinkhornCoupling(0.1, 0, 1e-3))
                .getMessage().contains("maxIterations"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SinkhornCoupling(0.1, 10, 0))
                .getMessage().contains("tolerance"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new SinkhornCoupling(0.1).plan(new double[][] {{0, 1}, {Double.NaN, 0}})).getMessage()
                .contains("cost[1][0]"));
        // all points equal: every plan is optimal, and the uniform one comes back
        SinkhornCoupling.Plan flat = new SinkhornCoupling(0.1).plan(new double[3][3]);
        assertEquals(1.0 / 9, flat.weights()[2][1], 1e-12);
    }
}
