package dev.naming.tck;

import static dev.naming.tck.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.Thread.UncaughtExceptionHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AwaitTest {

    private static final Duration SHORT = Duration.ofMillis(150);
    /** Far longer than any test here takes: reaching it means the wait did not stop when it should. */
    private static final Duration LONG = Duration.ofSeconds(30);

    @Test
    void untilReturnsAtTheFirstCheckWhereTheConditionHolds() {
        AtomicInteger checks = new AtomicInteger();
        await("the third check").atMost(LONG).until(() -> checks.incrementAndGet() == 3);
        assertEquals(3, checks.get());
    }

    @Test
    void untilFailsAtTheDeadlineNamingWhatWasAwaitedAndTheDeadline() {
        long start = System.nanoTime();
        AssertionError e = assertThrows(AssertionError.class,
                () -> await("the flag to be set").atMost(SHORT).until(() -> false));
        assertTrue(System.nanoTime() - start >= SHORT.toNanos(), "gave up before its deadline");
        assertEquals("timed out after 150 ms awaiting the flag to be set", e.getMessage());
        assertNull(e.getCause());
    }

    @Test
    void anUnnamedConditionIsCalledTheCondition() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> await().atMost(Duration.ofMillis(20)).until(() -> false));
        assertEquals("timed out after 20 ms awaiting the condition", e.getMessage());
    }

    @Test
    void untilAssertedRethrowsTheLastFailureWithTheDeadline() {
        AtomicInteger checks = new AtomicInteger();
        List<AssertionError> thrown = new ArrayList<>();
        AssertionError e = assertThrows(AssertionError.class, () -> await().atMost(Duration.ofMillis(400))
                .pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                    AssertionError failure = new AssertionError("check " + checks.incrementAndGet());
                    thrown.add(failure);
                    throw failure;
                }));
        AssertionError last = thrown.get(thrown.size() - 1);
        assertSame(last, e.getCause());
        assertEquals("timed out after 400 ms awaiting the assertion; last failure: " + last.getMessage(),
                e.getMessage());
        assertTrue(thrown.size() >= 2, "checked only once in 400 ms");
    }

    @Test
    void untilAssertedReturnsOnceTheAssertionPasses() {
        AtomicInteger checks = new AtomicInteger();
        await("two failures").atMost(LONG).untilAsserted(() -> assertTrue(checks.incrementAndGet() > 2));
        assertEquals(3, checks.get());
    }

    @Test
    void anExceptionFromTheConditionEndsTheWaitAtOnce() {
        AtomicInteger checks = new AtomicInteger();
        IllegalStateException bug = new IllegalStateException("a bug in the condition");
        assertSame(bug, assertThrows(IllegalStateException.class, () -> await().atMost(LONG).until(() -> {
            checks.incrementAndGet();
            throw bug;
        })));
        assertSame(bug, assertThrows(IllegalStateException.class, () -> await().atMost(LONG).untilAsserted(() -> {
            checks.incrementAndGet();
            throw bug;
        })));
        assertEquals(2, checks.get());
    }

    @Test
    void duringFailsAtTheFirstCheckWhereTheConditionBreaks() {
        AtomicInteger checks = new AtomicInteger();
        long start = System.nanoTime();
        AssertionError e = assertThrows(AssertionError.class, () -> await("the count to stay below 3")
                .during(LONG).atMost(LONG.plusSeconds(1)).until(() -> checks.incrementAndGet() < 3));
        assertTrue(System.nanoTime() - start < LONG.toNanos(), "waited out the window");
        assertEquals(3, checks.get());
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        Matcher message = Pattern.compile("the count to stay below 3 stopped holding after (\\d+) ms of its 30 s "
                + "window \\(deadline 31 s\\)").matcher(e.getMessage());
        assertTrue(message.matches(), e.getMessage());
        long heldMillis = Long.parseLong(message.group(1));
        assertTrue(heldMillis >= 10 && heldMillis <= tookMillis, () -> "held " + heldMillis + " ms of " + tookMillis);
        assertNull(e.getCause());
    }

    @Test
    void duringUntilAssertedFailsWithTheFirstFailure() {
        AtomicInteger checks = new AtomicInteger();
        AtomicReference<AssertionError> thrown = new AtomicReference<>();
        AssertionError e = assertThrows(AssertionError.class, () -> await("nothing new")
                .during(LONG).atMost(LONG).untilAsserted(() -> {
                    if (checks.incrementAndGet() == 2) {
                        thrown.set(new AssertionError("something new"));
                        throw thrown.get();
                    }
                }));
        assertEquals(2, checks.get());
        assertSame(thrown.get(), e.getCause());
        assertTrue(e.getMessage().endsWith("; last failure: something new"), e.getMessage());
    }

    @Test
    void duringReturnsWhenTheConditionHeldAtEveryCheckOfTheWindow() {
        Duration window = Duration.ofMillis(100);
        List<Long> checkedAt = new ArrayList<>();
        long start = System.nanoTime();
        await("always").during(window).atMost(LONG).until(() -> checkedAt.add(System.nanoTime() - start));
        assertTrue(checkedAt.size() >= 2, "checked " + checkedAt.size() + " time(s)");
        assertTrue(checkedAt.get(checkedAt.size() - 1) >= window.toNanos(),
                "the last check came before the window's end");
    }

    @Test
    void aWaitEndsAtItsDeadlineOrWindowEndNotAtTheNextPoll() {
        Duration poll = Duration.ofSeconds(20);
        long start = System.nanoTime();
        assertThrows(AssertionError.class, () -> await().atMost(Duration.ofMillis(50)).pollInterval(poll)
                .until(() -> false));
        await().during(Duration.ofMillis(50)).atMost(LONG).pollInterval(poll).until(() -> true);
        assertTrue(System.nanoTime() - start < poll.toNanos(), "slept past the deadline or the window's end");
    }

    @Test
    void aFixedIntervalSpacesTheChecks() {
        AtomicInteger checks = new AtomicInteger();
        assertThrows(AssertionError.class, () -> await().atMost(Duration.ofMillis(200))
                .pollInterval(Duration.ofMillis(100)).until(() -> checks.incrementAndGet() < 0));
        // at 0, 100 and 200 ms; a slow machine makes fewer, never more
        assertTrue(checks.get() >= 2 && checks.get() <= 3, checks.get() + " checks");
    }

    @Test
    void theDefaultScheduleChecksAtOnceThenAfterTenThenEveryFiftyMilliseconds() {
        AtomicInteger checks = new AtomicInteger();
        assertThrows(AssertionError.class, () -> await().atMost(Duration.ofMillis(110))
                .until(() -> checks.incrementAndGet() < 0));
        // at 0, 10, 60 and 110 ms; a slow machine makes fewer, never more
        assertTrue(checks.get() >= 2 && checks.get() <= 4, checks.get() + " checks");
    }

    @Test
    void aThreadDyingOfAnUncaughtExceptionFailsTheWaitAndTheDefaultHandlerIsPutBack() {
        UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        IllegalStateException death = new IllegalStateException("a watch thread's bug");
        AtomicReference<Thread> dying = new AtomicReference<>();
        AssertionError e = assertThrows(AssertionError.class, () -> await("a delivery").atMost(LONG).until(() -> {
            if (dying.get() == null) { // started inside the wait, so that the wait's handler sees it
                dying.set(new Thread(() -> {
                    throw death;
                }, "naming-test-watch"));
                dying.get().start();
            }
            return false;
        }));
        assertSame(death, e.getCause());
        assertEquals("thread naming-test-watch died of an uncaught exception while awaiting a delivery",
                e.getMessage());
        assertSame(before, Thread.getDefaultUncaughtExceptionHandler());
    }

    @Test
    void anInterruptEndsTheWaitAndKeepsTheFlag() {
        Thread.currentThread().interrupt();
        try {
            AssertionError e = assertThrows(AssertionError.class,
                    () -> await("a delivery").atMost(LONG).until(() -> false));
            assertEquals("interrupted while awaiting a delivery", e.getMessage());
            assertInstanceOf(InterruptedException.class, e.getCause());
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void aWaitNeedsAPositiveDeadlineNoShorterThanItsWindow() {
        assertThrows(IllegalStateException.class, () -> await().until(() -> true));
        assertThrows(IllegalArgumentException.class, () -> await().atMost(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> await().pollInterval(Duration.ofMillis(-1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(1)).until(() -> true));
        assertEquals("the window (2 s) is longer than the deadline (1 s)", e.getMessage());
    }

    @Test
    void durationsReadAsSecondsOrMilliseconds() {
        assertEquals("5 s", Await.format(Duration.ofSeconds(5)));
        assertEquals("1500 ms", Await.format(Duration.ofMillis(1500)));
        assertEquals("20 ms", Await.format(Duration.ofMillis(20)));
    }
}
