package dev.naming.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void delaysDoubleUpToTheCapWithinTheJitterBand() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.5);
        long[] expectedBase = {100, 200, 400, 800, 1000, 1000};
        for (long base : expectedBase) {
            long ms = backoff.next().toMillis();
            assertTrue(ms >= base / 2 && ms <= base, "delay " + ms + " outside [" + base / 2 + ", " + base + "]");
        }
        assertEquals(6, backoff.failures());
    }

    @Test
    void resetStartsAgainFromTheInitialDelay() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), 0);
        backoff.next();
        backoff.next();
        backoff.reset();
        assertEquals(Duration.ofMillis(100), backoff.next());
    }

    @Test
    void manyFailuresNeverOverflow() {
        Backoff backoff = new Backoff(Duration.ofMillis(1), Duration.ofSeconds(30), 0);
        for (int i = 0; i < 200; i++) {
            Duration delay = backoff.next();
            if (i >= 15) { // 1 ms << 15 is past 30 s: every later delay is the cap, however far the shift goes
                assertEquals(Duration.ofSeconds(30), delay, "delay after " + (i + 1) + " failures");
            }
        }
        assertEquals(Duration.ofSeconds(30), backoff.next());
    }

    @Test
    void jitterSpreadsDelays() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 1.0);
        long distinct = java.util.stream.IntStream.range(0, 20).mapToObj(i -> backoff.next()).distinct().count();
        assertTrue(distinct > 1);
    }
}
