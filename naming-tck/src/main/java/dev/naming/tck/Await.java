package dev.naming.tck;

import java.lang.Thread.UncaughtExceptionHandler;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits with a deadline for a condition to hold or an assertion to pass, or checks that one keeps
 * holding over a window: the waits the suites make. It is ours rather than a library's so that this
 * jar can be a named module, and every failure says what was awaited and for how long.
 *
 * <pre>{@code
 * await("the subscriber's list to be [a]").atMost(deadline).until(() -> ...);
 * await().atMost(deadline).untilAsserted(() -> assertEquals(...));
 * await("no list during the fault").during(window).atMost(window.plusSeconds(2)).until(() -> ...);
 * }</pre>
 *
 * <p>The condition runs on the calling thread: at once, then {@link #FIRST_INTERVAL} later, then every
 * {@link #INTERVAL} (or every {@link #pollInterval(Duration)}). Checking at once ends a wait whose
 * condition already holds without a pause; the short second interval catches what the library
 * finishes in the background right after the call (a delivery, a thread ending); after that 50 ms
 * keeps a wait ending well within its deadline of seconds while a condition that asks the registry
 * (a {@code find} without a watch, {@code /proc/net/tcp}) runs at most 20 times a second.
 *
 * <p>While it waits, a thread that dies of an uncaught exception (the library's threads have no
 * handler of their own) fails the wait with that exception: a dead watch thread would otherwise
 * show only as a timeout, or not at all. The JVM-wide default handler is replaced for the wait and
 * put back after it.
 */
final class Await {

    /** The pause before the second check. */
    static final Duration FIRST_INTERVAL = Duration.ofMillis(10);
    /** The pause between later checks. */
    static final Duration INTERVAL = Duration.ofMillis(50);

    /** A plain condition that is false: no assertion to report. */
    private static final AssertionError FALSE = new AssertionError("false");

    private final String what;
    private Duration atMost;
    private Duration during = Duration.ZERO;
    private Duration fixedInterval;

    private Await(String what) {
        this.what = what;
    }

    /** A wait whose failure calls it "the condition" or "the assertion": for an assertion that says the rest. */
    static Await await() {
        return new Await(null);
    }

    /** A wait for {@code what}, named in its failure ("the subscriber's list to be [a]"). */
    static Await await(String what) {
        return new Await(Objects.requireNonNull(what, "what"));
    }

    /** The deadline: the wait fails when the condition has not held by then. Required. */
    Await atMost(Duration deadline) {
        this.atMost = positive(deadline, "atMost");
        return this;
    }

    /**
     * The condition must hold at every check from the first for this long; the wait fails at the
     * first check where it does not. The deadline must be at least as long; the window's end decides.
     */
    Await during(Duration window) {
        this.during = positive(window, "during");
        return this;
    }

    /** Checks every {@code interval} after the first, instead of the default schedule. */
    Await pollInterval(Duration interval) {
        this.fixedInterval = positive(interval, "pollInterval");
        return this;
    }

    /**
     * Returns once {@code condition} is true (with {@link #during(Duration)}: once it has been true
     * at every check of the window). An exception the condition throws ends the wait at once.
     *
     * @throws AssertionError when the deadline passes first, or the condition breaks within the window
     */
    void until(BooleanSupplier condition) {
        Objects.requireNonNull(condition, "condition");
        check(what == null ? "the condition" : what, () -> condition.getAsBoolean() ? null : FALSE);
    }

    /**
     * Returns once {@code assertion} passes (with {@link #during(Duration)}: once it has passed at
     * every check of the window). An {@link AssertionError} means not yet; any other exception ends
     * the wait at once.
     *
     * @throws AssertionError when the deadline passes first, naming the deadline, with the last
     *         failure's message and the failure itself as its cause; or at the first failure within
     *         the window
     */
    void untilAsserted(Runnable assertion) {
        Objects.requireNonNull(assertion, "assertion");
        check(what == null ? "the assertion" : what, () -> {
            try {
                assertion.run();
                return null;
            } catch (AssertionError failure) {
                return failure;
            }
        });
    }

    /** Runs {@code evaluate} (null when it holds, else why not) on the schedule until the outcome is known. */
    private void check(String awaited, Supplier<AssertionError> evaluate) {
        if (atMost == null) {
            throw new IllegalStateException("an await needs a deadline: atMost(...)");
        }
        if (during.compareTo(atMost) > 0) {
            throw new IllegalArgumentException("the window (" + format(during) + ") is longer than the deadline ("
                    + format(atMost) + ")");
        }
        AtomicReference<Death> died = new AtomicReference<>();
        UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            died.compareAndSet(null, new Death(thread.getName(), error));
            // what would have happened without us: the handler before, else the JVM's own report
            if (previous != null) {
                previous.uncaughtException(thread, error);
            } else {
                System.err.print("Exception in thread \"" + thread.getName() + "\" ");
                error.printStackTrace(System.err);
            }
        });
        try {
            long start = System.nanoTime();
            long deadline = start + atMost.toNanos();
            long windowEnd = start + during.toNanos();
            Duration interval = fixedInterval != null ? fixedInterval : FIRST_INTERVAL;
            while (true) {
                AssertionError failure = evaluate.get();
                long now = System.nanoTime();
                Death death = died.get();
                if (death != null) {
                    throw new AssertionError("thread " + death.thread() + " died of an uncaught exception while "
                            + "awaiting " + awaited, death.error());
                }
                if (during.isZero()) {
                    if (failure == null) {
                        return;
                    }
                } else {
                    if (failure != null) {
                        throw failed(awaited + " stopped holding after " + millis(now - start) + " of its "
                                + format(during) + " window (deadline " + format(atMost) + ")", failure);
                    }
                    if (now - windowEnd >= 0) {
                        return;
                    }
                }
                if (now - deadline >= 0) { // reached only without a window: its end comes first
                    throw failed("timed out after " + format(atMost) + " awaiting " + awaited, failure);
                }
                long pause = Math.min(interval.toNanos(), deadline - now);
                if (!during.isZero()) {
                    pause = Math.min(pause, windowEnd - now); // the last check at the window's end
                }
                sleep(pause, awaited);
                interval = fixedInterval != null ? fixedInterval : INTERVAL;
            }
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }

    private static AssertionError failed(String message, AssertionError failure) {
        if (failure == FALSE) {
            return new AssertionError(message);
        }
        return new AssertionError(message + "; last failure: " + failure.getMessage(), failure);
    }

    private static void sleep(long nanos, String awaited) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            // a test timeout interrupts the test's thread: end the wait, keep the flag for JUnit
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while awaiting " + awaited, e);
        }
    }

    private static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
        return d;
    }

    /** {@code 5 s} for whole seconds, else {@code 1500 ms}. */
    static String format(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    private static String millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos) + " ms";
    }

    private record Death(String thread, Throwable error) {
    }
}
