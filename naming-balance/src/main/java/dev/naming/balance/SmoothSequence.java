package dev.naming.balance;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * nginx's smooth weighted round robin, computed once per list: one whole cycle of its choices
 * (as long as the weights' sum, after dividing by their greatest common divisor) is laid out in an
 * array, and a pick reads the next position. Weights 5, 1, 1 give {@code a a b a c a a}, never
 * {@code a a a a a b c}.
 *
 * <p>The position is a counter per stripe: a thread always uses the stripe its id selects, so one
 * thread walks the exact smooth sequence, and threads on different stripes do not contend for one
 * cache line. Stripes start at different points of the cycle so that threads starting together do not
 * all begin with the heaviest instance.
 */
final class SmoothSequence {

    /** The longest cycle laid out: weights whose sum is larger are scaled down to fit (256 KiB at most). */
    static final int MAX_CYCLE = 1 << 16;
    /** Longs between two stripes' counters: 128 bytes, so that no two share a cache line (or its neighbour). */
    private static final int PAD = 16;
    private static final int STRIPES = stripes(Runtime.getRuntime().availableProcessors());

    private final int[] cycle;
    private final AtomicLongArray positions = new AtomicLongArray(STRIPES * PAD);

    private SmoothSequence(int[] cycle) {
        this.cycle = cycle;
        for (int s = 0; s < STRIPES; s++) {
            positions.set(s * PAD, (long) cycle.length * s / STRIPES);
        }
    }

    /** The cycle for {@code weights} (each positive), as indexes into them. */
    static SmoothSequence of(long[] weights) {
        long[] w = reduced(weights);
        long total = 0;
        for (long x : w) {
            total += x;
        }
        int[] cycle = new int[(int) total];
        long[] current = new long[w.length];
        for (int p = 0; p < cycle.length; p++) {
            int best = 0;
            for (int i = 0; i < w.length; i++) {
                current[i] += w[i];
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            cycle[p] = best;
        }
        return new SmoothSequence(cycle);
    }

    /** The index of the next instance for the calling thread. */
    int next() {
        int stripe = (int) Thread.currentThread().getId() & (STRIPES - 1);
        long position = positions.getAndIncrement(stripe * PAD);
        return cycle[(int) (position % cycle.length)];
    }

    /** The weights divided by their greatest common divisor, and scaled down if their sum is still above {@link #MAX_CYCLE}. */
    static long[] reduced(long[] weights) {
        long gcd = 0;
        long total = 0;
        for (long w : weights) {
            gcd = gcd(gcd, w);
            total += w;
        }
        long[] out = new long[weights.length];
        total /= gcd;
        for (int i = 0; i < weights.length; i++) {
            long w = weights[i] / gcd;
            // keeps each weight within one unit of its exact share of the cycle; none falls to zero
            out[i] = total > MAX_CYCLE ? Math.max(1, w * (MAX_CYCLE - weights.length) / total) : w;
        }
        return out;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /** A power of two, four per core, between 4 and 64. */
    private static int stripes(int cores) {
        return Math.max(4, Math.min(64, Integer.highestOneBit(cores * 4 - 1) << 1));
    }
}
