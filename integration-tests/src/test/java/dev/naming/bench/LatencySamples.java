package dev.naming.bench;

import java.util.Arrays;

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
        long[] sorted = Arrays.copyOf(nanos, size);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * size);
        return sorted[Math.max(0, Math.min(size - 1, rank - 1))] / 1e6;
    }

    double maxMillis() {
        return Arrays.stream(nanos, 0, size).max().orElse(0) / 1e6;
    }
}
