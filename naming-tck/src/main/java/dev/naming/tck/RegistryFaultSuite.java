package dev.naming.tck;

import static dev.naming.tck.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.naming.HealthCheck;
import dev.naming.Naming;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fault suite: the contract while the registry misbehaves and under churn, for every backend
 * whose fixture can inject the fault. Every loop is bounded in count and time.
 *
 * <p>A backend runs it as it runs {@link NamingConformanceSuite}, with the same fixture:
 * <pre>{@code
 * class MyRegistryFaultTest extends RegistryFaultSuite {
 *     protected RegistryFixture createFixture() { return new MyRegistryFixture(); }
 * }
 * }</pre>
 * The fault case runs once per {@link RegistryFixture.Fault} the fixture lists in
 * {@link RegistryFixture#faults()}; with a {@link RegistryFixture#requestLog()} it also checks
 * that the watch backs off while the fault lasts.
 */
public abstract class RegistryFaultSuite {

    /**
     * Requests the case's two {@code Naming}s may send while a fault lasts 3 s: each backing-off
     * watch (the watcher's, and the one the registrar keeps on its own service) about eight tries,
     * and each {@code Naming}'s check of the registry (the registrar's keep-alive every ≤ 500 ms, the
     * watcher's probe every ≤ 1 s) about seven, some once per server of a two-server registry. A
     * hot loop would make thousands.
     */
    static final int MAX_REQUESTS_DURING_FAULT = 48;
    static final Duration FAULT = Duration.ofSeconds(3);
    static final Duration RECOVERY = Duration.ofSeconds(5);
    /** How many caps the long fault lasts once the watch's pauses have reached the cap. */
    static final int STEADY_CAPS = 6;
    /** How often the long-fault case looks at the request log. */
    static final Duration RETRY_POLL = Duration.ofMillis(10);
    /** Time a retry may take on top of its pause: the request itself, the log's polling, a loaded machine. */
    static final Duration RETRY_SLACK = Duration.ofMillis(200);
    /** Requests one retry may send: a read on each of two nodes and the read that follows a failure. */
    static final int RETRY_REQUESTS = 3;

    private RegistryFixture fixture;
    private final List<Naming> opened = new ArrayList<>();
    private final String service = "faults-" + UUID.randomUUID().toString().substring(0, 8);

    /** For a backend's test class, which supplies the fixture. */
    protected RegistryFaultSuite() {
    }

    /** A fresh registry for one test. */
    protected abstract RegistryFixture createFixture();

    @BeforeEach
    void start() {
        fixture = createFixture();
    }

    /**
     * Heals the registry, closes every {@code Naming} the test opened, then the fixture.
     * {@code close()} must not fail: a failure fails the test, after everything else was closed.
     */
    @AfterEach
    void stop() {
        try {
            fixture.heal();
        } catch (UnsupportedOperationException ignored) {
            // nothing was injected
        } finally {
            NamingConformanceSuite.closeAll(opened, fixture);
        }
    }

    private Naming connect() {
        Naming naming = fixture.connect();
        opened.add(naming);
        return naming;
    }

    /** A registration with the default 15 s TTL: longer than any fault, so no instance expires meanwhile. */
    private ServiceRegistration registration(String id) {
        return fixture.adapt(ServiceRegistration.builder().id(id).name(service).address("10.1.0.1").port(7000)
                .protocol("ws").tags("gate").build()).toBuilder().check(HealthCheck.defaultTtl()).build();
    }

    @ParameterizedTest
    @EnumSource(RegistryFixture.Fault.class)
    void subscriberKeepsItsListThroughAFaultAndGetsTheTruthSoonAfter(RegistryFixture.Fault fault) {
        assumeTrue(fixture.faults().contains(fault), () -> fixture.getClass().getSimpleName() + " cannot inject "
                + fault + " (its faults(): " + fixture.faults() + "), which this test needs to put the watch through it");
        Naming registrar = connect();
        Naming watcher = connect();
        registrar.register(registration("a"));
        // a registry may show a registration a moment after the call returned (Consul's anti-entropy)
        await().atMost(fixture.propagationDeadline()).until(() -> List.of("a").equals(Recorder.ids(watcher.find(service))));
        Recorder recorder = new Recorder();
        watcher.subscribe(service, recorder);
        await("the subscriber's list to be [a]").atMost(fixture.propagationDeadline())
                .until(() -> List.of("a").equals(recorder.lastIds()));
        int deliveredBefore = recorder.count();
        long requestsBefore = fixture.requestLog().map(RegistryFixture.RequestLog::count).orElse(0L);

        fixture.inject(fault);
        await("no list delivered during " + fault).during(FAULT).atMost(FAULT.plusSeconds(2))
                .until(() -> recorder.count() == deliveredBefore);
        long requestsDuringFault = fixture.requestLog().map(RegistryFixture.RequestLog::count).orElse(0L)
                - requestsBefore;
        assertEquals(List.of("a"), Recorder.ids(watcher.find(service)), "find answers the last list during " + fault);
        fixture.heal();

        registrar.register(registration("b"));
        await("the subscriber's list to be [a, b] after " + fault).atMost(RECOVERY)
                .until(() -> List.of("a", "b").equals(recorder.lastIds()));
        for (List<ServiceInstance> list : recorder.lists()) {
            assertFalse(list.isEmpty(), "an empty list was delivered because of " + fault);
        }
        assertTrue(requestsDuringFault <= MAX_REQUESTS_DURING_FAULT,
                requestsDuringFault + " requests during 3 s of " + fault + ": backoff is not holding");
    }

    /**
     * The faults whose requests reach the registry's server, so that a request log sees the watch
     * retry through them, in the order the long-fault case prefers them: an HTTP registry's error
     * answers first, then any registry's own error answers and garbage.
     */
    static final List<RegistryFixture.Fault> LONG_FAULTS = List.of(RegistryFixture.Fault.SERVER_ERROR,
            RegistryFixture.Fault.UNAVAILABLE, RegistryFixture.Fault.TOO_MANY_REQUESTS,
            RegistryFixture.Fault.PROTECT_MODE, RegistryFixture.Fault.MALFORMED_REPLIES);

    /** The fault the long-fault case runs, among those a fixture can inject. */
    static Optional<RegistryFixture.Fault> longFault(Set<RegistryFixture.Fault> offered) {
        return LONG_FAULTS.stream().filter(offered::contains).findFirst();
    }

    /**
     * A fault that lasts past the backoff cap: the watch's pauses double up to the cap and then stay
     * there, so it retries at least once per cap however long the fault lasts (without the cap a
     * long outage would go unnoticed for about as long again after it ends), and at most as often as
     * its shortest jittered pause, half a cap, allows.
     */
    @Test
    void aWatchRetriesAtLeastOncePerBackoffCapThroughALongFault() {
        Duration cap = fixture.retryCap().orElse(null);
        assumeTrue(cap != null, () -> fixture.getClass().getSimpleName() + " names no retry cap (retryCap() is "
                + "empty), which this test needs to run a fault past it");
        RegistryFixture.Fault fault = longFault(fixture.faults()).orElse(null);
        assumeTrue(fault != null && fixture.requestLog().isPresent(), () -> fixture.getClass().getSimpleName()
                + " cannot inject a fault whose requests reach its server (one of " + LONG_FAULTS + " in faults()),"
                + " or records no requests (requestLog() is empty), which this test needs to time the watch's"
                + " retries");
        RegistryFixture.RequestLog log = fixture.requestLog().get();
        Naming watcher = connect(); // registers nothing: no heartbeat joins the watch's requests
        Recorder recorder = new Recorder();
        watcher.subscribe(service, recorder);
        await("the subscriber's first list").atMost(fixture.propagationDeadline()).until(() -> recorder.count() > 0);

        fixture.inject(fault);
        long start = System.nanoTime();
        // the pauses before the cap double up to it: together they last less than two caps
        long steadyFrom = start + cap.multipliedBy(2).toNanos();
        long steadyUntil = steadyFrom + cap.multipliedBy(STEADY_CAPS).toNanos();
        List<Long> arrivals = new ArrayList<>();
        long seen = watchRequests(log);
        long now;
        while ((now = System.nanoTime()) < steadyUntil) {
            long count = watchRequests(log);
            if (count > seen && now >= steadyFrom) {
                for (long i = seen; i < count; i++) {
                    arrivals.add(now);
                }
            }
            seen = count;
            LockSupport.parkNanos(RETRY_POLL.toNanos());
        }
        fixture.heal();

        long longest = 0;
        long previous = steadyFrom;
        for (long at : arrivals) {
            longest = Math.max(longest, at - previous);
            previous = at;
        }
        longest = Math.max(longest, steadyUntil - previous);
        Duration longestGap = Duration.ofNanos(longest);
        Duration allowed = cap.plus(cap.dividedBy(4)).plus(RETRY_SLACK);
        assertTrue(longestGap.compareTo(allowed) <= 0, () -> "no watch request for " + longestGap.toMillis()
                + " ms during " + fault + " with a retry cap of " + cap.toMillis() + " ms (" + arrivals.size()
                + " requests in " + STEADY_CAPS + " caps)");
        // a pause is at least half a cap; a retry may take one request per node
        int most = STEADY_CAPS * 2 * RETRY_REQUESTS + RETRY_REQUESTS;
        assertTrue(arrivals.size() <= most, () -> arrivals.size() + " watch requests in " + STEADY_CAPS
                + " caps of " + fault + ": more than " + most + ", the backoff is not holding");

        Naming registrar = connect();
        registrar.register(registration("b"));
        await("the subscriber's list to be [b] after " + fault).atMost(RECOVERY)
                .until(() -> List.of("b").equals(recorder.lastIds()));
    }

    private static long watchRequests(RegistryFixture.RequestLog log) {
        return log.rawTargets().stream().filter(log::isWatchRequest).count();
    }

    @Test
    void listenersThatThrowOrBlockForTwoSecondsDoNotDelayOtherSubscriptions() {
        Naming owner = connect();
        Naming watcher = connect();
        CountDownLatch never = new CountDownLatch(1);
        watcher.subscribe(service, list -> {
            try {
                never.await(2, TimeUnit.SECONDS); // a listener stuck for 2 s on every call
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        watcher.subscribe(service, list -> {
            throw new IllegalStateException("listener bug");
        });
        Recorder free = new Recorder();
        watcher.subscribe(service, free);
        await("the free subscriber's first list").atMost(fixture.propagationDeadline()).until(() -> free.count() > 0);
        for (int i = 0; i < 3; i++) {
            String id = "s" + i;
            owner.register(registration(id));
            // well inside the 2 s the stuck listener takes for each of its calls
            await("the free subscriber's list to hold " + id).atMost(Duration.ofMillis(1500))
                    .until(() -> free.lastIds() != null && free.lastIds().contains(id));
        }
        never.countDown();
    }

    @Test
    void registryThatLostItsStateHasTheInstanceBackWithinOneHeartbeat() {
        assumeTrue(fixture.supportsStateLoss(), () -> fixture.getClass().getSimpleName() + " cannot make its registry "
                + "forget its registrations (supportsStateLoss() is false), which this test needs to check that "
                + "the library registers them again");
        Naming owner = connect();
        Naming reader = connect();
        ServiceRegistration registration = fixture.adapt(ServiceRegistration.builder().id("a").name(service)
                .address("10.1.0.1").port(7000).build());
        owner.register(registration);
        await("find to return the instance").atMost(fixture.propagationDeadline())
                .until(() -> reader.find(service).size() == 1);
        fixture.loseState();
        // the next heartbeat finds the instance gone and registers it again at once
        await("find to return the instance registered again").atMost(fixture.heartbeatInterval().plusMillis(500))
                .until(() -> reader.find(service).contains(registration.instance()));
    }

    @Test
    void throughARegistryRestartSubscribersKeepEveryAliveInstanceAndOwnersAreBackAtOnce() {
        assumeTrue(fixture.supportsRestart(), () -> fixture.getClass().getSimpleName() + " cannot restart its "
                + "registry without its data (supportsRestart() is false), which this test needs");
        Naming owner = connect();
        Naming watcher = connect();
        List<String> ids = List.of("a", "b", "c");
        for (String id : ids) {
            owner.register(fixture.adapt(ServiceRegistration.builder().id(id).name(service).address("10.1.0.1")
                    .port(7000).build()));
        }
        // a registry may show a registration a moment after the call returned (Consul's anti-entropy)
        await().atMost(fixture.propagationDeadline()).until(() -> ids.equals(Recorder.ids(watcher.find(service))));
        Recorder recorder = new Recorder();
        watcher.subscribe(service, recorder);
        await("the subscriber's list to be " + ids).atMost(fixture.propagationDeadline())
                .until(() -> ids.equals(recorder.lastIds()));
        int before = recorder.count();

        // down long enough for the owner's heartbeats to fail, then back without its data
        fixture.setReachable(false);
        await("no list delivered while the registry is down").during(FAULT).atMost(FAULT.plusSeconds(2))
                .until(() -> recorder.count() == before);
        fixture.loseState();
        long answering = System.nanoTime();
        fixture.setReachable(true);
        Naming reader = connect(); // no watch, no hold: what the registry holds
        await("find to return " + ids + " after the restart").atMost(RECOVERY)
                .until(() -> Recorder.ids(reader.find(service)).equals(ids));
        long backMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answering);
        int smallest = recorder.lists().stream().mapToInt(List::size).min().orElse(0);
        System.out.printf("fault suite, %s: registry restart with state loss: own instances back %d ms after the "
                + "registry answered; smallest list a subscriber saw: %d of %d%n",
                fixture.getClass().getSimpleName(), backMillis, smallest, ids.size());
        assertEquals(ids.size(), smallest, () -> "an alive instance vanished from a subscriber: " + recorder.lists());
    }

    @Test
    void tenThousandSubscribeUnsubscribeCyclesLeaveNoThreadBehind() {
        Naming watcher = connect();
        // threads a Naming keeps for its whole life (in-memory heartbeat, discovery poll loop) start here
        watcher.subscribe(service + "-warm", list -> { }).close();
        LibraryThreads before = LibraryThreads.snapshot();
        Subscription held = watcher.subscribe(service, list -> { });
        for (int i = 0; i < 10_000; i++) {
            watcher.subscribe(service, list -> { }).close();
        }
        held.close();
        // and 200 cycles that each start and stop the service's backend watch
        for (int i = 0; i < 200; i++) {
            watcher.subscribe(service + "-" + i, list -> { }).close();
        }
        await("every watch thread of the closed subscriptions to end").atMost(Duration.ofSeconds(15))
                .until(() -> before.startedBackground().isEmpty());
    }

    @Test
    void twoHundredOpenCloseCyclesLeaveNoThreadOrSocketBehind() {
        OptionalInt port = fixture.serverPort();
        int socketsBefore = port.isPresent() ? OpenConnections.to(port.getAsInt()) : 0;
        LibraryThreads before = LibraryThreads.snapshot();
        for (int i = 0; i < 200; i++) {
            try (Naming naming = fixture.connect()) {
                naming.register(registration("cycle-" + i));
                naming.subscribe(service, list -> { });
            }
        }
        await("every library thread of the closed Namings to end").atMost(Duration.ofSeconds(15))
                .until(() -> before.started().isEmpty());
        // -1: this system does not show its sockets (no /proc/net/tcp), nothing to compare
        if (port.isPresent() && socketsBefore >= 0) {
            // on Java 17-20 the JDK client cannot close its idle connections: they end when the
            // server's idle timeout closes them or the client is collected (README, limitations)
            await("every connection of the closed Namings to close").atMost(Duration.ofSeconds(40))
                    .until(() -> OpenConnections.to(port.getAsInt()) <= socketsBefore);
        }
    }

    @Test
    void generatedNamesTagsAndMetaAreRejectedBeforeIoOrRoundTripExactly() {
        Naming naming = connect();
        Random random = new Random(20261123L);
        ValueGenerator values = new ValueGenerator(random);
        int rejected = 0;
        int roundTripped = 0;
        int generated = 0;
        while (generated < 10_000) {
            String name = values.next();
            String id = values.next();
            List<String> tags = List.of(values.next(), values.next(), values.next(), values.next());
            Map<String, String> meta = Map.of("k1" + random.nextInt(1000), values.next(),
                    values.next(), "v", "k2" + random.nextInt(1000), values.next());
            generated += 4 + 4 + 3;
            ServiceRegistration registration;
            try {
                registration = fixture.adapt(ServiceRegistration.builder().id(id).name(name).address("10.2.0.1")
                        .port(7000).tags(tags).meta(meta).build());
            } catch (IllegalArgumentException e) {
                assertNamesAField(e);
                rejected++;
                continue;
            }
            long requestsBefore = fixture.requestLog().map(RegistryFixture.RequestLog::count).orElse(0L);
            try {
                naming.register(registration);
            } catch (IllegalArgumentException e) {
                assertNamesAField(e);
                long requestsAfter = fixture.requestLog().map(RegistryFixture.RequestLog::count).orElse(0L);
                assertEquals(requestsBefore, requestsAfter, "a rejected registration sent a request: " + e.getMessage());
                rejected++;
                continue;
            }
            // a registry may show a registration a moment after the call returned (Consul's anti-entropy)
            await("a round trip of " + registration.instance()).atMost(fixture.propagationDeadline())
                    .untilAsserted(() -> assertTrue(naming.find(name).contains(registration.instance()),
                            () -> "found " + naming.find(name)));
            naming.deregister(id);
            roundTripped++;
        }
        assertTrue(rejected > 0 && roundTripped > 0, "the generator must exercise both outcomes: rejected "
                + rejected + ", round-tripped " + roundTripped);
        fixture.requestLog().ifPresent(log -> {
            for (String target : log.rawTargets()) {
                assertTrue(log.isIntendedEndpoint(target), "request went to an unintended endpoint: " + target);
            }
        });
    }

    private static final Set<String> FIELDS = Set.of("id", "name", "tags", "meta", "meta key", "address", "port",
            "protocol");

    private static void assertNamesAField(IllegalArgumentException e) {
        assertNotNull(e.getMessage());
        assertTrue(FIELDS.stream().anyMatch(f -> e.getMessage().startsWith(f)),
                "message does not start with the field's name: " + e.getMessage());
    }

    /** Awkward strings: unicode, URL metacharacters, dot segments, spaces, empty, 10 KB. */
    static final class ValueGenerator {
        private static final String[] PIECES = {"a", "Z", "0", "-", "_", ".", "..", "/", "?", "#", "&", "%", "%2F",
            " ", "+", "=", ";", "\\", "\"", "'", "<", ">", "é", "名字", "🚀", "ß", "\u00a0", "\u200b", ":", "@", "~"};
        private final Random random;

        ValueGenerator(Random random) {
            this.random = random;
        }

        String next() {
            int kind = random.nextInt(20);
            if (kind == 0) {
                return "";
            }
            if (kind == 1) {
                return "x".repeat(10 * 1024);
            }
            if (kind == 2) {
                return random.nextBoolean() ? ".." : ".";
            }
            StringBuilder sb = new StringBuilder();
            int parts = 1 + random.nextInt(6);
            for (int i = 0; i < parts; i++) {
                sb.append(PIECES[random.nextInt(PIECES.length)]);
            }
            return sb.toString();
        }
    }
}
