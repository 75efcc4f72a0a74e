package dev.naming.spi;

import static dev.naming.spi.ScriptedNaming.instance;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.NamingException;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.SubscribeOptions;
import dev.naming.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AbstractNamingTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private final ScriptedNaming naming = new ScriptedNaming();

    @AfterEach
    void close() {
        naming.close();
    }

    private static List<String> ids(List<ServiceInstance> list) {
        return list.stream().map(ServiceInstance::id).toList();
    }

    @Test
    void snapshotsAreSortedByIdAndRepeatsAreDropped() {
        List<List<String>> seen = new CopyOnWriteArrayList<>();
        naming.subscribe("svc", list -> seen.add(ids(list)));
        WatchSink sink = naming.sinks.get("svc");
        sink.snapshot(List.of(instance("b"), instance("a")));
        await().atMost(DEADLINE).until(() -> seen.size() == 1);
        sink.snapshot(List.of(instance("a"), instance("b")));
        sink.snapshot(List.of(instance("a")));
        await().atMost(DEADLINE).until(() -> seen.size() == 2);
        assertEquals(List.of(List.of("a", "b"), List.of("a")), seen);
    }

    @Test
    void aListenerOnTheReadingThreadRunsWithNoLockOfTheLibraryHeld() throws InterruptedException {
        // the listener waits for another thread to subscribe to the same service and be served:
        // that needs the hub's lock and the naming's, which a listener run under them would hold
        CountDownLatch otherServed = new CountDownLatch(1);
        AtomicBoolean sawOther = new AtomicBoolean();
        List<String> threads = new CopyOnWriteArrayList<>();
        naming.subscribe("svc", SubscribeOptions.defaults().withExecutor(Runnable::run), list -> {
            threads.add(Thread.currentThread().getName());
            Thread other = new Thread(() -> naming.subscribe("svc", seen -> otherServed.countDown()));
            other.start();
            try {
                sawOther.set(otherServed.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread reader = new Thread(() -> naming.sinks.get("svc").snapshot(List.of(instance("a"))), "reply-reader");
        reader.start();
        reader.join(DEADLINE.toMillis() * 2);
        assertEquals(List.of("reply-reader"), threads, "called on the thread that handed the list in");
        assertTrue(sawOther.get(), "another subscriber was served while the listener ran");
    }

    @Test
    void failureKeepsTheLastListAndDeliversNothing() {
        List<List<String>> seen = new CopyOnWriteArrayList<>();
        naming.subscribe("svc", list -> seen.add(ids(list)));
        WatchSink sink = naming.sinks.get("svc");
        sink.snapshot(List.of(instance("a")));
        await().atMost(DEADLINE).until(() -> seen.size() == 1);
        sink.failure(new NamingException("down"));
        sink.snapshot(List.of(instance("a")));
        sink.snapshot(List.of(instance("a"), instance("c")));
        await().atMost(DEADLINE).until(() -> seen.size() == 2);
        assertEquals(List.of(List.of("a"), List.of("a", "c")), seen);
        assertEquals(List.of("a", "c"), ids(naming.find("svc")));
    }

    @Test
    void subscriptionsToOneServiceShareOneWatchStoppedWithTheLast() {
        Subscription first = naming.subscribe("svc", list -> { });
        Subscription second = naming.subscribe("svc", list -> { });
        assertEquals(1, naming.watchesStarted.get());
        first.close();
        assertEquals(0, naming.watchesStopped.get());
        second.close();
        assertEquals(1, naming.watchesStopped.get());
        assertFalse(second.isActive());
    }

    @Test
    void findAnswersFromTheWatchWithoutFetching() {
        naming.subscribe("svc", list -> { });
        naming.sinks.get("svc").snapshot(List.of(instance("a", "gate"), instance("b")));
        assertEquals(List.of("a"), ids(naming.find("svc", "gate")));
        assertEquals(0, naming.fetches.get());
        assertEquals(List.of(), naming.find("other"));
        assertEquals(1, naming.fetches.get());
    }

    @Test
    void throwingListenerKeepsItsSubscription() {
        AtomicInteger calls = new AtomicInteger();
        naming.subscribe("svc", list -> {
            calls.incrementAndGet();
            throw new IllegalStateException("listener bug");
        });
        WatchSink sink = naming.sinks.get("svc");
        sink.snapshot(List.of(instance("a")));
        await().atMost(DEADLINE).until(() -> calls.get() == 1);
        sink.snapshot(List.of());
        await().atMost(DEADLINE).until(() -> calls.get() == 2);
    }

    @Test
    void blockedListenerDoesNotDelayAnotherSubscription() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        naming.subscribe("svc", list -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        List<List<String>> fast = new CopyOnWriteArrayList<>();
        naming.subscribe("svc", list -> fast.add(ids(list)));
        WatchSink sink = naming.sinks.get("svc");
        sink.snapshot(List.of(instance("a")));
        sink.snapshot(List.of(instance("b")));
        await().atMost(DEADLINE).until(() -> fast.contains(List.of("b")));
        release.countDown();
    }

    @Test
    void tagFilteredSubscriptionIgnoresChangesToOtherInstances() {
        List<List<String>> seen = new CopyOnWriteArrayList<>();
        naming.subscribe("svc", SubscribeOptions.defaults().withTags("gate"), list -> seen.add(ids(list)));
        WatchSink sink = naming.sinks.get("svc");
        sink.snapshot(List.of(instance("a", "gate")));
        await().atMost(DEADLINE).until(() -> seen.size() == 1);
        sink.snapshot(List.of(instance("a", "gate"), instance("b")));
        sink.snapshot(List.of(instance("a", "gate"), instance("c", "gate")));
        await().atMost(DEADLINE).until(() -> seen.size() == 2);
        assertEquals(List.of(List.of("a"), List.of("a", "c")), seen);
    }

    @Test
    void warmupHoldsNewInstancesBackAndPassesRemovalsAtOnce() {
        List<List<String>> seen = new CopyOnWriteArrayList<>();
        Duration warmup = Duration.ofMillis(300);
        naming.subscribe("svc", SubscribeOptions.defaults().withWarmup(warmup), list -> seen.add(ids(list)));
        WatchSink sink = naming.sinks.get("svc");
        sink.snapshot(List.of(instance("a")));
        await().atMost(DEADLINE).until(() -> seen.size() == 1);
        assertEquals(List.of("a"), seen.get(0));
        long joined = System.nanoTime();
        sink.snapshot(List.of(instance("a"), instance("b")));
        await().atMost(DEADLINE).until(() -> seen.size() == 2);
        long waited = System.nanoTime() - joined;
        assertEquals(List.of("a", "b"), seen.get(1));
        assertTrue(waited >= warmup.toNanos(), "b was delivered after " + waited / 1_000_000 + " ms");
        sink.snapshot(List.of(instance("b"), instance("c")));
        await().atMost(DEADLINE).until(() -> seen.size() == 3);
        assertEquals(List.of("b"), seen.get(2));
    }

    @Test
    void findAnswersTheRegistrysViewWhileASubscriptionHoldsAnInstanceBack() {
        List<List<String>> seen = new CopyOnWriteArrayList<>();
        naming.subscribe("svc", SubscribeOptions.defaults().withWarmup(Duration.ofMinutes(5)), list -> seen.add(ids(list)));
        WatchSink sink = naming.sinks.get("svc");
        sink.snapshot(List.of(instance("a")));
        await().atMost(DEADLINE).until(() -> seen.size() == 1);
        sink.snapshot(List.of(instance("a"), instance("b")));
        assertEquals(List.of("a", "b"), ids(naming.find("svc")));
        assertEquals(List.of(List.of("a")), seen);
        assertEquals(0, naming.fetches.get());
    }

    @Test
    void closeDeregistersWhatWasRegisteredAndRefusesFurtherUse() {
        naming.register(ServiceRegistration.builder().id("x").name("svc").address("h").port(1).build());
        naming.close();
        assertTrue(naming.registry.isEmpty());
        assertThrows(NamingException.class, () -> naming.find("svc"));
        naming.close();
    }

    @Test
    void closeDuringARegisterStillDeregistersIt() throws InterruptedException {
        CountDownLatch sent = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        naming.afterRegisterSent = () -> {
            sent.countDown();
            awaitQuietly(release);
        };
        Thread registering = new Thread(() ->
                naming.register(ServiceRegistration.builder().id("x").name("svc").address("h").port(1).build()));
        registering.start();
        assertTrue(sent.await(5, TimeUnit.SECONDS));
        Thread closing = new Thread(naming::close);
        closing.start();
        // give close() the chance to finish while the registration is still on its way
        closing.join(300);
        release.countDown();
        registering.join(5000);
        closing.join(5000);
        assertFalse(closing.isAlive());
        assertTrue(naming.registry.isEmpty(), "close() left behind a registration made while it ran: "
                + naming.registry.keySet());
    }

    @Test
    void closeCalledByAListenerReturnsPromptlyWithoutInterruptingIt() {
        AtomicLong closeMillis = new AtomicLong(-1);
        AtomicBoolean interrupted = new AtomicBoolean();
        naming.subscribe("svc", list -> {
            long started = System.nanoTime();
            naming.close();
            interrupted.set(Thread.currentThread().isInterrupted());
            closeMillis.set((System.nanoTime() - started) / 1_000_000);
        });
        naming.sinks.get("svc").snapshot(List.of(instance("a")));

        await().atMost(DEADLINE).until(() -> closeMillis.get() >= 0);
        assertTrue(closeMillis.get() < 500, "close() from a listener took " + closeMillis.get() + " ms");
        assertFalse(interrupted.get(), "close() from a listener interrupted the listener's thread");
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void slowListenerGetsTheNewestListAndNeverAStaleOne() {
        CountDownLatch release = new CountDownLatch(1);
        List<List<String>> seen = new CopyOnWriteArrayList<>();
        naming.subscribe("svc", list -> {
            seen.add(ids(list));
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        WatchSink sink = naming.sinks.get("svc");
        sink.snapshot(List.of(instance("a")));
        await().atMost(DEADLINE).until(() -> seen.size() == 1);
        sink.snapshot(List.of(instance("b")));
        sink.snapshot(List.of(instance("c")));
        release.countDown();
        await().atMost(DEADLINE).until(() -> seen.size() == 2);
        assertEquals(List.of(List.of("a"), List.of("c")), seen);
    }

    @Test
    void invalidInputIsRejectedBeforeTheBackendIsCalled() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> naming.find(" "));
        assertTrue(e.getMessage().startsWith("name"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> naming.find("svc", "ok", null));
        assertTrue(e.getMessage().startsWith("tags"), e.getMessage());
        assertEquals(0, naming.fetches.get());
    }

    @Test
    void closeStopsDispatcherThreads() {
        naming.subscribe("svc", list -> { });
        naming.sinks.get("svc").snapshot(List.of(instance("a")));
        await().atMost(DEADLINE).until(() -> threadsNamed("naming-scripted-dispatch") > 0);
        naming.close();
        await().atMost(DEADLINE).until(() -> threadsNamed("naming-scripted-") == 0);
    }

    @Test
    void aDeregistrationThatFailedIsTriedAgainByClose() {
        naming.register(ServiceRegistration.builder().id("x").name("svc").address("h").port(1).build());
        naming.failingDeregistrations.set(1);
        assertThrows(NamingException.class, () -> naming.deregister("x"));
        assertTrue(naming.registry.containsKey("x"));
        naming.close();
        assertTrue(naming.registry.isEmpty(), "close() left the instance whose deregistration had failed");
    }

    @Test
    void describesItselfWithItsRegistryAndWhetherItIsClosed() {
        assertEquals("scripted", naming.backend());
        assertEquals("ScriptedNaming[scripted:]", naming.toString());
        assertFalse(naming.isClosed());
        naming.close();
        assertTrue(naming.isClosed());
        assertEquals("ScriptedNaming[scripted:, closed]", naming.toString());
    }

    @Test
    void theBackendsOwnRulesRejectInputBeforeAnyCallNamingTheField() {
        naming.serviceIdCheck = id -> {
            if (id.contains("/")) {
                throw new IllegalArgumentException("serviceId: this backend takes no '/'");
            }
        };
        naming.registrationCheck = registration -> {
            if (!registration.meta().isEmpty()) {
                throw new IllegalArgumentException("meta: this backend carries none");
            }
        };
        ServiceRegistration withMeta = ServiceRegistration.builder().id("x").name("svc").address("h").port(1)
                .meta("weight", "10").build();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> naming.register(withMeta))
                .getMessage().startsWith("meta"));
        for (Runnable call : List.<Runnable>of(() -> naming.deregister("a/b"), () -> naming.drain("svc", "a/b"),
                () -> naming.undrain("svc", "a/b"))) {
            assertTrue(assertThrows(IllegalArgumentException.class, call::run).getMessage().startsWith("serviceId"));
        }
        assertEquals(List.of(), naming.events);
    }

    @Test
    void findOfAServiceNotWatchedAsksTheRegistryAndSortsAndFiltersItsAnswer() {
        naming.register(ServiceRegistration.builder().id("b").name("svc").address("h").port(1).build());
        naming.register(ServiceRegistration.builder().id("a").name("svc").address("h").port(1).tags("gate").build());
        assertEquals(List.of("a", "b"), ids(naming.find("svc")));
        assertEquals(List.of("a"), ids(naming.find("svc", "gate")));
        assertEquals(2, naming.fetches.get());
    }

    @Test
    void aNewSubscriberToAWatchedServiceGetsTheCurrentListAtOnce() {
        naming.subscribe("svc", list -> { });
        naming.sinks.get("svc").snapshot(List.of(instance("a")));
        List<List<String>> seen = new CopyOnWriteArrayList<>();
        naming.subscribe("svc", list -> seen.add(ids(list)));
        await().atMost(DEADLINE).until(() -> seen.equals(List.of(List.of("a"))));
        assertEquals(1, naming.watchesStarted.get());
    }

    private static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).count();
    }
}
