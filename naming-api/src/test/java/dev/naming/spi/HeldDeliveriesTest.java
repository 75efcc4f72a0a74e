package dev.naming.spi;

import static dev.naming.spi.ScriptedNaming.instance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.ServiceInstance;
import dev.naming.SubscribeOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Listener calls held while a reading thread reports, then run on it or dispatched. */
class HeldDeliveriesTest {

    /** Each delivery: the subscription's name and the thread it ran on. */
    private final List<String> calls = new CopyOnWriteArrayList<>();
    /** The Naming's dispatcher, holding what it is given until the test runs it. */
    private final List<Runnable> dispatched = new CopyOnWriteArrayList<>();
    private final Executor dispatcher = dispatched::add;
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private HubSubscription subscription(String name, SubscribeOptions options) {
        return new HubSubscription("svc", options, list -> calls.add(name + " on " + Thread.currentThread().getName()),
                dispatcher, timer, closed -> { });
    }

    /** What a hub does with a new list. */
    private static void report(HubSubscription subscription, List<ServiceInstance> list) {
        subscription.offer(list);
        subscription.kick();
    }

    /** What a hub does when the same read changes the list of each of {@code subscriptions}. */
    private static void reportEach(HubSubscription... subscriptions) {
        for (HubSubscription s : subscriptions) {
            report(s, List.of(instance("a")));
        }
    }

    @Test
    void callsForTheDispatcherWaitForTheHoldAndTheFirstRunsOnTheThreadThatRunsThem() {
        HubSubscription first = subscription("first", SubscribeOptions.defaults());
        HubSubscription second = subscription("second", SubscribeOptions.defaults());

        HeldDeliveries held = WatchSink.holdDeliveries(() -> {
            reportEach(first, second);
            report(first, List.of(instance("a"), instance("b"))); // kicked again: held once
        });

        assertEquals(List.of(), calls);
        assertEquals(List.of(), dispatched, "nothing started while the reading thread reads");
        assertFalse(held.isEmpty());
        held.runHere();
        assertEquals(List.of("first on " + Thread.currentThread().getName()), calls);
        assertEquals(1, dispatched.size(), "the second on the dispatcher, started before the first runs");
        Thread other = new Thread(dispatched.get(0), "test-dispatch");
        other.start();
        assertTrue(joined(other));
        assertEquals(List.of("first on " + Thread.currentThread().getName(), "second on test-dispatch"), calls);
    }

    @Test
    void aSubscriptionOnAnExecutorOfItsOwnIsNotHeld() {
        HubSubscription direct = subscription("direct", SubscribeOptions.defaults().withExecutor(Runnable::run));

        HeldDeliveries held = WatchSink.holdDeliveries(() -> report(direct, List.of(instance("a"))));

        assertEquals(List.of("direct on " + Thread.currentThread().getName()), calls);
        assertTrue(held.isEmpty());
    }

    @Test
    void dispatchStartsEveryHeldCallOnTheDispatcher() {
        HubSubscription first = subscription("first", SubscribeOptions.defaults());
        HubSubscription second = subscription("second", SubscribeOptions.defaults());
        HeldDeliveries held = WatchSink.holdDeliveries(() -> reportEach(first, second));

        held.dispatch();

        assertEquals(2, dispatched.size());
        assertEquals(List.of(), calls);
    }

    @Test
    void whatReportsThatThrowStartedIsDispatched() {
        HubSubscription first = subscription("first", SubscribeOptions.defaults());

        assertThrows(IllegalStateException.class, () -> WatchSink.holdDeliveries(() -> {
            report(first, List.of(instance("a")));
            throw new IllegalStateException("reader failing");
        }));

        assertEquals(1, dispatched.size());
    }

    @Test
    void aHoldInsideAnotherLeavesItsCallsToTheOutermost() {
        HubSubscription first = subscription("first", SubscribeOptions.defaults());
        HeldDeliveries[] inner = new HeldDeliveries[1];

        HeldDeliveries outer = WatchSink.holdDeliveries(
                () -> inner[0] = WatchSink.holdDeliveries(() -> report(first, List.of(instance("a")))));

        assertTrue(inner[0].isEmpty());
        assertSame(HeldDeliveries.NONE, inner[0]);
        outer.runHere();
        assertEquals(List.of("first on " + Thread.currentThread().getName()), calls);
    }

    @Test
    void aSubscriptionWhoseListenerRunsElsewhereIsNotCalledTwiceAtOnce() throws InterruptedException {
        CountDownLatch inCall = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> threads = new CopyOnWriteArrayList<>();
        HubSubscription slow = new HubSubscription("svc", SubscribeOptions.defaults(), list -> {
            threads.add(Thread.currentThread().getName());
            inCall.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, dispatcher, timer, closed -> { });
        report(slow, List.of(instance("a")));
        Thread running = new Thread(dispatched.get(0), "test-dispatch");
        running.start();
        assertTrue(inCall.await(5, TimeUnit.SECONDS));

        HeldDeliveries held = WatchSink.holdDeliveries(() -> report(slow, List.of(instance("b"))));
        held.runHere(); // returns at once: the call in progress delivers the new list after it

        assertEquals(List.of("test-dispatch"), threads);
        release.countDown();
        assertTrue(joined(running));
        assertEquals(List.of("test-dispatch", "test-dispatch"), threads);
    }

    private static boolean joined(Thread t) {
        try {
            t.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }
}
