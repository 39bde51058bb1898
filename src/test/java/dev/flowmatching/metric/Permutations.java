package dev.flowmatching.metric;

/** Brute force over all n! permutations: the independent reference for exact OT and W2 tests. */
public final class Permutations {
    private Permutations() {
    }

    /** The minimum of sum_i cost[i][s(i)] over all permutations s of 0..n-1. */
    public static double minCost(double[][] cost) {
        int n = cost.length;
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        double best = Double.POSITIVE_INFINITY;
        do {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += cost[i][p[i]];
            }
            best = Math.min(best, s);
        } while (next(p));
        return best;
    }

    /** Steps p to its next permutation in lexicographic order; false after the last. */
    static boolean next(int[] p) {
        int i = p.length - 2;
        while (i >= 0 && p[i] >= p[i + 1]) {
            i--;
        }
        if (i < 0) {
            return false;
        }
        int j = p.length - 1;
        while (p[j] <= p[i]) {
            j--;
        }
        swap(p, i, j);
        for (int l = i + 1, r = p.length - 1; l < r; l++, r--) {
            swap(p, l, r);
        }
        return true;
    }

    private static void swap(int[] p, int a, int b) {
        int tmp = p[a];
        p[a] = p[b];
        p[b] = tmp;
    }
}
