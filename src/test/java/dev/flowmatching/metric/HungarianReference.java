package dev.flowmatching.metric;

import java.util.Arrays;

/**
 * The project's first exact assignment solver, kept as an independent reference for {@link Assignment}: the
 * Hungarian method with row/column potentials and one shortest augmenting path per row (Kuhn 1955; Munkres
 * 1957), updating every potential at every step. O(n^3) time, always; no initialisation heuristics.
 */
final class HungarianReference {
    private HungarianReference() {
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
