package dev.naming.internal;

import java.time.Duration;

/** Durations as people and the URI parameters write them: {@code 500ms}, {@code 15s}, {@code 2m}. */
public final class Durations {

    private Durations() {
    }

    /**
     * {@code d} in the largest unit that holds it whole — minutes from two minutes on, else seconds,
     * else milliseconds ({@code 0s} for zero, nanoseconds below a millisecond) — instead of
     * {@link Duration#toString()}'s ISO-8601 ({@code PT0.5S}), which messages must not show.
     */
    public static String text(Duration d) {
        if (d.isNegative()) {
            return "-" + text(d.negated());
        }
        if (d.getSeconds() > 1_000_000_000_000L) {
            return d.getSeconds() + "s"; // beyond what toMillis() can hold
        }
        if (d.getNano() % 1_000_000 != 0) {
            return d.toNanos() + "ns";
        }
        long millis = d.toMillis();
        if (millis % 60_000 == 0 && millis >= 120_000) {
            return millis / 60_000 + "m";
        }
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }
}
