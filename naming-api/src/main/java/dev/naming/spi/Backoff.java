package dev.naming.spi;

import dev.naming.internal.Validation;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff with jitter, for a retry loop: {@link #next()} after each failure,
 * {@link #reset()} after a success. The n-th delay is drawn uniformly from
 * {@code [(1 - jitter) × d, d]} where {@code d = min(max, initial × 2^(n-1))}, so many clients
 * that failed together do not retry together. Not thread-safe: one per loop.
 */
public final class Backoff {

    private final long initialNanos;
    private final long maxNanos;
    private final double jitter;
    private int failures;

    /** A backoff from {@code initial} doubling up to {@code max}, with half of each delay jittered. */
    public Backoff(Duration initial, Duration max) {
        this(initial, max, 0.5);
    }

    /**
     * @param jitter the fraction of each delay that is random, 0 (none) to 1 (full jitter)
     */
    public Backoff(Duration initial, Duration max, double jitter) {
        Validation.positive("initial", initial);
        Validation.positive("max", max);
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("max must not be below initial");
        }
        if (jitter < 0 || jitter > 1) {
            throw new IllegalArgumentException("jitter must be within 0-1, was " + jitter);
        }
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.jitter = jitter;
    }

    /** The delay before the next attempt; each call counts one more failure. */
    public Duration next() {
        int shift = Math.min(failures, 62);
        long base = initialNanos > (maxNanos >> shift) ? maxNanos : Math.min(maxNanos, initialNanos << shift);
        failures++;
        double factor = 1.0 - jitter * ThreadLocalRandom.current().nextDouble();
        return Duration.ofNanos(Math.max(1, (long) (base * factor)));
    }

    /** Forgets past failures: the next delay is the initial one again. */
    public void reset() {
        failures = 0;
    }

    /** Failures counted since the last {@link #reset()}. */
    public int failures() {
        return failures;
    }
}
