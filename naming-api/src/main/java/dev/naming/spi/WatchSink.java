package dev.naming.spi;

import dev.naming.ServiceInstance;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Where a backend's watch reports what it read. The shared machinery behind it sorts, drops
 * repeats, keeps the last good list on failures, holds removals back through a registry's state
 * loss, filters, warms up and fans out to subscribers; a backend only reports.
 *
 * <p>A report may run a listener on the reporting thread (a subscription with
 * {@code SubscribeOptions.withExecutor(Runnable::run)}), so a backend reports with no lock of its
 * own held, or inside {@link #deferListeners}.
 */
public interface WatchSink {

    /**
     * The full, current list of healthy instances of the watched service, in any order. Reporting
     * a list equal to the last one is harmless: subscribers get nothing (repeats are dropped here),
     * and it counts as the registry's confirmation, as {@link #unchanged()} does — so a backend that
     * polls may report every read without comparing.
     */
    void snapshot(List<ServiceInstance> instances);

    /**
     * A read failed. Subscribers keep their last list; the watch is expected to retry with
     * {@link Backoff}, pausing through {@link #retryAfter}. Never report an error as an empty
     * snapshot. The failure also tells the {@code Naming} that its registry may be unreachable.
     */
    void failure(Throwable error);

    /**
     * The registry confirmed that the last reported list is still current (a blocking query or a
     * long poll ended without a change). Only the subscriptions' freshness changes.
     */
    default void unchanged() {
    }

    /**
     * The registry shows a sign of having lost its state — an index that went backwards, a node
     * that was replaced or restarted. Report it before the snapshot that shows the loss: its
     * removals are then held back for the grace window while owners register again, and this
     * {@code Naming}'s own registrations are renewed at once. A read after a {@link #failure}
     * counts as such a sign by itself.
     */
    default void stateLost() {
    }

    /**
     * Runs {@code retry} once, after {@code pause} — or sooner: when any call of this
     * {@code Naming} to its registry (the keep-alive's probe, another watch, a {@code find})
     * succeeds after the registry was found unreachable, every watch waiting here retries at once,
     * spread over at most 250 ms. A watch calls this after a failure instead of sleeping out its
     * {@link Backoff}, so that none of them lags the registry's return by its own backoff.
     * {@code retry} runs on a thread of the {@code Naming} that other watches share: it must not
     * block (send a request, wake a thread). The returned handle cancels it, for a watch that closes.
     *
     * <p>The default (for a sink not behind a {@code Naming}) waits out the pause alone.
     */
    default Retry retryAfter(Duration pause, Runnable retry) {
        AtomicBoolean cancelled = new AtomicBoolean();
        CompletableFuture.delayedExecutor(Math.max(0, pause.toNanos()), TimeUnit.NANOSECONDS).execute(() -> {
            if (cancelled.compareAndSet(false, true)) {
                retry.run();
            }
        });
        return () -> cancelled.set(true);
    }

    /** A pending {@link #retryAfter}. */
    @FunctionalInterface
    interface Retry {
        /** The retry will not run (unless it already started). Calling it again does nothing. */
        void cancel();
    }

    /**
     * Runs {@code reports}, in which this thread may report to sinks while it holds locks of the
     * backend's, and starts the listener calls those reports set only once it returns: a listener
     * run on the reporting thread must not run under a lock a caller of the library could need
     * (a registry kept in memory reports from within its writes, under their locks). Nested
     * calls start them when the outermost returns, on this thread. Lists are still set in the
     * order they are reported; only the start of their delivery waits.
     */
    static <T> T deferListeners(Supplier<T> reports) {
        return HubSubscription.deferListeners(reports);
    }
}
