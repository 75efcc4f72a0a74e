package dev.naming.balance;

/**
 * Walker's alias method (Vose's construction): a weighted random choice among {@code n} in constant
 * time from one 64-bit random number. Each column holds its own index with some probability and an
 * alias otherwise; the high 32 bits choose the column, the low 32 bits the side.
 */
final class AliasTable {

    private static final long ONE = 1L << 32;

    private final int size;
    /** Null when every weight is equal: the column is then the answer. */
    private final int[] alias;
    /** The chance of keeping the column's own index, scaled to 2^32. */
    private final long[] keep;

    private AliasTable(int size, int[] alias, long[] keep) {
        this.size = size;
        this.alias = alias;
        this.keep = keep;
    }

    /** The table for {@code weights} (each positive). */
    static AliasTable of(long[] weights, boolean equal) {
        int n = weights.length;
        if (equal || n < 2) {
            return new AliasTable(n, null, null);
        }
        double total = 0;
        for (long w : weights) {
            total += w;
        }
        double[] scaled = new double[n];
        int[] small = new int[n];
        int[] large = new int[n];
        int smalls = 0;
        int larges = 0;
        for (int i = 0; i < n; i++) {
            scaled[i] = weights[i] * n / total;
            if (scaled[i] < 1) {
                small[smalls++] = i;
            } else {
                large[larges++] = i;
            }
        }
        int[] alias = new int[n];
        long[] keep = new long[n];
        while (smalls > 0 && larges > 0) {
            int s = small[--smalls];
            int l = large[--larges];
            keep[s] = Math.round(scaled[s] * ONE);
            alias[s] = l;
            scaled[l] = scaled[l] + scaled[s] - 1;
            if (scaled[l] < 1) {
                small[smalls++] = l;
            } else {
                large[larges++] = l;
            }
        }
        // what is left is 1 up to rounding: those columns keep their own index
        while (larges > 0) {
            int l = large[--larges];
            keep[l] = ONE;
            alias[l] = l;
        }
        while (smalls > 0) {
            int s = small[--smalls];
            keep[s] = ONE;
            alias[s] = s;
        }
        return new AliasTable(n, alias, keep);
    }

    /** An index drawn by weight with the 64 random bits {@code random}. */
    int sample(long random) {
        int column = (int) (((random >>> 32) * size) >>> 32);
        if (alias == null) {
            return column;
        }
        return (random & 0xFFFFFFFFL) < keep[column] ? column : alias[column];
    }
}
