package dev.naming.spi;

import static dev.naming.spi.ScriptedNaming.instance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.ServiceInstance;
import dev.naming.SubscribeOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One subscription on its own: deliveries on a dispatcher that runs them at once, warm-up timers held by the test. */
class HubSubscriptionTest {

    private static final SubscribeOptions WARMING = SubscribeOptions.defaults().withWarmup(Duration.ofMinutes(1));
    private final List<List<String>> delivered = new CopyOnWriteArrayList<>();
    private final HeldTimer timer = new HeldTimer();
    private final AtomicInteger closes = new AtomicInteger();

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private HubSubscription subscription(SubscribeOptions options, Executor dispatcher) {
        return new HubSubscription("svc", options, list -> delivered.add(ids(list)), dispatcher, timer,
                closed -> closes.incrementAndGet());
    }

    /** What the hub does: the list set under its lock, the delivery started after. */
    private static void offer(HubSubscription subscription, List<ServiceInstance> list) {
        subscription.offer(list);
        subscription.kick();
    }

    private static List<String> ids(List<ServiceInstance> list) {
        return list.stream().map(ServiceInstance::id).toList();
    }

    @Test
    void aListenerOnTheReportingThreadRunsOnlyWhenTheOutermostDeferralReturns() {
        HubSubscription subscription = subscription(SubscribeOptions.defaults().withExecutor(Runnable::run),
                Runnable::run);
        WatchSink.deferListeners(() -> {
            offer(subscription, List.of(instance("a")));
            WatchSink.deferListeners(() -> {
                offer(subscription, List.of(instance("a"), instance("b")));
                return null;
            });
            assertEquals(List.of(), delivered, "called while the reports' locks may still be held");
            return null;
        });
        assertEquals(List.of(List.of("a", "b")), delivered);
    }

    @Test
    void instancesOfTheFirstListAreNotWarmedUp() {
        HubSubscription subscription = subscription(WARMING, Runnable::run);
        offer(subscription, List.of(instance("a"), instance("b")));
        assertEquals(List.of(List.of("a", "b")), delivered);
        assertEquals(List.of(), timer.held, "nothing is left to come of age");
    }

    @Test
    void aNewInstanceComesOfAgeAWarmupAfterItWasFirstSeenWhateverListsCameBetween() {
        HubSubscription subscription = subscription(WARMING, Runnable::run);
        offer(subscription, List.of(instance("a")));
        offer(subscription, List.of(instance("a"), instance("b")));
        assertEquals(List.of(List.of("a")), delivered);
        HeldTimer.Held first = timer.held.get(0);
        assertTrue(first.delayNanos() <= WARMING.warmup().toNanos(), first.delayNanos() + " ns");
        offer(subscription, List.of(instance("a", "gate"), instance("b"))); // a changed while b is young
        assertTrue(first.future().isCancelled());
        HeldTimer.Held second = timer.held.get(1);
        assertTrue(second.delayNanos() <= first.delayNanos(),
                "b's coming of age moved from " + first.delayNanos() + " to " + second.delayNanos() + " ns");
        assertEquals(List.of(List.of("a"), List.of("a")), delivered);
    }

    @Test
    void closingCancelsTheNextComingOfAgeAndStopsDeliveries() {
        HubSubscription subscription = subscription(WARMING, Runnable::run);
        offer(subscription, List.of(instance("a")));
        offer(subscription, List.of(instance("a"), instance("b")));
        subscription.close();
        assertTrue(timer.held.get(0).future().isCancelled());
        offer(subscription, List.of());
        assertEquals(List.of(List.of("a")), delivered);
    }

    @Test
    void closeTellsTheNamingOnceAndTheDescriptionSaysSo() {
        HubSubscription subscription = subscription(SubscribeOptions.defaults(), Runnable::run);
        assertTrue(subscription.isActive());
        assertEquals("Subscription[svc]", subscription.toString());
        subscription.close();
        subscription.close();
        assertEquals(1, closes.get());
        assertFalse(subscription.isActive());
        assertEquals("Subscription[svc, closed]", subscription.toString());
    }

    @Test
    void aListTheDispatcherRefusedDoesNotHoldBackTheNextOne() {
        AtomicBoolean refuse = new AtomicBoolean(true);
        HubSubscription subscription = subscription(SubscribeOptions.defaults(), task -> {
            if (refuse.getAndSet(false)) {
                throw new RejectedExecutionException("busy");
            }
            task.run();
        });
        offer(subscription, List.of(instance("a")));
        assertEquals(List.of(), delivered);
        offer(subscription, List.of(instance("b")));
        assertEquals(List.of(List.of("b")), delivered);
    }

    @Test
    void theExecutorTheOptionsNameRunsTheListenerInsteadOfTheDispatcher() {
        List<Runnable> dispatcher = new CopyOnWriteArrayList<>();
        List<Runnable> own = new CopyOnWriteArrayList<>();
        HubSubscription subscription = subscription(SubscribeOptions.defaults().withExecutor(own::add), dispatcher::add);
        offer(subscription, List.of(instance("a")));
        assertEquals(List.of(), dispatcher);
        assertEquals(1, own.size());
        own.get(0).run();
        assertEquals(List.of(List.of("a")), delivered);
    }

    @Test
    void offerOnlySetsTheListAndKickDeliversIt() {
        List<Runnable> ran = new CopyOnWriteArrayList<>();
        HubSubscription subscription = subscription(SubscribeOptions.defaults(), task -> {
            ran.add(task);
            task.run();
        });
        subscription.offer(List.of(instance("a")));
        subscription.offer(List.of(instance("a"), instance("b")));
        assertEquals(List.of(), ran, "nothing runs while the hub holds its lock");
        subscription.kick();
        subscription.kick();
        assertEquals(List.of(List.of("a", "b")), delivered, "the newest list, once");
        assertEquals(1, ran.size());
    }

    @Test
    void aCallersExecutorThatRefusesIsReportedAndTheNextChangeIsDelivered() {
        AtomicBoolean refuse = new AtomicBoolean(true);
        Executor executor = task -> {
            if (refuse.getAndSet(false)) {
                throw new RejectedExecutionException("queue full");
            }
            task.run();
        };
        HubSubscription subscription = subscription(SubscribeOptions.defaults().withExecutor(executor), Runnable::run);
        try (LogCapture log = new LogCapture()) {
            offer(subscription, List.of(instance("a")));
            assertEquals(List.of(), delivered);
            assertEquals(1, log.lines("its executor refused the listener call").size());
        }
        offer(subscription, List.of(instance("b")));
        assertEquals(List.of(List.of("b")), delivered);
    }

    /** Keeps what is scheduled instead of running it. */
    private static final class HeldTimer extends ScheduledThreadPoolExecutor {

        record Held(Runnable task, long delayNanos, ScheduledFuture<?> future) {
        }

        final List<Held> held = new CopyOnWriteArrayList<>();

        HeldTimer() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
            ScheduledFuture<?> future = super.schedule(() -> { }, 1, TimeUnit.HOURS);
            held.add(new Held(task, unit.toNanos(delay), future));
            return future;
        }
    }
}
