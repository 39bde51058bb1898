package dev.flowmatching.metric;

import java.util.Arrays;

/**
 * Minimum-cost perfect matching of an n x n cost matrix (the linear assignment problem), solved exactly by
 * the Hungarian method with row/column potentials and shortest augmenting paths (Kuhn 1955; Munkres 1957;
 * the O(n^3) form of Jonker and Volgenant 1987). Time O(n^3), memory O(n^2) for the matrix.
 */
public final class Assignment {
    private Assignment() {
    }

    /** {@code match[i]} = the column assigned to row i, minimising the sum of {@code cost[i][match[i]]}. */
    public static int[] solve(double[][] cost) {
        int n = cost.length;
        for (double[] row : cost) {
            if (row.length != n) {
                throw new IllegalArgumentException("cost matrix must be square, got a row of " + row.length
                        + " in a matrix of " + n + " rows");
            }
        }
        // 1-based arrays; index 0 is the virtual start of each augmenting path.
        double[] u = new double[n + 1];
        double[] v = new double[n + 1];
        int[] rowOfCol = new int[n + 1];
        int[] way = new int[n + 1];
        double[] minSlack = new double[n + 1];
        boolean[] used = new boolean[n + 1];
        for (int i = 1; i <= n; i++) {
            rowOfCol[0] = i;
            int col = 0;
            Arrays.fill(minSlack, Double.POSITIVE_INFINITY);
            Arrays.fill(used, false);
            do {
                used[col] = true;
                int row = rowOfCol[col];
                double delta = Double.POSITIVE_INFINITY;
                int next = 0;
                double[] costRow = cost[row - 1];
                for (int j = 1; j <= n; j++) {
                    if (!used[j]) {
                        double slack = costRow[j - 1] - u[row] - v[j];
                        if (slack < minSlack[j]) {
                            minSlack[j] = slack;
                            way[j] = col;
                        }
                        if (minSlack[j] < delta) {
                            delta = minSlack[j];
                            next = j;
                        }
                    }
                }
                for (int j = 0; j <= n; j++) {
                    if (used[j]) {
                        u[rowOfCol[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minSlack[j] -= delta;
                    }
                }
                col = next;
            } while (rowOfCol[col] != 0);
            do { // flip the augmenting path
                int prev = way[col];
                rowOfCol[col] = rowOfCol[prev];
                col = prev;
            } while (col != 0);
        }
        int[] match = new int[n];
        for (int j = 1; j <= n; j++) {
            match[rowOfCol[j] - 1] = j - 1;
        }
        return match;
    }
}
