package dev.naming.consul.watch;

import dev.naming.spi.Backoff;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Paces one watch's blocking queries, as Consul asks of its clients, so that a churning service or
 * a broken agent that returns at once is not hammered: a token bucket (burst of two, then one query
 * per interval), plus a growing pause — up to a cap, 15 s by default — while the agent keeps
 * returning early with an index that did not move. Progress (a moved index) ends the pause.
 * Not thread-safe: one per watch thread.
 */
final class QueryPacer {

    private static final double BURST = 2;

    private final long intervalNanos;
    private final LongSupplier clock;
    private final Backoff idle;
    private double tokens = BURST;
    private long refilledAt;
    private long penaltyNanos;

    QueryPacer(Duration interval, Duration idlePenaltyMax, LongSupplier clock) {
        this.intervalNanos = interval.toNanos(); // queryInterval is above zero
        this.clock = clock;
        this.idle = new Backoff(interval, idlePenaltyMax.compareTo(interval) < 0 ? interval : idlePenaltyMax, 0.2);
        this.refilledAt = clock.getAsLong();
    }

    /** Takes a token for the next query and says how long to wait before sending it. */
    Duration delayBeforeNext() {
        long now = clock.getAsLong();
        tokens = Math.min(BURST, tokens + (double) (now - refilledAt) / intervalNanos);
        refilledAt = now;
        long wait = 0;
        if (tokens >= 1) {
            tokens -= 1;
        } else {
            wait = (long) ((1 - tokens) * intervalNanos);
            tokens = 0;
            refilledAt = now + wait;
        }
        wait = Math.max(wait, penaltyNanos);
        penaltyNanos = 0;
        return Duration.ofNanos(wait);
    }

    /** The last query came back early with the same index: pause longer before the next one. */
    void idleReturn() {
        penaltyNanos = idle.next().toNanos();
    }

    /** The index moved (or the query waited its full time): no extra pause. */
    void progress() {
        idle.reset();
        penaltyNanos = 0;
    }
}
