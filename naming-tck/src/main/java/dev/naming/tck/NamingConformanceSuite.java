package dev.naming.tck;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.naming.HealthCheck;
import dev.naming.Naming;
import dev.naming.NamingException;
import dev.naming.RegistrationPendingException;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.SubscribeOptions;
import dev.naming.Subscription;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * The conformance suite (TCK): every rule of the naming contract (the README's "The contract",
 * also on {@link dev.naming.Naming}, plus find-from-watch, warm-up and tag-filtered subscriptions), written once
 * and run against each backend by a concrete subclass that supplies a {@link RegistryFixture}.
 *
 * <p>Written for registries slower than memory: every wait is an await bounded by the fixture's
 * {@link RegistryFixture#propagationDeadline()}, things that must not happen are watched for the
 * fixture's {@link RegistryFixture#quietWindow()}, and every test uses service names and ids of
 * its own, so tests sharing one registry cannot see each other's state. Tests that need a switch
 * the fixture lacks (outage, state loss) are skipped.
 *
 * <p>A backend runs it with one test class of its own, in any package, and a {@link RegistryFixture}:
 * <pre>{@code
 * class MyRegistryConformanceTest extends NamingConformanceSuite {
 *     protected RegistryFixture createFixture() { return new MyRegistryFixture(); }
 * }
 * }</pre>
 * and may add backend-specific tests there with the protected helpers ({@link #open()},
 * {@link #fixture()}, {@link #service()}, {@link #id(String)},
 * {@link #registration(String, int, String...)}).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
public abstract class NamingConformanceSuite {

    /** Faster than {@link Await}'s default: this suite's waits are many and short, each ends within 20 ms. */
    private static final Duration POLL = Duration.ofMillis(20);
    /** How much earlier than its warm-up a held-back instance may arrive (clock granularity). */
    private static final Duration WARMUP_TOLERANCE = Duration.ofMillis(50);
    private static final String RESERVED = "/ ? # & % .. ";
    /**
     * A process that only registers has its instance back this soon after a restarted registry
     * answers: well below the heartbeat it would otherwise wait for (a minute here), with room for a
     * loaded machine; the 1 s target is measured by the benchmark (RestartFigures), not asserted here.
     */
    private static final Duration RESTART_NOTICED_DEADLINE = Duration.ofSeconds(3);
    /** Watched services in the case of watches resuming together after an outage. */
    private static final int RESUMING_WATCHES = 20;
    /**
     * Every watch delivers a change made after an outage this soon after the registry answered,
     * besides the time the registrations making the change took: the 250 ms over which resuming
     * watches are spread, and round trips. A watch pausing at a 1 s cap would be later about
     * half of the time.
     */
    private static final Duration RESUME_DEADLINE = Duration.ofMillis(500);
    /** A registration made while the registry was down is visible this soon after it answers. */
    private static final Duration PENDING_REGISTRATION_DEADLINE = Duration.ofSeconds(1);
    /**
     * Plain ASCII that every backend must carry in names, ids and tags: where the odd characters of a
     * case may be refused, the same field with these must still round-trip.
     */
    private static final String PLAIN = "-plain.09_end";

    private RegistryFixture fixture;
    private final List<Naming> opened = new ArrayList<>();
    private boolean outage;
    private String prefix;

    /** For a backend's test class, which supplies the fixture. */
    protected NamingConformanceSuite() {
    }

    /** The registry under test; called once per test, closed after it. */
    protected abstract RegistryFixture createFixture();

    @BeforeEach
    final void openFixture(TestInfo info) {
        String method = info.getTestMethod().map(Method::getName).orElse("test");
        String random = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
        prefix = "tck-" + (method.length() > 30 ? method.substring(0, 30) : method) + "-"
                + random.substring(0, Math.min(8, random.length()));
        fixture = createFixture();
    }

    /**
     * Closes every {@code Naming} the test opened, then the fixture. {@code close()} must not fail:
     * a failure fails the test (each one reported), after everything else was closed.
     */
    @AfterEach
    final void closeFixture() {
        try {
            if (outage) {
                fixture.setReachable(true);
            }
        } finally {
            closeAll(opened, fixture);
        }
    }

    /**
     * Closes every one of {@code opened}, then {@code fixture}; a {@code close()} that failed fails
     * the test afterwards, each failure reported, so that one failure does not leave the rest open.
     */
    static void closeAll(List<Naming> opened, RegistryFixture fixture) {
        List<Throwable> failures = new ArrayList<>();
        try {
            for (Naming naming : opened) {
                try {
                    naming.close();
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }
        } finally {
            fixture.close();
        }
        if (!failures.isEmpty()) {
            AssertionError failed = new AssertionError(failures.size() + " Naming.close() call(s) failed: "
                    + failures.get(0));
            failures.forEach(failed::addSuppressed);
            throw failed;
        }
    }

    // ---- 1. find: healthy instances with every tag, sorted by id ---------------------------------

    @Test
    void findReturnsInstanceRegisteredByAnotherNaming() {
        ServiceRegistration a = registration("a", 8001);
        open().register(a);
        Naming observer = open();
        awaitFound(observer, service(), a);
    }

    @Test
    void findReturnsEveryFieldAsRegistered() {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("weight", "10");
        meta.put("zone", "上海-α");
        meta.put("note", "🚀 ready, set; go!");
        ServiceRegistration a = fixture.adapt(ServiceRegistration.builder()
                .id(id("a")).name(service()).address("10.1.2.3").port(8443).protocol("ws")
                .tags("zone-b", "gate", "a-last").meta(meta).build());
        open().register(a);
        Naming observer = open();
        awaitFound(observer, service(), a);

        ServiceInstance found = observer.find(service()).get(0);
        assertEquals(a.id(), found.id());
        assertEquals(service(), found.name());
        assertEquals("10.1.2.3", found.address());
        assertEquals(8443, found.port());
        assertEquals("ws", found.protocol());
        assertEquals(List.of("zone-b", "gate", "a-last"), found.tags(), "tags keep their order");
        assertEquals(Map.of("weight", "10", "zone", "上海-α", "note", "🚀 ready, set; go!"), found.meta());
    }

    @Test
    void endpointIsProtocolAddressAndPort() {
        ServiceRegistration a = fixture.adapt(ServiceRegistration.builder()
                .id(id("a")).name(service()).address("10.1.2.3").port(8443).protocol("ws").build());
        open().register(a);
        Naming observer = open();
        awaitFound(observer, service(), a);
        assertEquals("ws://10.1.2.3:8443", observer.find(service()).get(0).endpoint());
    }

    @Test
    void findReturnsOnlyInstancesCarryingEveryTag() {
        ServiceRegistration both = registration("a", 8001, "gate", "zone-a");
        ServiceRegistration gate = registration("b", 8002, "gate");
        ServiceRegistration zone = registration("c", 8003, "zone-a");
        Naming owner = open();
        owner.register(both);
        owner.register(gate);
        owner.register(zone);
        Naming observer = open();
        awaitFound(observer, service(), both, gate, zone);

        assertEquals(instances(both), observer.find(service(), "gate", "zone-a"));
        assertEquals(instances(both, gate), observer.find(service(), "gate"));
        assertEquals(instances(both, zone), observer.find(service(), "zone-a"));
        assertEquals(List.of(), observer.find(service(), "gate", "no-such-tag"));
    }

    @Test
    void findSortsInstancesById() {
        Naming owner = open();
        int port = 8001;
        for (String local : List.of("c", "a2", "b", "a10", "a")) {
            owner.register(registration(local, port++));
        }
        Naming observer = open();
        awaitIds(observer, service(), id("a"), id("a10"), id("a2"), id("b"), id("c"));
    }

    @Test
    void findOfUnknownServiceReturnsEmptyList() {
        assertEquals(List.of(), open().find(service("unknown")));
    }

    @Test
    void findDoesNotMixServices() {
        ServiceRegistration a = registration("a", service("one"), 8001, "gate");
        ServiceRegistration b = registration("b", service("two"), 8002, "gate");
        Naming owner = open();
        owner.register(a);
        owner.register(b);
        Naming observer = open();
        awaitFound(observer, service("one"), a);
        awaitFound(observer, service("two"), b);
    }

    @Test
    void findOmitsInstanceWhoseHeartbeatsStopped() {
        assumeOutage();
        ServiceRegistration dying = registration("dying", 8001);
        assumeTrue(dying.check().kind() == HealthCheck.Kind.TTL
                && dying.check().ttl().compareTo(Duration.ofSeconds(20)) <= 0, () -> skipped("gives no TTL check of "
                + "20 s at most from adapt()", "to see an instance expire within the test's time"));
        Naming doomed = open();
        doomed.register(dying);
        Naming observer = open();
        awaitFound(observer, service(), dying);

        // A process that dies cannot deregister: close it while the registry is down, so only its
        // heartbeats stop and the registry must notice the missing heartbeats by itself. The
        // observer only reads: no other process's activity may be needed to hide the instance.
        goDown();
        doomed.close();
        comeBack();
        eventually(dying.check().ttl().multipliedBy(3).plus(deadline()))
                .untilAsserted(() -> assertEquals(List.of(), observer.find(service())));
    }

    // ---- 2. subscribe: current list, then every change, in order, never twice ----------------------

    @Test
    void subscribeDeliversCurrentList() {
        ServiceRegistration a = registration("a", 8001);
        ServiceRegistration b = registration("b", 8002);
        Naming owner = open();
        owner.register(a);
        owner.register(b);
        awaitFound(open(), service(), a, b);

        Recorder recorder = new Recorder();
        open().subscribe(service(), recorder);
        awaitDelivered(recorder, a, b);
        assertEquals(instances(a, b), recorder.lists().get(0), "the first list is the current one");
    }

    @Test
    void subscribeToUnknownServiceDeliversEmptyList() {
        Recorder recorder = new Recorder();
        open().subscribe(service("unknown"), recorder);
        awaitDelivered(recorder);
        assertEquals(1, recorder.count());
    }

    @Test
    void subscriberGetsNewListAfterRegister() {
        Naming owner = open();
        registerAThenB(owner, subscribed(open(), service()));
    }

    @Test
    void subscriberGetsNewListAfterUpdate() {
        Naming owner = open();
        ServiceRegistration a = registration("a", 8001, "blue");
        owner.register(a);
        Recorder recorder = subscribed(open(), service());
        awaitDelivered(recorder, a);

        ServiceRegistration moved = a.toBuilder().port(9001).tags("green").meta("weight", "5").build();
        owner.register(moved);
        awaitDelivered(recorder, moved);
    }

    @Test
    void subscriberGetsNewListAfterDeregister() {
        Naming owner = open();
        ServiceRegistration a = registration("a", 8001);
        ServiceRegistration b = registration("b", 8002);
        owner.register(a);
        owner.register(b);
        Recorder recorder = subscribed(open(), service());
        awaitDelivered(recorder, a, b);

        owner.deregister(b.id());
        awaitDelivered(recorder, a);
        owner.deregister(a.id());
        awaitDelivered(recorder);
    }

    @Test
    void reRegisteringIdenticalRegistrationDeliversNothing() {
        Naming owner = open();
        ServiceRegistration a = registration("a", 8001);
        owner.register(a);
        awaitFound(open(), service(), a);
        Recorder recorder = subscribed(open(), service());
        awaitDelivered(recorder, a);

        owner.register(a);
        owner.register(a);
        // A later, real change: once it has arrived, the identical ones before it had their chance.
        ServiceRegistration z = registration("z", 8026);
        owner.register(z);
        awaitDelivered(recorder, a, z);
        assertEquals(List.of(instances(a), instances(a, z)), recorder.lists());
    }

    @Test
    void deliveriesNeverRepeatTheSameList() {
        Naming owner = open();
        ServiceRegistration a = registration("a", 8001);
        ServiceRegistration b = registration("b", 8002);
        owner.register(a);
        Recorder recorder = subscribed(open(), service());
        awaitDelivered(recorder, a);

        for (int round = 0; round < 5; round++) {
            owner.register(a);
            owner.register(b);
            owner.register(b);
            owner.deregister(b.id());
            owner.register(a);
        }
        ServiceRegistration z = registration("z", 8026);
        owner.register(z);
        awaitDelivered(recorder, a, z);
        assertFalse(recorder.repeatedAList(), () -> "two equal lists in a row: " + recorder);
    }

    @Test
    void listenerCallsNeverOverlap() throws InterruptedException {
        Naming owner = open();
        // A slow listener widens the window in which a second call could wrongly start.
        Recorder recorder = new Recorder().then(list -> LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)));
        open().subscribe(service(), recorder);
        awaitDelivered(recorder);

        List<String> expected = new ArrayList<>();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            List<ServiceRegistration> batch = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                ServiceRegistration r = registration("w" + w + "-" + i, 8000 + w * 10 + i);
                batch.add(r);
                expected.add(r.id());
            }
            writers.add(new Thread(() -> batch.forEach(owner::register), "tck-writer-" + w));
        }
        writers.forEach(Thread::start);
        for (Thread writer : writers) {
            writer.join(deadline().toMillis());
        }
        expected.sort(null);
        eventually().untilAsserted(() -> assertEquals(expected, recorder.lastIds()));
        assertEquals(1, recorder.mostConcurrentCalls(), "calls for one subscription overlapped");
    }

    @Test
    void deliveriesKeepTheOrderOfChanges() {
        Naming owner = open();
        Recorder recorder = subscribed(open(), service());
        List<String> expected = registerInTurn(owner, 10);
        eventually().untilAsserted(() -> assertEquals(expected, recorder.lastIds()));
        assertEachListGrowsTheLast(recorder);
    }

    /** Registers {@code a}, awaits it at {@code watching}, then {@code b}; both registrations, in order. */
    private List<ServiceRegistration> registerAThenB(Naming owner, Recorder watching) {
        ServiceRegistration a = registration("a", 8001);
        owner.register(a);
        awaitDelivered(watching, a);
        ServiceRegistration b = registration("b", 8002);
        owner.register(b);
        awaitDelivered(watching, a, b);
        return List.of(a, b);
    }

    /** Registers {@code count} instances one after the other; their ids, in order. */
    private List<String> registerInTurn(Naming owner, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ServiceRegistration r = registration("i" + i, 8000 + i);
            owner.register(r);
            ids.add(r.id());
        }
        return ids;
    }

    /** Only additions happened: every list holds the one before it and more, none repeated or reordered. */
    private static void assertEachListGrowsTheLast(Recorder recorder) {
        List<List<ServiceInstance>> lists = recorder.lists();
        for (int i = 1; i < lists.size(); i++) {
            assertTrue(lists.get(i).containsAll(lists.get(i - 1)) && lists.get(i).size() > lists.get(i - 1).size(),
                    () -> "lists out of order or repeated: " + recorder);
        }
    }

    @Test
    void throwingListenerKeepsItsSubscription() {
        Naming owner = open();
        Recorder recorder = new Recorder().then(list -> {
            throw new IllegalStateException("listener failure expected by the test");
        });
        Subscription subscription = open().subscribe(service(), recorder);
        awaitDelivered(recorder);

        ServiceRegistration a = registration("a", 8001);
        owner.register(a);
        awaitDelivered(recorder, a);
        assertTrue(subscription.isActive());
    }

    @Test
    void throwingListenerIsLogged() {
        Recorder recorder = new Recorder().then(list -> {
            throw new IllegalStateException("listener failure expected by the test");
        });
        try (StandardErrorCapture log = new StandardErrorCapture()) {
            open().subscribe(service(), recorder);
            awaitDelivered(recorder);
            eventually().untilAsserted(() -> assertTrue(
                    log.text().contains(service()) && log.text().contains("listener failure expected by the test"),
                    "no log line names the service and the listener's exception"));
        }
    }

    @Test
    void throwingListenerLeavesOtherSubscriptionsUntouched() {
        Naming owner = open();
        Naming naming = open();
        Recorder thrower = new Recorder().then(list -> {
            throw new IllegalStateException("listener failure expected by the test");
        });
        naming.subscribe(service(), thrower);
        Recorder calm = subscribed(naming, service());
        awaitDelivered(calm);

        List<ServiceRegistration> ab = registerAThenB(owner, calm);
        assertEquals(List.of(List.of(), instances(ab.get(0)), instances(ab.get(0), ab.get(1))), calm.lists());
    }

    @Test
    void blockedListenerDelaysOnlyItsOwnSubscription() {
        Naming owner = open();
        Naming naming = open();
        CountDownLatch release = new CountDownLatch(1);
        Recorder blocked = new Recorder().then(list -> awaitQuietly(release));
        Recorder free = new Recorder();
        try {
            naming.subscribe(service(), blocked);
            naming.subscribe(service(), free);
            awaitDelivered(blocked);

            registerAThenB(owner, free);
            assertEquals(1, blocked.count(), "the blocked listener is still in its first call");
        } finally {
            release.countDown();
        }
        // Once released it catches up with the newest list (intermediate ones may be skipped).
        eventually().untilAsserted(() -> assertEquals(free.last(), blocked.last()));
        assertEquals(1, blocked.mostConcurrentCalls());
    }

    @Test
    void listenerRunsOnTheExecutorItsOptionsName() throws InterruptedException {
        Naming owner = open();
        ExecutorService own = Executors.newSingleThreadExecutor(task -> new Thread(task, "tck-own-executor"));
        try {
            Set<String> threads = ConcurrentHashMap.newKeySet();
            Recorder recorder = new Recorder().then(list -> threads.add(Thread.currentThread().getName()));
            open().subscribe(service(), SubscribeOptions.defaults().withExecutor(own), recorder);
            awaitDelivered(recorder);
            registerAThenB(owner, recorder);
            assertEquals(Set.of("tck-own-executor"), threads);
        } finally {
            own.shutdownNow();
            own.awaitTermination(deadline().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void listenerOnTheReadingThreadKeepsTheContract() {
        Naming owner = open();
        Naming naming = open();
        Recorder direct = new Recorder();
        Recorder pooled = new Recorder();
        naming.subscribe(service(), SubscribeOptions.defaults().withExecutor(Runnable::run), direct);
        naming.subscribe(service(), pooled);
        awaitDelivered(direct);
        List<String> expected = registerInTurn(owner, 5);
        eventually().untilAsserted(() -> assertEquals(expected, direct.lastIds()));
        eventually().untilAsserted(() -> assertEquals(expected, pooled.lastIds()));
        assertEachListGrowsTheLast(direct);
        assertEquals(1, direct.mostConcurrentCalls(), "calls for one subscription overlapped");
    }

    @Test
    void listenerOnTheReadingThreadHoldsNoLockOfTheLibrary() {
        Naming owner = open();
        Naming other = open();
        Naming naming = open();
        CompletableFuture<Void> otherRegistered = new CompletableFuture<>();
        naming.subscribe(service(), SubscribeOptions.defaults().withExecutor(Runnable::run), list -> {
            if (list.size() == 1 && !otherRegistered.isDone()) {
                // another thread's call into the library while this listener runs must not wait for it
                CompletableFuture<Void> call = CompletableFuture.runAsync(() -> other.register(registration("b", 8002)));
                try {
                    call.get(deadline().toMillis(), TimeUnit.MILLISECONDS);
                    otherRegistered.complete(null);
                } catch (Exception e) {
                    otherRegistered.completeExceptionally(e);
                }
            }
        });
        owner.register(registration("a", 8001));
        assertDoesNotThrow(() -> otherRegistered.get(2 * deadline().toMillis(), TimeUnit.MILLISECONDS),
                "a registration by another thread while the listener ran was held up");
    }

    @Test
    void listenerOnTheReadingThreadMayCloseTheNamingWhoseRegistrationItSees() throws InterruptedException {
        Naming naming = open();
        Recorder firsts = new Recorder();
        CountDownLatch closed = new CountDownLatch(1);
        naming.subscribe(service(), SubscribeOptions.defaults().withExecutor(Runnable::run), firsts.then(list -> {
            if (!list.isEmpty()) {
                naming.close();
                closed.countDown();
            }
        }));
        awaitDelivered(firsts);
        Thread registering = new Thread(() -> naming.register(registration("a", 8001)), "tck-registering");
        registering.setDaemon(true);
        registering.start();
        assertTrue(closed.await(deadline().toMillis(), TimeUnit.MILLISECONDS),
                "close() called by a listener that saw the Naming's own registration returned");
        registering.join(deadline().toMillis());
        assertFalse(registering.isAlive(), "register() returned");
        assertThrows(NamingException.class, () -> naming.find(service()));
    }

    @Test
    void listenerMayUseTheNamingAndCloseItsOwnSubscription() {
        ServiceRegistration a = registration("a", 8001);
        open().register(a);
        awaitFound(open(), service(), a);
        Naming naming = open();
        AtomicReference<Subscription> own = new AtomicReference<>();
        CountDownLatch subscribed = new CountDownLatch(1);
        AtomicReference<List<ServiceInstance>> foundInside = new AtomicReference<>();
        Recorder other = new Recorder();
        Recorder recorder = new Recorder().then(list -> {
            awaitQuietly(subscribed); // the first call may come before subscribe() returns
            foundInside.set(naming.find(service()));
            naming.subscribe(service("other"), other);
            own.get().close();
        });
        own.set(naming.subscribe(service(), recorder));
        subscribed.countDown();

        awaitDelivered(recorder, a);
        awaitDelivered(other);
        eventually().untilAsserted(() -> assertFalse(own.get().isActive()));
        assertEquals(instances(a), foundInside.get());
        open().register(registration("b", 8002));
        assertStill(List.of(instances(a)), recorder);
    }

    @Test
    void everySubscriberGetsTheList() {
        Naming owner = open();
        ServiceRegistration a = registration("a", 8001);
        owner.register(a);
        Naming first = open();
        Naming second = open();
        List<Recorder> recorders = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            recorders.add(subscribed(first, service()));
            recorders.add(subscribed(second, service()));
        }
        recorders.forEach(r -> awaitDelivered(r, a));

        ServiceRegistration b = registration("b", 8002);
        owner.register(b);
        recorders.forEach(r -> awaitDelivered(r, a, b));
    }

    // ---- 3. one shared watch per service ------------------------------------------------------------

    @Test
    void threadsDoNotGrowWithSubscribers() {
        ServiceRegistration a = registration("a", 8001);
        open().register(a);
        Naming naming = open();
        LibraryThreads threads = LibraryThreads.snapshot();

        awaitDelivered(subscribed(naming, service()), a);
        int withOne = threads.startedBackground().size();

        List<Recorder> more = new ArrayList<>();
        for (int i = 0; i < 49; i++) {
            more.add(subscribed(naming, service()));
        }
        more.forEach(r -> awaitDelivered(r, a));
        List<String> withFifty = threads.startedBackground();
        assertTrue(withFifty.size() <= withOne,
                () -> "50 subscribers of one service started more threads than 1: " + withFifty);
        List<String> dispatchers = threads.startedDispatchers();
        assertTrue(dispatchers.size() <= LibraryThreads.DISPATCHER_BOUND,
                () -> "listener dispatch threads grew with subscribers: " + dispatchers);
    }

    @Test
    void watchRequestsDoNotGrowWithSubscribers() {
        assumeTrue(fixture.openWatchRequests().isPresent(), () -> skipped("cannot count the watch requests its "
                + "registry holds open (openWatchRequests() is empty)", "to see whether they grow with subscribers"));
        ServiceRegistration a = registration("a", 8001);
        open().register(a);
        Naming naming = open();
        awaitDelivered(subscribed(naming, service()), a);
        int withOne = mostOpenWatchRequests();

        List<Recorder> more = new ArrayList<>();
        for (int i = 0; i < 49; i++) {
            more.add(subscribed(naming, service()));
        }
        more.forEach(r -> awaitDelivered(r, a));
        int withFifty = mostOpenWatchRequests();
        assertTrue(withFifty <= withOne,
                () -> "50 subscribers held " + withFifty + " watch requests open, 1 subscriber " + withOne);
    }

    @Test
    void closingLastSubscriptionStopsTheWatch() {
        ServiceRegistration a = registration("a", 8001);
        Naming owner = open();
        owner.register(a);
        awaitFound(open(), service(), a);
        Naming naming = open();
        // Threads a Naming starts once for all its watches (a shared poller, a heartbeat) are
        // started by this other watch first; what the watched service adds must go again.
        awaitDelivered(subscribed(naming, service("kept")));
        LibraryThreads threads = LibraryThreads.snapshot();
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        Subscription one = naming.subscribe(service(), first);
        Subscription two = naming.subscribe(service(), second);
        awaitDelivered(first, a);
        awaitDelivered(second, a);

        one.close();
        two.close();
        eventually().untilAsserted(() -> assertEquals(List.of(), threads.startedBackground(),
                "the watch's threads outlived its last subscription"));
        owner.register(registration("b", 8002));
        assertStill(List.of(instances(a)), first, second);
    }

    @Test
    void findAfterLastSubscriptionClosedAsksTheRegistry() {
        assumeOutage();
        ServiceRegistration a = registration("a", 8001);
        open().register(a);
        Naming naming = open();
        Recorder recorder = new Recorder();
        Subscription subscription = naming.subscribe(service(), recorder);
        awaitDelivered(recorder, a);

        subscription.close();
        goDown();
        // No watch is left to answer from: the registry is asked, and it is down.
        assertThrows(NamingException.class, () -> naming.find(service()));
    }

    @Test
    void closingOneSubscriptionLeavesOthersDelivering() {
        Naming owner = open();
        Naming naming = open();
        Recorder closed = new Recorder();
        Subscription toClose = naming.subscribe(service(), closed);
        Recorder kept = subscribed(naming, service());
        awaitDelivered(closed);
        awaitDelivered(kept);

        toClose.close();
        assertFalse(toClose.isActive());
        ServiceRegistration a = registration("a", 8001);
        owner.register(a);
        awaitDelivered(kept, a);
        assertEquals(1, closed.count(), "a closed subscription got a list");
    }

    @Test
    void closingSubscriptionTwiceDoesNothing() {
        Naming naming = open();
        Recorder recorder = new Recorder();
        Subscription subscription = naming.subscribe(service(), recorder);
        Recorder other = subscribed(naming, service());
        awaitDelivered(recorder);
        subscription.close();
        assertDoesNotThrow(subscription::close);
        assertEquals(service(), subscription.serviceName());

        ServiceRegistration a = registration("a", 8001);
        open().register(a);
        awaitDelivered(other, a);
    }

    @Test
    void subscribingAgainAfterLastClosedDeliversCurrentList() {
        Naming owner = open();
        Naming naming = open();
        Recorder first = new Recorder();
        Subscription subscription = naming.subscribe(service(), first);
        awaitDelivered(first);
        subscription.close();

        ServiceRegistration a = registration("a", 8001);
        owner.register(a);
        awaitFound(open(), service(), a);
        Recorder again = subscribed(naming, service());
        awaitDelivered(again, a);
    }

    // ---- 4. registry unreachable: keep the last list, say nothing, recover -------------------------

    @Test
    void subscriberKeepsLastListWhileRegistryIsDown() {
        assumeOutage();
        ServiceRegistration a = registration("a", 8001);
        open().register(a);
        awaitFound(open(), service(), a);
        Recorder recorder = new Recorder();
        Subscription subscription = open().subscribe(service(), recorder);
        awaitDelivered(recorder, a);

        goDown();
        assertStill(List.of(instances(a)), recorder);
        assertTrue(subscription.isActive());
    }

    @Test
    void subscriberGetsTrueListOnceRegistryIsBack() {
        assumeOutage();
        Naming owner = open();
        ServiceRegistration a = registration("a", 8001);
        owner.register(a);
        awaitFound(open(), service(), a);
        Recorder recorder = subscribed(open(), service());
        awaitDelivered(recorder, a);

        goDown();
        assertStill(List.of(instances(a)), recorder);
        comeBack();
        ServiceRegistration b = registration("b", 8002);
        owner.register(b);
        awaitDelivered(recorder, a, b);
        assertEquals(instances(a, b), open().find(service()), "the delivered list is the registry's");
    }

    @Test
    void subscriptionStartedWhileRegistryIsDownDeliversOnceItIsBack() {
        assumeOutage();
        ServiceRegistration a = registration("a", 8001);
        open().register(a);
        awaitFound(open(), service(), a);

        goDown();
        Recorder recorder = new Recorder();
        Naming naming = open();
        naming.subscribe(service(), recorder);
        assertStill(List.of(), recorder);
        comeBack();
        awaitDelivered(recorder, a);
        assertEquals(List.of(instances(a)), recorder.lists());
    }

    @Test
    void findWithoutSubscriptionFailsWithNamingExceptionWhileRegistryIsDown() {
        assumeOutage();
        Naming naming = open();
        goDown();
        assertThrows(NamingException.class, () -> naming.find(service()));
    }

    @Test
    void registerWhileRegistryIsDownSaysTheRegistrationIsPending() {
        assumeOutage();
        Naming naming = open();
        goDown();
        ServiceRegistration a = registration("a", 8001);
        RegistrationPendingException pending = assertThrows(RegistrationPendingException.class,
                () -> naming.register(a));
        assertEquals(a.id(), pending.serviceId());
    }

    /**
     * A process that starts while its registry is down: its registration is kept, and visible
     * within a second of the registry answering again, with nothing more from the caller.
     */
    @Test
    void registrationMadeWhileRegistryIsDownIsVisibleWithinASecondOfItsReturn() {
        assumeOutage();
        Naming naming = open();
        Naming observer = open();
        Recorder watcher = subscribed(open(), service());
        awaitDelivered(watcher);
        ServiceRegistration a = registration("a", 8001);
        goDown();
        assertThrows(RegistrationPendingException.class, () -> naming.register(a));
        // the outage lasts a quiet window, in which the keep-alive's probes back off
        assertStill(List.of(List.of()), watcher);

        comeBack();
        long answered = System.nanoTime();
        eventually("the pending registration to be visible", deadline())
                .untilAsserted(() -> assertEquals(instances(a), observer.find(service())));
        Duration took = Duration.ofNanos(System.nanoTime() - answered);
        assertTrue(took.compareTo(PENDING_REGISTRATION_DEADLINE) <= 0,
                () -> "visible " + took.toMillis() + " ms after the registry answered, more than "
                        + PENDING_REGISTRATION_DEADLINE.toMillis() + " ms");
    }

    /**
     * A process (an IM gateway) that starts while its registry is down starts from the lists an
     * earlier run stored ({@code snapshot=}), marked unconfirmed, and the registry's own list
     * replaces them once it answers. The registry is down by refusing connections on some
     * fixtures, by freezing on others: the stored list comes on a failed first read, or when the
     * first read has not answered within its bound.
     */
    @Test
    void aProcessStartedWhileTheRegistryIsDownStartsFromItsSnapshot() throws java.io.IOException {
        assumeOutage();
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("naming-tck-snapshot");
        Naming gateway = null;
        try {
            Map<String, String> withSnapshot = Map.of("snapshot", dir.toString());
            Naming owner = open();
            ServiceRegistration a = registration("a", 8001);
            ServiceRegistration b = registration("b", 8002);
            owner.register(a);
            owner.register(b);
            Naming earlier = openWith(withSnapshot);
            awaitDelivered(subscribed(earlier, service()), a, b);
            earlier.close(); // its lists are on disk once it is closed

            java.time.Instant down = java.time.Instant.now();
            goDown();
            gateway = openWith(withSnapshot);
            Recorder recorder = new Recorder();
            Subscription subscription = gateway.subscribe(service(), recorder);
            awaitDelivered(recorder, a, b);
            assertFalse(subscription.registryReachable(), "a stored list is not the registry's answer");
            assertTrue(subscription.lastConfirmed().orElseThrow().isBefore(down),
                    "lastConfirmed: when the registry confirmed the stored list, before it went down");
            assertEquals(instances(a, b), gateway.find(service()));

            comeBack();
            ServiceRegistration c = registration("c", 8003);
            try {
                open().register(c);
            } catch (RegistrationPendingException pending) {
                // the registry may still be starting: the keep-alive registers it once it answers
            }
            awaitDelivered(recorder, a, b, c);
            eventually("the subscription to see the registry answer", deadline())
                    .untilAsserted(() -> assertTrue(subscription.registryReachable()));
        } finally {
            if (gateway != null) {
                gateway.close(); // writes its lists at close: before the directory goes
            }
            try (var files = java.nio.file.Files.list(dir)) {
                for (java.nio.file.Path f : files.toList()) {
                    java.nio.file.Files.deleteIfExists(f);
                }
            }
            java.nio.file.Files.deleteIfExists(dir);
        }
    }

    @Test
    void registrationSurvivesAnOutage() {
        assumeOutage();
        ServiceRegistration a = registration("a", 8001);
        open().register(a);
        Naming observer = open();
        awaitFound(observer, service(), a);

        Recorder recorder = subscribed(open(), service());
        awaitDelivered(recorder, a);

        goDown();
        assertStill(List.of(instances(a)), recorder);
        comeBack();
        eventually(deadline().plus(fixture.reRegistrationDeadline()))
                .untilAsserted(() -> assertEquals(instances(a), observer.find(service())));
    }

    /**
     * Many watched services through an outage long enough for their watches to back off: once the
     * registry answers (here a {@code find} of the same {@code Naming} succeeds), every watch reads
     * again at once — a change made then reaches every subscriber within {@link #RESUME_DEADLINE},
     * not each after its own backoff — and {@code registryReachable()} says so at once.
     */
    @Test
    void everyWatchResumesTogetherWhenTheRegistryAnswersAfterAnOutage() {
        assumeOutage();
        Naming owner = open();
        Naming naming = open();
        List<String> names = new ArrayList<>();
        List<Recorder> recorders = new ArrayList<>();
        List<Subscription> subscriptions = new ArrayList<>();
        for (int i = 0; i < RESUMING_WATCHES; i++) {
            names.add(service("w" + i));
            Recorder recorder = new Recorder();
            recorders.add(recorder);
            subscriptions.add(naming.subscribe(names.get(i), recorder));
        }
        recorders.forEach(this::awaitDelivered);

        goDown();
        // long enough for the watches to pause at their longest between retries; nothing arrives meanwhile
        Duration outage = fixture.retryCap().map(cap -> cap.multipliedBy(2)).orElse(fixture.quietWindow());
        throughout("no list while the registry is down", outage)
                .until(() -> recorders.stream().allMatch(r -> r.count() == 1));
        comeBack();
        eventually("a find to succeed after the outage", deadline()).until(() -> {
            try {
                naming.find(service("resume-probe"));
                return true;
            } catch (NamingException stillDown) {
                return false;
            }
        });
        long answered = System.nanoTime();
        assertTrue(subscriptions.stream().allMatch(Subscription::registryReachable),
                "registryReachable() is false although a call of the Naming just succeeded");
        List<ServiceRegistration> added = new ArrayList<>();
        for (String name : names) {
            ServiceRegistration r = registration("r-" + name.substring(name.length() - 3), name, 8001);
            owner.register(r);
            added.add(r);
        }
        Duration registering = Duration.ofNanos(System.nanoTime() - answered);

        long[] delivered = new long[RESUMING_WATCHES];
        eventually("every watch to deliver the change made after the outage", deadline()).until(() -> {
            boolean all = true;
            for (int i = 0; i < RESUMING_WATCHES; i++) {
                if (delivered[i] == 0 && recorders.get(i).last().equals(instances(added.get(i)))) {
                    delivered[i] = System.nanoTime();
                }
                all &= delivered[i] != 0;
            }
            return all;
        });
        Duration last = Duration.ofNanos(Arrays.stream(delivered).max().orElseThrow() - answered);
        assertTrue(last.compareTo(RESUME_DEADLINE.plus(registering)) <= 0, () -> "the last watch delivered "
                + last.toMillis() + " ms after the registry answered, more than " + RESUME_DEADLINE.toMillis()
                + " ms besides the " + registering.toMillis() + " ms the registrations took");
    }

    // ---- find from the watch ---------------------------------------------------------------------------

    @Test
    void findAnswersFromSubscriptionWhileRegistryIsDown() {
        assumeOutage();
        ServiceRegistration a = registration("a", 8001);
        ServiceRegistration b = registration("b", 8002);
        Naming owner = open();
        owner.register(a);
        owner.register(b);
        Naming naming = open();
        awaitDelivered(subscribed(naming, service()), a, b);

        goDown();
        assertEquals(instances(a, b), naming.find(service()));
    }

    @Test
    void findFromSubscriptionStillFiltersByTags() {
        assumeOutage();
        ServiceRegistration a = registration("a", 8001, "gate");
        ServiceRegistration b = registration("b", 8002);
        Naming owner = open();
        owner.register(a);
        owner.register(b);
        Naming naming = open();
        awaitDelivered(subscribed(naming, service()), a, b);

        goDown();
        assertEquals(instances(a), naming.find(service(), "gate"));
        assertEquals(List.of(), naming.find(service(), "gate", "zone-a"));
    }

    @Test
    void findFromSubscriptionSendsNoRequestPerCall() {
        assumeTrue(fixture.requestLog().isPresent(), () -> skipped("records no requests (requestLog() is empty)",
                "to see what reaches the registry"));
        RegistryFixture.RequestLog log = fixture.requestLog().get();
        ServiceRegistration a = registration("a", 8001);
        open().register(a);
        Naming naming = open();
        awaitDelivered(subscribed(naming, service()), a);

        long before = log.count();
        for (int i = 0; i < 50; i++) {
            assertEquals(instances(a), naming.find(service()));
        }
        long sent = log.count() - before;
        // the watch and the owner's heartbeats may send a few meanwhile; 50 finds must send none
        assertTrue(sent < 10, () -> "50 finds on a watched service sent " + sent + " requests");
    }

    @Test
    void findFromSubscriptionFollowsChanges() {
        Naming owner = open();
        Naming naming = open();
        Recorder recorder = subscribed(naming, service());
        awaitDelivered(recorder);

        ServiceRegistration a = registration("a", 8001);
        owner.register(a);
        awaitDelivered(recorder, a);
        assertEquals(instances(a), naming.find(service()));
        owner.deregister(a.id());
        awaitDelivered(recorder);
        assertEquals(List.of(), naming.find(service()));
    }

    // ---- 5. registration: idempotent by id, kept alive, re-registered, removed on close --------------

    @Test
    void registerIsIdempotentById() {
        Naming owner = open();
        ServiceRegistration first = registration("a", 8001, "blue");
        owner.register(first);
        Naming observer = open();
        awaitFound(observer, service(), first);

        ServiceRegistration second = first.toBuilder().port(9001).tags("green", "canary").meta("weight", "7").build();
        owner.register(second);
        awaitFound(observer, service(), second);
        ServiceInstance found = observer.find(service()).get(0);
        assertEquals(9001, found.port());
        assertEquals(List.of("green", "canary"), found.tags());
        assertEquals(Map.of("weight", "7"), found.meta());
    }

    @Test
    void registerUnderAnotherNameMovesTheInstance() {
        Naming owner = open();
        ServiceRegistration a = registration("a", service("old"), 8001);
        owner.register(a);
        Naming observer = open();
        awaitFound(observer, service("old"), a);

        ServiceRegistration moved = a.toBuilder().name(service("new")).build();
        owner.register(moved);
        awaitFound(observer, service("new"), moved);
        awaitFound(observer, service("old"));
    }

    @Test
    void registeredInstanceStaysVisible() {
        ServiceRegistration a = registration("a", 8001);
        open().register(a);
        Naming observer = open();
        awaitFound(observer, service(), a);
        Recorder recorder = subscribed(open(), service());
        awaitDelivered(recorder, a);

        Duration window = fixture.livenessWindow();
        Await.await("find to keep returning the instance").pollInterval(Duration.ofMillis(100)).during(window)
                .atMost(window.plus(deadline())).until(() -> observer.find(service()).equals(instances(a)));
        assertEquals(List.of(instances(a)), recorder.lists(), "the instance flapped between heartbeats");
    }

    @Test
    void forgottenInstanceIsRegisteredAgain() {
        assumeStateLoss();
        ServiceRegistration a = registration("a", 8001);
        open().register(a);
        Naming observer = open();
        awaitFound(observer, service(), a);

        fixture.loseState();
        eventually(fixture.reRegistrationDeadline())
                .untilAsserted(() -> assertEquals(instances(a), observer.find(service())));
    }

    @Test
    void reRegistrationAfterStateLossUsesTheLatestUpdate() {
        assumeStateLoss();
        Naming owner = open();
        ServiceRegistration first = registration("a", 8001, "blue");
        owner.register(first);
        ServiceRegistration updated = first.toBuilder().port(9001).tags("green").build();
        owner.register(updated);
        Recorder recorder = subscribed(open(), service());
        awaitDelivered(recorder, updated);

        fixture.loseState();
        Naming observer = open();
        eventually(fixture.reRegistrationDeadline().plus(deadline()))
                .untilAsserted(() -> assertEquals(instances(updated), observer.find(service())));
        awaitDelivered(recorder, updated);
        assertFalse(recorder.lists().contains(instances(first)), () -> "the first version came back: " + recorder);
    }

    @Test
    void deregisteredInstanceIsNotRegisteredAgainAfterStateLoss() {
        assumeStateLoss();
        Naming owner = open();
        ServiceRegistration gone = registration("a", 8001);
        ServiceRegistration kept = registration("b", 8002);
        owner.register(gone);
        owner.register(kept);
        owner.deregister(gone.id());
        Naming observer = open();
        awaitFound(observer, service(), kept);

        fixture.loseState();
        eventually(fixture.reRegistrationDeadline())
                .untilAsserted(() -> assertEquals(instances(kept), observer.find(service())));
    }

    @Test
    void deregisterRemovesInstance() {
        Naming owner = open();
        ServiceRegistration a = registration("a", 8001);
        ServiceRegistration b = registration("b", 8002);
        owner.register(a);
        owner.register(b);
        Naming observer = open();
        awaitFound(observer, service(), a, b);

        owner.deregister(a.id());
        awaitFound(observer, service(), b);
    }

    @Test
    void deregisterOfUnknownIdDoesNothing() {
        Naming owner = open();
        ServiceRegistration a = registration("a", 8001);
        owner.register(a);
        assertDoesNotThrow(() -> owner.deregister(id("never-registered")));
        assertDoesNotThrow(() -> open().deregister(id("never-registered")));
        awaitFound(open(), service(), a);
    }

    @Test
    void closeDeregistersWhatThisNamingRegistered() {
        Naming owner = open();
        ServiceRegistration a = registration("a", 8001);
        ServiceRegistration b = registration("b", service("other"), 8002);
        owner.register(a);
        owner.register(b);
        Naming observer = open();
        awaitFound(observer, service(), a);
        awaitFound(observer, service("other"), b);

        owner.close();
        awaitFound(observer, service());
        awaitFound(observer, service("other"));
    }

    @Test
    void closeLeavesOtherNamingsInstancesAlone() {
        Naming closing = open();
        Naming staying = open();
        ServiceRegistration a = registration("a", 8001);
        ServiceRegistration b = registration("b", 8002);
        closing.register(a);
        staying.register(b);
        Naming observer = open();
        awaitFound(observer, service(), a, b);

        closing.close();
        awaitFound(observer, service(), b);
    }

    @Test
    void closeIsIdempotent() {
        Naming naming = open();
        ServiceRegistration a = registration("a", 8001);
        naming.register(a);
        Naming observer = open();
        awaitFound(observer, service(), a);
        observer.close();

        naming.close();
        // the first close deregistered; the second must send nothing (no second deregistration)
        Optional<RegistryFixture.RequestLog> log = fixture.requestLog();
        long afterFirst = log.isPresent() ? awaitNoRequestFor(log.get(), fixture.quietWindow()) : 0;
        assertDoesNotThrow(() -> naming.close());
        log.ifPresent(l -> assertNoRequestFor(l, afterFirst, fixture.quietWindow(), "a second close()"));
        awaitFound(open(), service());
    }

    @Test
    void operationsAfterCloseFailWithNamingException() {
        Naming naming = open();
        naming.close();
        assertThrows(NamingException.class, () -> naming.find(service()));
        assertThrows(NamingException.class, () -> naming.subscribe(service(), list -> { }));
        assertThrows(NamingException.class, () -> naming.register(registration("a", 8001)));
        assertThrows(NamingException.class, () -> naming.deregister(id("a")));
    }

    @Test
    void closeEndsSubscriptions() {
        Naming naming = open();
        Recorder recorder = new Recorder();
        Subscription subscription = naming.subscribe(service(), recorder);
        awaitDelivered(recorder);

        naming.close();
        assertFalse(subscription.isActive());
        open().register(registration("a", 8001));
        assertStill(List.of(List.of()), recorder);
    }

    @Test
    void closeReleasesThreads() {
        LibraryThreads threads = LibraryThreads.snapshot();
        Naming naming = open();
        ServiceRegistration a = registration("a", 8001);
        naming.register(a);
        Recorder plain = subscribed(naming, service());
        Recorder warming = new Recorder();
        naming.subscribe(service("other"), SubscribeOptions.defaults().withWarmup(Duration.ofMinutes(1)), warming);
        awaitDelivered(plain, a);
        awaitDelivered(warming);

        naming.close();
        eventually().untilAsserted(() -> assertEquals(List.of(), threads.started(),
                "threads left running after close()"));
    }

    // ---- 6. input checked before any I/O -----------------------------------------------------------

    @Test
    void invalidServiceNameIsRejectedNamingTheField() {
        Naming naming = open();
        for (String bad : invalidIdentifiers()) {
            assertRejected("name", () -> naming.find(bad));
            assertRejected("name", () -> naming.subscribe(bad, list -> { }));
            assertRejected("name", () -> ServiceRegistration.builder().id(id("a")).name(bad)
                    .address("127.0.0.1").port(8001).build());
        }
    }

    @Test
    void invalidIdIsRejectedNamingTheField() {
        Naming naming = open();
        for (String bad : invalidIdentifiers()) {
            assertRejected("id", () -> naming.deregister(bad));
            assertRejected("id", () -> ServiceRegistration.builder().id(bad).name(service())
                    .address("127.0.0.1").port(8001).build());
        }
    }

    @Test
    void portOutsideOneTo65535IsRejected() {
        for (int bad : new int[] {0, -1, 65536}) {
            assertRejected("port", () -> ServiceRegistration.builder().id(id("a")).name(service())
                    .address("127.0.0.1").port(bad).build());
        }
        ServiceRegistration highest = registration("a", 65535);
        open().register(highest);
        awaitFound(open(), service(), highest);
    }

    @Test
    void nullOrBlankTagIsRejected() {
        Naming naming = open();
        for (String bad : Arrays.asList(null, "", "  ")) {
            assertRejected("tags?", () -> ServiceRegistration.builder().id(id("a")).name(service())
                    .address("127.0.0.1").port(8001).tags("gate", bad).build());
            assertRejected("tags?", () -> naming.find(service(), "gate", bad));
            assertRejected("tags?", () -> SubscribeOptions.defaults().withTags("gate", bad));
        }
    }

    @Test
    void nullMetaValueOrBlankKeyIsRejected() {
        assertRejected("meta", () -> ServiceRegistration.builder().id(id("a")).name(service())
                .address("127.0.0.1").port(8001).meta("weight", null).build());
        assertRejected("meta", () -> ServiceRegistration.builder().id(id("a")).name(service())
                .address("127.0.0.1").port(8001).meta(" ", "x").build());
    }

    @Test
    void blankAddressIsRejected() {
        for (String bad : Arrays.asList(null, "", "   ")) {
            assertRejected("address", () -> ServiceRegistration.builder().id(id("a")).name(service())
                    .address(bad).port(8001).build());
        }
    }

    @Test
    void subscribeWithNullListenerOrOptionsIsRejected() {
        Naming naming = open();
        assertRejected("listener", () -> naming.subscribe(service(), null));
        assertRejected("options", () -> naming.subscribe(service(), null, list -> { }));
        assertRejected("registration", () -> naming.register(null));
    }

    @Test
    void invalidInputIsRejectedBeforeAnyIo() {
        assumeOutage();
        Naming naming = open();
        goDown();
        // With the registry down, any request would fail with NamingException: an
        // IllegalArgumentException proves the check came first.
        assertRejected("name", () -> naming.find(" "));
        assertRejected("tags?", () -> naming.find(service(), ""));
        assertRejected("name", () -> naming.subscribe("", list -> { }));
        assertRejected("listener", () -> naming.subscribe(service(), null));
        assertRejected("id", () -> naming.deregister(" "));
    }

    @Test
    void invalidInputSendsNoRequest() {
        assumeTrue(fixture.requestLog().isPresent(), () -> skipped("records no requests (requestLog() is empty)",
                "to see what reaches the registry"));
        RegistryFixture.RequestLog log = fixture.requestLog().get();
        Naming naming = open();
        long before = log.count();
        assertThrows(IllegalArgumentException.class, () -> naming.find(" "));
        assertThrows(IllegalArgumentException.class, () -> naming.find(service(), ""));
        assertThrows(IllegalArgumentException.class, () -> naming.subscribe("", list -> { }));
        assertThrows(IllegalArgumentException.class, () -> naming.subscribe(service(), null));
        assertThrows(IllegalArgumentException.class, () -> naming.deregister("x".repeat(257)));
        assertThrows(IllegalArgumentException.class, () -> naming.register(null));
        assertEquals(before, log.count(), () -> "requests sent for invalid input: " + log.rawTargets());
    }

    @Test
    void longestNameAndIdRoundTripOrAreRejectedNamingTheField() {
        String long64 = (prefix + "-" + "n".repeat(64)).substring(0, 64);
        assertRoundTrips(registration(long64, long64, 8000));
        String longest = (prefix + "-" + "n".repeat(300)).substring(0, 256);
        assertRoundTripsOrIsRejected("name", () -> registration("a", longest, 8001));
        assertRoundTripsOrIsRejected("id", () -> registration(longest, service(), 8002));
    }

    @Test
    void reservedUrlCharactersInNameRoundTripOrAreRejected() {
        assertRoundTrips(registration("plain", service() + PLAIN, 8000));
        assertRoundTripsOrIsRejected("name", () -> registration("a", service() + RESERVED + "end", 8001));
    }

    @Test
    void reservedUrlCharactersInIdRoundTripOrAreRejected() {
        assertRoundTrips(registration(id("plain" + PLAIN), service("plain"), 8000));
        String odd = id("a" + RESERVED + "end");
        Naming owner = assertRoundTripsOrIsRejected("id", () -> registration(odd, service(), 8001));
        if (owner != null) {
            owner.deregister(odd);
            awaitFound(open(), service());
        }
    }

    @Test
    void reservedUrlCharactersInTagsRoundTripOrAreRejected() {
        ServiceRegistration plain = registration("plain", service("plain"), 8000, "t" + PLAIN, "other");
        assertRoundTrips(plain);
        Naming reader = open();
        eventually().untilAsserted(() -> assertEquals(instances(plain), reader.find(plain.name(), "t" + PLAIN),
                "a plain tag filters find"));
        String odd = "t" + RESERVED + "end";
        if (assertRoundTripsOrIsRejected("tags?", () -> registration("a", 8001, odd, "plain")) != null) {
            ServiceRegistration b = registration("b", 8002, "plain");
            open().register(b);
            Naming observer = open();
            eventually().untilAsserted(() -> assertEquals(List.of(id("a")), Recorder.ids(observer.find(service(), odd))));
            // b was registered by another Naming: a registry may show it a moment later (Consul's anti-entropy)
            eventually().untilAsserted(() -> assertEquals(List.of(id("a"), id("b")),
                    Recorder.ids(observer.find(service(), "plain"))));
        }
    }

    @Test
    void reservedUrlCharactersInMetaRoundTripOrAreRejected() {
        assertRoundTrips(fixture.adapt(ServiceRegistration.builder()
                .id(id("plain")).name(service("plain")).address("127.0.0.1").port(8000)
                .meta("key" + PLAIN.replace('.', '_'), "value" + PLAIN + " with spaces").build()));
        assertRoundTripsOrIsRejected("meta", () -> fixture.adapt(ServiceRegistration.builder()
                .id(id("a")).name(service()).address("127.0.0.1").port(8001)
                .meta("path", "/v1/agent/../../x?y=1&z=%41#frag").build()));
        assertRoundTripsOrIsRejected("meta", () -> fixture.adapt(ServiceRegistration.builder()
                .id(id("b")).name(service("keys")).address("127.0.0.1").port(8002)
                .meta("k" + RESERVED + "end", "v").build()));
    }

    @Test
    void unicodeInNameTagsAndMetaRoundTripsOrIsRejected() {
        assertRoundTrips(fixture.adapt(ServiceRegistration.builder()
                .id(id("plain")).name(service("plain") + PLAIN).address("127.0.0.1").port(8000)
                .tags("zone" + PLAIN, "gate").meta("region", "Ile-de-France").build()));
        assertRoundTripsOrIsRejected("name", () -> registration("a", service() + "-聊天-λόγος-🚀", 8001));
        assertRoundTripsOrIsRejected("tags?", () -> registration("b", service("tags"), 8002, "区域-α", "gate"));
        assertRoundTripsOrIsRejected("meta", () -> fixture.adapt(ServiceRegistration.builder()
                .id(id("c")).name(service("meta")).address("127.0.0.1").port(8003)
                .meta("région", "Île-de-France ✓").build()));
    }

    @Test
    void nameCannotReachAnotherServiceThroughThePath() {
        ServiceRegistration a = registration("a", 8001);
        open().register(a);
        Naming observer = open();
        awaitFound(observer, service(), a);

        // Sent unencoded, each of these would resolve to (or query) the real service's path.
        for (String sneaky : List.of("x/../" + service(), "./" + service(), service() + "#x",
                service() + "?x=1", service() + "/", "%2e%2e/" + service())) {
            try {
                assertEquals(List.of(), observer.find(sneaky), () -> "'" + sneaky + "' reached " + service());
            } catch (IllegalArgumentException rejected) {
                assertMentions(rejected, "name");
            }
        }
    }

    // ---- through a registry's state loss -------------------------------------------------------------

    @Test
    void subscriberKeepsEveryAliveInstanceThroughARegistryRestart() {
        assumeRestart();
        Naming owner = open();
        Naming otherOwner = open();
        ServiceRegistration a = registration("a", 8001);
        ServiceRegistration b = registration("b", 8002);
        ServiceRegistration c = registration("c", 8003);
        owner.register(a);
        owner.register(b);
        otherOwner.register(c);
        Recorder recorder = subscribed(open(), service());
        awaitDelivered(recorder, a, b, c);
        int before = recorder.lists().size();

        fixture.restartWithStateLoss();
        Naming fresh = open(); // no watch, no hold: what the registry holds now
        eventually(fixture.stateLossGrace())
                .untilAsserted(() -> assertEquals(instances(a, b, c), fresh.find(service())));
        awaitDelivered(recorder, a, b, c);
        for (List<ServiceInstance> list : recorder.lists().subList(before, recorder.lists().size())) {
            assertTrue(list.containsAll(instances(a, b, c)), () -> "an alive instance vanished: " + recorder);
        }
    }

    /**
     * A process that registers and watches nothing: its instance, heartbeats a minute apart, is
     * back within seconds of a restarted registry answering, because the {@code Naming} watches
     * its own service and notices the restart, instead of at its next heartbeat.
     */
    @Test
    void aProcessThatOnlyRegistersIsBackWithinASecondOfARegistryRestart() {
        assumeRestart();
        Naming owner = open();
        ServiceRegistration a = registration("a", 8001).toBuilder().check(HealthCheck.ttl(Duration.ofMinutes(1)))
                .build();
        owner.register(a);
        Naming observer = open(); // no watch: each find asks the registry
        awaitFound(observer, service(), a);

        fixture.restartWithStateLoss(); // returns once the registry answers again
        long answered = System.nanoTime();
        eventually("the instance to be registered again", deadline())
                .untilAsserted(() -> assertEquals(instances(a), observer.find(service())));
        Duration took = Duration.ofNanos(System.nanoTime() - answered);
        assertTrue(took.compareTo(RESTART_NOTICED_DEADLINE) <= 0, () -> "registered again " + took.toMillis()
                + " ms after the registry answered, more than " + RESTART_NOTICED_DEADLINE.toMillis() + " ms");
    }

    @Test
    void realDepartureDuringTheGraceWindowIsDeliveredWhenTheWindowEnds() {
        assumeRestart();
        Naming stays = open();
        Naming leaves = open();
        ServiceRegistration a = registration("a", 8001);
        ServiceRegistration b = registration("b", 8002);
        stays.register(a);
        leaves.register(b);
        Recorder recorder = subscribed(open(), service());
        awaitDelivered(recorder, a, b);
        int before = recorder.lists().size();

        fixture.restartWithStateLoss();
        leaves.close();
        eventually(fixture.stateLossGrace().plus(deadline()))
                .untilAsserted(() -> assertEquals(instances(a), recorder.last(), recorder::toString));
        for (List<ServiceInstance> list : recorder.lists().subList(before, recorder.lists().size())) {
            assertTrue(list.contains(a.instance()), () -> "the instance that stayed vanished: " + recorder);
        }
    }

    // ---- draining ---------------------------------------------------------------------------------------

    @Test
    void drainedInstanceLeavesFindAndSubscriptionsUntilUndrained() {
        assumeDrain();
        Naming owner = open();
        ServiceRegistration a = registration("a", 8001);
        ServiceRegistration b = registration("b", 8002);
        owner.register(a);
        owner.register(b);
        Naming observer = open();
        Recorder recorder = subscribed(observer, service());
        awaitDelivered(recorder, a, b);

        owner.drain(service(), a.id());
        awaitDelivered(recorder, b);
        assertEquals(instances(b), observer.find(service()));
        eventually().untilAsserted(() -> assertEquals(instances(b), open().find(service())));

        owner.undrain(service(), a.id());
        awaitDelivered(recorder, a, b);
    }

    @Test
    void drainedInstanceStaysRegisteredAndAlive() {
        assumeDrain();
        Naming owner = open();
        ServiceRegistration a = registration("a", 8001);
        owner.register(a);
        Naming observer = open();
        awaitFound(observer, service(), a);
        owner.drain(service(), a.id());
        eventually().untilAsserted(() -> assertEquals(List.of(), observer.find(service())));
        // drained for several heartbeats: still registered, so putting it back needs no registration
        LockSupport.parkNanos(fixture.livenessWindow().toNanos());
        owner.undrain(service(), a.id());
        awaitFound(observer, service(), a);
    }

    @Test
    void drainingAnUnknownInstanceFailsNamingIt() {
        assumeDrain();
        NamingException e = assertThrows(NamingException.class, () -> open().drain(service(), id("nobody")));
        assertNotNull(e.getMessage());
    }

    @Test
    void closeWithADrainPeriodTakesInstancesOutOfTrafficBeforeDeregistering() throws InterruptedException {
        assumeDrain();
        Naming owner = open();
        ServiceRegistration a = registration("a", 8001);
        owner.register(a);
        Recorder recorder = subscribed(open(), service());
        awaitDelivered(recorder, a);

        Thread closing = new Thread(() -> owner.close(deadline()));
        closing.start();
        eventually().untilAsserted(() -> assertEquals(List.of(), recorder.last()));
        assertTrue(closing.isAlive(), "the instance left traffic only when it was deregistered");
        closing.join(deadline().multipliedBy(3).toMillis());
        assertFalse(closing.isAlive());
    }

    // ---- warm-up ------------------------------------------------------------------------------------

    @Test
    void warmupHoldsBackInstanceThatAppearsLater() {
        Duration warmup = Duration.ofSeconds(1);
        Naming owner = open();
        Recorder recorder = new Recorder();
        open().subscribe(service(), SubscribeOptions.defaults().withWarmup(warmup), recorder);
        awaitDelivered(recorder);

        ServiceRegistration a = registration("a", 8001);
        long registeredAt = System.nanoTime();
        owner.register(a);
        eventually(warmup.plus(deadline())).untilAsserted(() -> assertEquals(instances(a), recorder.last()));
        long heldBack = recorder.lastDelivery().atNanos() - registeredAt;
        assertTrue(heldBack >= warmup.minus(WARMUP_TOLERANCE).toNanos(),
                () -> "delivered after " + Duration.ofNanos(heldBack).toMillis() + " ms of a " + warmup + " warm-up");
        assertEquals(List.of(List.of(), instances(a)), recorder.lists());
    }

    @Test
    void warmupDeliversInstancesOfFirstListAtOnce() {
        ServiceRegistration a = registration("a", 8001);
        open().register(a);
        awaitFound(open(), service(), a);

        Recorder recorder = new Recorder();
        open().subscribe(service(), SubscribeOptions.defaults().withWarmup(Duration.ofMinutes(5)), recorder);
        awaitDelivered(recorder, a);
    }

    @Test
    void warmupDeliversDepartureAtOnce() {
        Naming owner = open();
        ServiceRegistration adult = registration("a", 8001);
        owner.register(adult);
        awaitFound(open(), service(), adult);
        Recorder recorder = new Recorder();
        open().subscribe(service(), SubscribeOptions.defaults().withWarmup(Duration.ofMinutes(5)), recorder);
        awaitDelivered(recorder, adult);

        owner.register(registration("young", 8002));
        owner.deregister(adult.id());
        // The departure arrives within the propagation deadline, long before the 5-minute warm-up.
        awaitDelivered(recorder);
        assertEquals(List.of(instances(adult), List.of()), recorder.lists());
    }

    @Test
    void instanceThatLeavesAndReturnsWarmsUpAgain() {
        Duration warmup = Duration.ofSeconds(1);
        Naming owner = open();
        ServiceRegistration a = registration("a", 8001);
        ServiceRegistration b = registration("b", 8002);
        owner.register(a);
        owner.register(b);
        awaitFound(open(), service(), a, b);
        Recorder recorder = new Recorder();
        Recorder plain = new Recorder();
        Naming naming = open();
        naming.subscribe(service(), SubscribeOptions.defaults().withWarmup(warmup), recorder);
        naming.subscribe(service(), plain);
        awaitDelivered(recorder, a, b);

        owner.deregister(a.id());
        awaitDelivered(recorder, b);
        awaitDelivered(plain, b);
        long returnedAt = System.nanoTime();
        owner.register(a);
        awaitDelivered(plain, a, b);
        eventually(warmup.plus(deadline())).untilAsserted(() -> assertEquals(instances(a, b), recorder.last()));
        long heldBack = recorder.lastDelivery().atNanos() - returnedAt;
        assertTrue(heldBack >= warmup.minus(WARMUP_TOLERANCE).toNanos(),
                () -> "came back after " + Duration.ofNanos(heldBack).toMillis() + " ms of a " + warmup + " warm-up");
    }

    @Test
    void warmupAppliesAfterTheTagFilter() {
        Duration warmup = Duration.ofSeconds(1);
        Naming owner = open();
        ServiceRegistration adult = registration("a", 8001, "gate");
        owner.register(adult);
        awaitFound(open(), service(), adult);
        Recorder recorder = new Recorder();
        open().subscribe(service(), SubscribeOptions.defaults().withTags("gate").withWarmup(warmup), recorder);
        awaitDelivered(recorder, adult);

        owner.register(registration("b", 8002, "admin"));
        ServiceRegistration young = registration("c", 8003, "gate");
        long registeredAt = System.nanoTime();
        owner.register(young);
        eventually(warmup.plus(deadline())).untilAsserted(() -> assertEquals(instances(adult, young), recorder.last()));
        long heldBack = recorder.lastDelivery().atNanos() - registeredAt;
        assertTrue(heldBack >= warmup.minus(WARMUP_TOLERANCE).toNanos(),
                () -> "delivered after " + Duration.ofNanos(heldBack).toMillis() + " ms of a " + warmup + " warm-up");
        assertEquals(List.of(instances(adult), instances(adult, young)), recorder.lists());
    }

    // ---- tag-filtered subscriptions ---------------------------------------------------------------

    @Test
    void tagFilteredSubscriptionDeliversOnlyMatchingInstances() {
        Naming owner = open();
        ServiceRegistration both = registration("a", 8001, "gate", "zone-a");
        ServiceRegistration gate = registration("b", 8002, "gate");
        owner.register(both);
        owner.register(gate);
        Naming naming = open();
        Recorder gates = new Recorder();
        Recorder zoned = new Recorder();
        naming.subscribe(service(), SubscribeOptions.defaults().withTags("gate"), gates);
        naming.subscribe(service(), SubscribeOptions.defaults().withTags("gate", "zone-a"), zoned);
        awaitDelivered(gates, both, gate);
        awaitDelivered(zoned, both);

        ServiceRegistration zone = registration("c", 8003, "zone-a", "gate");
        owner.register(zone);
        awaitDelivered(gates, both, gate, zone);
        awaitDelivered(zoned, both, zone);
    }

    @Test
    void changeToNonMatchingInstanceCausesNoDelivery() {
        Naming owner = open();
        ServiceRegistration gate = registration("a", 8001, "gate");
        owner.register(gate);
        awaitFound(open(), service(), gate);
        Naming naming = open();
        Recorder filtered = new Recorder();
        naming.subscribe(service(), SubscribeOptions.defaults().withTags("gate"), filtered);
        Recorder everything = subscribed(naming, service());
        awaitDelivered(filtered, gate);

        ServiceRegistration other = registration("b", 8002, "admin");
        owner.register(other);
        awaitDelivered(everything, gate, other);
        ServiceRegistration moved = other.toBuilder().port(9002).build();
        owner.register(moved);
        awaitDelivered(everything, gate, moved);
        owner.deregister(other.id());
        awaitDelivered(everything, gate);
        assertStill(List.of(instances(gate)), filtered);
    }

    @Test
    void instanceLosingTagLeavesFilteredSubscription() {
        Naming owner = open();
        ServiceRegistration a = registration("a", 8001, "gate");
        owner.register(a);
        Recorder filtered = new Recorder();
        open().subscribe(service(), SubscribeOptions.defaults().withTags("gate"), filtered);
        awaitDelivered(filtered, a);

        owner.register(a.toBuilder().tags("admin").build());
        awaitDelivered(filtered);
        owner.register(a);
        awaitDelivered(filtered, a);
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /** A {@code Naming} on the fixture's registry, closed after the test. */
    protected final Naming open() {
        Naming naming = fixture.connect();
        opened.add(naming);
        return naming;
    }

    /** A new {@code Naming} with {@code parameters} added to its URI; skips the test when the fixture cannot. */
    private Naming openWith(Map<String, String> parameters) {
        Optional<Naming> naming = fixture.connect(parameters);
        assumeTrue(naming.isPresent(), () -> skipped("cannot add URI parameters (connect(Map) is empty)",
                "to start a Naming with " + parameters.keySet()));
        opened.add(naming.get());
        return naming.get();
    }

    /** The fixture of the running test. */
    protected final RegistryFixture fixture() {
        return fixture;
    }

    /** This test's service name. */
    protected final String service() {
        return prefix;
    }

    /** Another service name belonging to this test. */
    protected final String service(String local) {
        return prefix + "-" + local;
    }

    /** An instance id belonging to this test; ids sort like their {@code local} parts. */
    protected final String id(String local) {
        return prefix + "-i-" + local;
    }

    /** A registration of this test's service on 127.0.0.1, adapted to the backend. */
    protected final ServiceRegistration registration(String local, int port, String... tags) {
        return registration(local, service(), port, tags);
    }

    /** A registration of {@code name} on 127.0.0.1, adapted to the backend; {@code local} is made an id. */
    protected final ServiceRegistration registration(String local, String name, int port, String... tags) {
        String id = local.startsWith(prefix) ? local : id(local);
        return fixture.adapt(ServiceRegistration.builder()
                .id(id).name(name).address("127.0.0.1").port(port).tags(tags).build());
    }

    private Recorder subscribed(Naming naming, String name) {
        Recorder recorder = new Recorder();
        naming.subscribe(name, recorder);
        return recorder;
    }

    private Duration deadline() {
        return fixture.propagationDeadline();
    }

    private Await eventually() {
        return eventually(deadline());
    }

    private static Await eventually(Duration atMost) {
        return Await.await().atMost(atMost).pollInterval(POLL);
    }

    private static Await eventually(String what, Duration atMost) {
        return Await.await(what).atMost(atMost).pollInterval(POLL);
    }

    /** A check that {@code what} holds at every poll over {@code window}. */
    private Await throughout(String what, Duration window) {
        return Await.await(what).pollInterval(POLL).during(window).atMost(window.plus(deadline()));
    }

    /** Awaits {@code naming.find(name)} returning exactly these registrations' instances. */
    private void awaitFound(Naming naming, String name, ServiceRegistration... expected) {
        List<ServiceInstance> instances = instances(expected);
        eventually().untilAsserted(() -> assertEquals(instances, naming.find(name)));
    }

    private void awaitIds(Naming naming, String name, String... ids) {
        eventually().untilAsserted(() -> assertEquals(List.of(ids), Recorder.ids(naming.find(name))));
    }

    /** Awaits the recorder's last list being exactly these registrations' instances. */
    private void awaitDelivered(Recorder recorder, ServiceRegistration... expected) {
        List<ServiceInstance> instances = instances(expected);
        eventually().untilAsserted(() -> assertEquals(instances, recorder.last(), recorder::toString));
    }

    /**
     * Asserts every recorder's lists stay exactly {@code lists} over the quiet window: nothing
     * arrived before the call, nothing during it.
     */
    private void assertStill(List<List<ServiceInstance>> lists, Recorder... recorders) {
        for (Recorder recorder : recorders) {
            assertEquals(lists, recorder.lists(), "a list arrived that should not have");
        }
        Duration window = fixture.quietWindow();
        throughout("no list to arrive", window).until(() -> {
            for (Recorder recorder : recorders) {
                if (!recorder.lists().equals(lists)) {
                    return false;
                }
            }
            return true;
        });
    }

    /**
     * Waits until {@code log} has received nothing for {@code window} (requests still in flight from
     * what the test did before), and returns its count then.
     */
    private long awaitNoRequestFor(RegistryFixture.RequestLog log, Duration window) {
        long[] last = {log.count(), System.nanoTime()};
        eventually("no request for " + Await.format(window), window.plus(deadline())).until(() -> {
            long count = log.count();
            long now = System.nanoTime();
            if (count != last[0]) {
                last[0] = count;
                last[1] = now;
            }
            return now - last[1] >= window.toNanos();
        });
        return last[0];
    }

    /** Asserts {@code log} receives nothing beyond {@code count} during {@code window}. */
    private void assertNoRequestFor(RegistryFixture.RequestLog log, long count, Duration window, String after) {
        throughout("no request after " + after, window)
                .untilAsserted(() -> assertEquals(count, log.count(), () -> after + " sent " + latest(log, count)));
    }

    /** The requests {@code log} received after its first {@code count}, as far as it keeps them. */
    private static List<String> latest(RegistryFixture.RequestLog log, long count) {
        List<String> targets = log.rawTargets();
        long added = log.count() - count;
        return targets.subList((int) Math.max(0, targets.size() - added), targets.size());
    }

    /** The most watch requests open at once over the quiet window. */
    private int mostOpenWatchRequests() {
        AtomicInteger most = new AtomicInteger();
        Duration window = fixture.quietWindow();
        throughout("the quiet window's end", window).until(() -> {
            most.accumulateAndGet(fixture.openWatchRequests().orElse(0), Math::max);
            return true;
        });
        return most.get();
    }

    private static List<ServiceInstance> instances(ServiceRegistration... registrations) {
        List<ServiceInstance> list = new ArrayList<>();
        for (ServiceRegistration r : registrations) {
            list.add(r.instance());
        }
        list.sort((x, y) -> x.id().compareTo(y.id()));
        return List.copyOf(list);
    }

    private void assumeOutage() {
        assumeTrue(fixture.supportsOutage(), () -> skipped("cannot make its registry unreachable "
                + "(supportsOutage() is false)", "to check what subscribers see during an outage"));
    }

    private void assumeStateLoss() {
        assumeTrue(fixture.supportsStateLoss(), () -> skipped("cannot make its registry forget its registrations "
                + "(supportsStateLoss() is false)", "to check that the library registers them again"));
    }

    /** Why a test is skipped: what the fixture lacks and what the test needs it for. */
    private String skipped(String lacks, String purpose) {
        return fixture.getClass().getSimpleName() + " " + lacks + ", which this test needs " + purpose;
    }

    private void assumeRestart() {
        assumeTrue(fixture.supportsRestart(), "the fixture cannot restart the registry without its data");
    }

    private void assumeDrain() {
        assumeTrue(fixture.supportsDrain(), "the fixture's registry cannot drain instances");
    }

    private void goDown() {
        outage = true;
        fixture.setReachable(false);
    }

    private void comeBack() {
        fixture.setReachable(true);
        outage = false;
    }

    private List<String> invalidIdentifiers() {
        return Arrays.asList(null, "", "   ", "x".repeat(257));
    }

    /**
     * Registers what {@code build} gives and checks another {@code Naming} finds exactly that, or
     * that the value was refused with an {@link IllegalArgumentException} naming {@code field};
     * a silent change is the failure. Returns the registering {@code Naming} when it round-tripped,
     * {@code null} when it was rejected.
     */
    private Naming assertRoundTripsOrIsRejected(String field, Supplier<ServiceRegistration> build) {
        ServiceRegistration registration;
        try {
            registration = build.get();
        } catch (IllegalArgumentException rejected) {
            assertMentions(rejected, field);
            return null;
        }
        Naming owner = open();
        try {
            owner.register(registration);
        } catch (IllegalArgumentException rejected) {
            assertMentions(rejected, field);
            return null;
        }
        awaitFound(open(), registration.name(), registration);
        return owner;
    }

    /**
     * Registers {@code registration} through one {@code Naming} and awaits another finding it exactly
     * as registered: no refusal allowed. Each case that accepts a refusal of odd input checks plain
     * input of the same field with this first, so that a backend refusing everything fails.
     */
    private void assertRoundTrips(ServiceRegistration registration) {
        open().register(registration);
        Naming observer = open();
        eventually().untilAsserted(() -> assertTrue(observer.find(registration.name()).contains(registration.instance()),
                () -> "did not round-trip: " + registration.instance() + ", found " + observer.find(registration.name())));
    }

    private static void assertRejected(String field, Executable call) {
        assertMentions(assertThrows(IllegalArgumentException.class, call), field);
    }

    /** {@code field} is a regular expression matched as a whole word, case-insensitively. */
    private static void assertMentions(IllegalArgumentException e, String field) {
        String message = e.getMessage();
        assertNotNull(message, "an IllegalArgumentException without a message");
        assertTrue(Pattern.compile("(?i)\\b" + field + "\\b").matcher(message).find(),
                () -> "the message should name the field '" + field + "': " + message);
    }

    private void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(deadline().toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
