package dev.flowmatching.metric;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.BiFunction;

import org.junit.jupiter.api.Test;

class AssignmentTest {

    /** The total cost of {@code match}, after checking that it is a permutation. */
    static double costOf(double[][] cost, int[] match) {
        int n = cost.length;
        assertEquals(n, match.length);
        boolean[] taken = new boolean[n];
        double s = 0;
        for (int i = 0; i < n; i++) {
            assertTrue(match[i] >= 0 && match[i] < n && !taken[match[i]], "not a permutation at row " + i);
            taken[match[i]] = true;
            s += cost[i][match[i]];
        }
        return s;
    }

    static double[][] matrix(int n, BiFunction<Integer, Integer, Double> entry) {
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                c[i][j] = entry.apply(i, j);
            }
        }
        return c;
    }

    /** Squared distances from n standard normal points to n points around eight blobs on a circle of radius 5. */
    static double[][] blobs(Random r, int n) {
        double[][] x0 = new double[n][2];
        double[][] x1 = new double[n][2];
        for (int i = 0; i < n; i++) {
            x0[i][0] = r.nextGaussian();
            x0[i][1] = r.nextGaussian();
            double angle = r.nextInt(8) * Math.PI / 4;
            x1[i][0] = 5 * Math.cos(angle) + 0.5 * r.nextGaussian();
            x1[i][1] = 5 * Math.sin(angle) + 0.5 * r.nextGaussian();
        }
        return matrix(n, (i, j) -> {
            double dx = x0[i][0] - x1[j][0];
            double dy = x0[i][1] - x1[j][1];
            return dx * dx + dy * dy;
        });
    }

    static double[] flat(double[][] c) {
        int n = c.length;
        double[] f = new double[n * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(c[i], 0, f, i * n, n);
        }
        return f;
    }

    /**
     * The matchings to check: the default, and with the auction's bid cap at 0 (every row matched by an
     * augmenting path) and at 1 (rounds cut short), which the small cases would otherwise hardly reach.
     */
    static int[][] solutions(double[][] c) {
        return new int[][] {Assignment.solve(c), new JonkerVolgenant(flat(c), c.length, 0).solve(),
            new JonkerVolgenant(flat(c), c.length, 1).solve()};
    }

    private static void assertOptimal(double[][] c, String what) {
        double best = Permutations.minCost(c);
        for (int[] match : solutions(c)) {
            assertEquals(best, costOf(c, match), 1e-12 * (1 + Math.abs(best)), what);
        }
    }

    @Test
    void equalsBruteForceOnRandomCosts() {
        Random r = new Random(1);
        for (int n = 1; n <= 8; n++) {
            for (int seed = 0; seed < (n <= 6 ? 300 : 40); seed++) {
                assertOptimal(matrix(n, (i, j) -> r.nextDouble() * 10 - 3), "uniform n=" + n + " seed " + seed);
            }
        }
    }

    @Test
    void equalsBruteForceOnIntegerCostsWithManyTies() {
        // Few distinct values: most rows have tied best and second-best columns, the hard case for the
        // reduction phases. Sums of small integers are exact, so the totals must agree exactly.
        Random r = new Random(2);
        for (int n = 1; n <= 8; n++) {
            for (int values : new int[] {1, 2, 3, 5}) {
                for (int seed = 0; seed < (n <= 6 ? 150 : 20); seed++) {
                    double[][] c = matrix(n, (i, j) -> (double) r.nextInt(values));
                    for (int[] match : solutions(c)) {
                        assertEquals(Permutations.minCost(c), costOf(c, match),
                                "n=" + n + " values " + values + " seed " + seed);
                    }
                }
            }
        }
    }

    @Test
    void equalsBruteForceOnDegenerateMatrices() {
        Random r = new Random(3);
        for (int n = 1; n <= 8; n++) {
            int size = n;
            assertOptimal(matrix(n, (i, j) -> 0.0), "zeros n=" + n);
            assertOptimal(matrix(n, (i, j) -> 7.5), "all equal n=" + n);
            assertOptimal(matrix(n, (i, j) -> (double) i), "each row constant n=" + n);
            assertOptimal(matrix(n, (i, j) -> (double) j), "each column constant n=" + n);
            assertOptimal(matrix(n, (i, j) -> (double) (i * j)), "product n=" + n);
            assertOptimal(matrix(n, (i, j) -> (double) ((i + j) % size)), "Latin square n=" + n);
            assertOptimal(matrix(n, (i, j) -> i == j ? 1.0 : 0.0), "identity n=" + n);
            for (int seed = 0; seed < 20; seed++) {
                int constantRow = r.nextInt(n);
                double[][] c = matrix(n, (i, j) -> i == constantRow ? 2.0 : (double) r.nextInt(4));
                assertOptimal(c, "one row constant n=" + n + " seed " + seed);
                int constantCol = r.nextInt(n);
                c = matrix(n, (i, j) -> j == constantCol ? -1.0 : r.nextDouble());
                assertOptimal(c, "one column constant n=" + n + " seed " + seed);
                c = matrix(n, (i, j) -> 1e6 + r.nextInt(3) * 1e-3);
                assertOptimal(c, "large offset, tiny differences n=" + n + " seed " + seed);
                // differences far below the auction's last epsilon (1.6e-4 x the range): only the exact
                // augmentation tells these apart
                c = matrix(n, (i, j) -> r.nextInt(3) + 1e-7 * r.nextDouble());
                assertOptimal(c, "near ties n=" + n + " seed " + seed);
            }
        }
    }

    @Test
    void equalsTheHungarianMethodOnLargeMatrices() {
        Random r = new Random(4);
        for (int seed = 0; seed < 4; seed++) {
            double[][] uniform = matrix(200, (i, j) -> r.nextDouble());
            double[][] ties = matrix(200, (i, j) -> (double) r.nextInt(10));
            double[][] blobs = blobs(r, 200);
            for (double[][] c : new double[][][] {uniform, ties, blobs}) {
                double reference = costOf(c, HungarianReference.solve(c));
                for (int[] match : solutions(c)) {
                    assertEquals(reference, costOf(c, match), 1e-9 * reference, "seed " + seed);
                }
            }
        }
    }

    @Test
    void theFlatFormGivesTheSameMatching() {
        double[][] c = blobs(new Random(5), 50);
        double[] flat = flat(c);
        double[] copy = flat.clone();
        assertArrayEquals(Assignment.solve(c), Assignment.solve(flat, 50));
        assertArrayEquals(copy, flat, "the costs are not changed");
    }

    @Test
    void emptyAndBadInput() {
        assertEquals(0, Assignment.solve(new double[0][]).length);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Assignment.solve(new double[][] {{1, 2}, {3}}));
        assertTrue(e.getMessage().contains("square"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Assignment.solve(new double[5], 2));
        assertTrue(e.getMessage().contains("needs 4 entries, got 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Assignment.solve(new double[][] {{1, 2}, {Double.NaN, 3}}));
        assertTrue(e.getMessage().contains("NaN at row 1, column 0"), e.getMessage());
    }
}
