package dev.flowmatching.metric;

import java.util.Arrays;

/**
 * The shortest augmenting path algorithm of Jonker and Volgenant (1987, "A shortest augmenting path algorithm
 * for dense and sparse linear assignment problems", Computing 38), LAPJV, on a dense n x n cost matrix held
 * row-major in one flat array, with its row reduction run as an auction with epsilon scaling (Bertsekas 1988,
 * "The auction algorithm: a distributed relaxation method for the assignment problem").
 *
 * <p>It keeps column prices v and a partial matching in which every matched row i sits on a column of least
 * reduced cost c[i][j] - v[j] in its row (complementary slackness), and grows it:
 * <ol>
 *   <li>column reduction: v[j] = min_i c[i][j]; each column goes to its cheapest row if that row is still free;
 *   <li>reduction transfer: a row that got a single column lowers that column's price until its second-best
 *       column ties, which makes the column less attractive to the free rows;
 *   <li>auction: free rows bid for their best column, lowering its price until it costs them epsilon more
 *       than their second-best, and evict its row, which bids next. JV's augmenting row reduction is the case
 *       epsilon = 0; on near-tied columns, as between the points of one cluster, it trades prices in tiny
 *       steps and left 80-90% of the rows to the augmentation at n = 1024. Three rounds, epsilon = 1e-2,
 *       1.25e-3, 1.6e-4 times the cost range, each first freeing the rows more than epsilon off their best,
 *       each capped at {@value #BIDS_PER_ROW} bids per row. It only sets prices: the rows not exactly on a
 *       best column are then freed;
 *   <li>augmentation: each free row is matched by Dijkstra's shortest path over reduced costs to the nearest
 *       free column; the prices of the columns it settled are updated and the path is flipped. One pass over
 *       the unsettled columns per step both relaxes them and finds the next nearest (JV take the columns at
 *       the minimum distance together, in a second pass), a free column winning ties.
 * </ol>
 * Exact whatever the auction does, since each augmentation keeps complementary slackness. Time: O(n^3) in the
 * worst case (n augmentations of O(n^2)) plus O(n^2) per auction round; with the auction's prices a search
 * settles 2-15 columns on 2D clouds, and all phases together take 20-45 passes over the n^2 costs. The weak
 * case is two samples of one 1D distribution: many near-tied columns per row (gaps ~ 1/n^2), the auction
 * capped and searches of ~60 columns at n = 1024, about twice the time of the plain Hungarian method.
 * Memory: the costs (not copied) and O(n).
 *
 * <p>Exact up to the rounding of double arithmetic: prices are differences of costs, so the total found
 * matches the minimum to within a few ulps of the partial sums. Costs must be finite, with differences that
 * do not overflow.
 */
final class JonkerVolgenant {
    /** Bids per row in one auction round; the rows left over go to the augmentation. */
    static final int BIDS_PER_ROW = 8;
    private static final double EPS_START = 1e-2;
    private static final double EPS_FACTOR = 8;
    private static final double EPS_END = 1e-4;

    private final int n;
    private final double[] cost;
    private final long bidsPerRound;
    private final double[] price;
    private final int[] colOfRow;
    private final int[] rowOfCol;
    private final int[] free;
    private int freeCount;
    // the shortest path search, reused from row to row
    private final double[] dist;
    private final int[] pred;
    private final int[] cols;

    /** {@code cost[i * n + j]} is the cost of row i on column j; it is read, never written. */
    JonkerVolgenant(double[] cost, int n) {
        this(cost, n, BIDS_PER_ROW);
    }

    /** With another bid cap, which only shifts work to the augmentation: 0 leaves it all to it. */
    JonkerVolgenant(double[] cost, int n, int bidsPerRow) {
        this.n = n;
        this.cost = cost;
        this.bidsPerRound = (long) bidsPerRow * n;
        price = new double[n];
        colOfRow = new int[n];
        rowOfCol = new int[n];
        free = new int[n];
        dist = new double[n];
        pred = new int[n];
        cols = new int[n];
    }

    /** The column of each row in a minimum-cost perfect matching. */
    int[] solve() {
        if (n == 1) {
            return new int[] {0};
        }
        reduceColumns();
        transferReductions();
        auction();
        release(0);
        for (int k = 0; k < freeCount; k++) {
            augment(free[k]);
        }
        return colOfRow.clone();
    }

    /** v[j] = min over rows; each column to its first cheapest row, unless that row already has one. */
    private void reduceColumns() {
        Arrays.fill(price, Double.POSITIVE_INFINITY);
        int[] cheapestRow = pred; // scratch
        for (int i = 0; i < n; i++) { // row by row: the matrix is read in memory order
            int base = i * n;
            for (int j = 0; j < n; j++) {
                double c = cost[base + j];
                if (c < price[j]) {
                    price[j] = c;
                    cheapestRow[j] = i;
                }
            }
        }
        Arrays.fill(colOfRow, -1);
        Arrays.fill(rowOfCol, -1);
        int[] columnsWon = cols; // scratch: how many columns chose each row
        Arrays.fill(columnsWon, 0);
        for (int j = n - 1; j >= 0; j--) {
            int i = cheapestRow[j];
            if (columnsWon[i]++ == 0) {
                colOfRow[i] = j;
                rowOfCol[j] = i;
            }
        }
    }

    /** Rows that won one column lower its price to their second-best reduced cost; list the free rows. */
    private void transferReductions() {
        int[] columnsWon = cols;
        freeCount = 0;
        for (int i = 0; i < n; i++) {
            if (columnsWon[i] == 0) {
                free[freeCount++] = i;
            } else if (columnsWon[i] == 1) {
                int j1 = colOfRow[i];
                int base = i * n;
                double second = Double.POSITIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    if (j != j1) {
                        second = Math.min(second, cost[base + j] - price[j]);
                    }
                }
                price[j1] = cost[base + j1] - second;
            }
        }
    }

    /** Auction rounds of decreasing epsilon, relative to the range of the costs (none if they are all equal). */
    private void auction() {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double c : cost) {
            lo = Math.min(lo, c);
            hi = Math.max(hi, c);
        }
        double range = hi - lo;
        if (range == 0) {
            return;
        }
        for (double eps = range * EPS_START; eps > range * EPS_END; eps /= EPS_FACTOR) {
            release(eps);
            bid(eps);
        }
    }

    /** Frees the rows whose column costs them more than eps over their best; lists all free rows. O(n^2). */
    private void release(double eps) {
        freeCount = 0;
        for (int i = 0; i < n; i++) {
            int j1 = colOfRow[i];
            if (j1 >= 0) {
                int base = i * n;
                double best = Double.POSITIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double h = cost[base + j] - price[j];
                    if (h < best) {
                        best = h;
                    }
                }
                if (cost[base + j1] - price[j1] <= best + eps) {
                    continue;
                }
                colOfRow[i] = -1;
                rowOfCol[j1] = -1;
            }
            free[freeCount++] = i;
        }
    }

    /**
     * The free rows bid, an evicted row next, until none is free or the round's bids are spent (those left
     * stay free). O(n) a bid.
     */
    private void bid(double eps) {
        int top = freeCount; // free[0..top) is a stack
        for (long bids = bidsPerRound; top > 0 && bids > 0; bids--) {
            int i = free[--top];
            int base = i * n;
            double best = cost[base] - price[0];
            int bestCol = 0;
            double second = Double.POSITIVE_INFINITY;
            for (int j = 1; j < n; j++) {
                double h = cost[base + j] - price[j];
                if (h < second) {
                    if (h >= best) {
                        second = h;
                    } else {
                        second = best;
                        best = h;
                        bestCol = j;
                    }
                }
            }
            price[bestCol] -= second - best + eps; // by more than the gap: no tie left to trade in tiny steps
            int evicted = rowOfCol[bestCol];
            colOfRow[i] = bestCol;
            rowOfCol[bestCol] = i;
            if (evicted >= 0) {
                colOfRow[evicted] = -1;
                free[top++] = evicted;
            }
        }
        freeCount = top;
    }

    /**
     * Matches the free row f by Dijkstra's shortest path over reduced costs to the nearest free column, then
     * lowers the prices of the columns it settled so that reduced costs stay >= 0 and the path's are 0.
     * {@code cols} holds the columns not yet settled, then the settled ones; each step settles the nearest,
     * and relaxes the others through its row while finding the next nearest, in one pass. O(n) a step.
     */
    private void augment(int f) {
        int base = f * n;
        int open = n; // cols[0..open) are not settled
        double min = Double.POSITIVE_INFINITY;
        int nearest = -1;
        for (int j = 0; j < n; j++) {
            double d = cost[base + j] - price[j];
            dist[j] = d;
            pred[j] = f;
            cols[j] = j;
            if (d < min || d == min && rowOfCol[j] < 0) {
                min = d;
                nearest = j;
            }
        }
        int end;
        while (true) {
            int j1 = cols[nearest];
            cols[nearest] = cols[--open];
            cols[open] = j1;
            if (rowOfCol[j1] < 0) {
                end = j1;
                break;
            }
            int i = rowOfCol[j1];
            int rowBase = i * n;
            double h = cost[rowBase + j1] - price[j1] - min; // the offset of row i's reduced costs
            double next = Double.POSITIVE_INFINITY;
            nearest = -1;
            for (int k = 0; k < open; k++) {
                int j = cols[k];
                double d = cost[rowBase + j] - price[j] - h;
                if (d < dist[j]) {
                    dist[j] = d;
                    pred[j] = i;
                } else {
                    d = dist[j];
                }
                if (d < next || d == next && rowOfCol[j] < 0) { // on a tie, a free column ends the search
                    next = d;
                    nearest = k;
                }
            }
            min = next;
        }
        for (int k = open; k < n; k++) {
            int j = cols[k];
            price[j] += dist[j] - min;
        }
        flipPath(f, end);
    }

    /** Along the path back from the free column {@code end} to row f, each row takes the column before it. */
    private void flipPath(int f, int end) {
        int j = end;
        int i;
        do {
            i = pred[j];
            rowOfCol[j] = i;
            int previous = colOfRow[i];
            colOfRow[i] = j;
            j = previous;
        } while (i != f);
    }
}
