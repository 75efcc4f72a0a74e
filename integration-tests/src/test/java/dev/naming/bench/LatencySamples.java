package dev.naming.bench;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Latency samples in nanoseconds and their percentiles. */
final class LatencySamples {

    private final long[] nanos;
    private int size;

    LatencySamples(int capacity) {
        nanos = new long[capacity];
    }

    void add(long latencyNanos) {
        nanos[size++] = Math.max(0, latencyNanos);
    }

    int size() {
        return size;
    }

    /** The p-th percentile (nearest rank) in milliseconds. */
    double percentileMillis(double p) {
        return percentile(Arrays.copyOf(nanos, size), size, p);
    }

    /**
     * How far this series' {@code p}-th percentile lies above {@code other}'s (ms; negative: below),
     * with a 95 % bootstrap interval: {@code {difference, low, high}}. The two series are paired —
     * the samples at one index come from the same change — so each of {@code resamples} draws
     * changes with replacement and takes both series' samples of them. A fixed {@code seed} makes a
     * run's interval reproducible from its samples. A percentile near a series' end (a p99 of 200
     * samples is the second-worst) gives a rough interval: compare p99s on 1,000 samples or more.
     */
    double[] percentileDifference(LatencySamples other, double p, int resamples, long seed) {
        if (other.size != size || size == 0) {
            throw new IllegalArgumentException("paired series of " + size + " and " + other.size + " samples");
        }
        if (resamples < 1) {
            throw new IllegalArgumentException("resamples must be at least 1, not " + resamples);
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[] differences = new double[resamples];
        long[] mine = new long[size];
        long[] theirs = new long[size];
        for (int r = 0; r < resamples; r++) {
            for (int i = 0; i < size; i++) {
                int change = random.nextInt(size);
                mine[i] = nanos[change];
                theirs[i] = other.nanos[change];
            }
            differences[r] = percentile(mine, size, p) - percentile(theirs, size, p);
        }
        Arrays.sort(differences);
        return new double[] {percentileMillis(p) - other.percentileMillis(p),
                differences[(int) Math.floor(0.025 * (resamples - 1))],
                differences[(int) Math.ceil(0.975 * (resamples - 1))]};
    }

    /** Nearest rank, in milliseconds; sorts {@code values} in place. */
    private static double percentile(long[] values, int size, double p) {
        Arrays.sort(values, 0, size);
        int rank = (int) Math.ceil(p / 100.0 * size);
        return values[Math.max(0, Math.min(size - 1, rank - 1))] / 1e6;
    }

    double maxMillis() {
        return Arrays.stream(nanos, 0, size).max().orElse(0) / 1e6;
    }
}
