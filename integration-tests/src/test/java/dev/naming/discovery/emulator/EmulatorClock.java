package dev.naming.discovery.emulator;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** Wall-clock nanoseconds that a test can move forward, shared by the nodes of a cluster. */
public final class EmulatorClock {

    private final AtomicLong offset = new AtomicLong();

    public long nanos() {
        return System.currentTimeMillis() * 1_000_000L + offset.get();
    }

    public void advance(Duration d) {
        offset.addAndGet(d.toNanos());
    }
}
