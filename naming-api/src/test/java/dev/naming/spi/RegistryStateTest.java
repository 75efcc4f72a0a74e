package dev.naming.spi;

import static dev.naming.spi.ScriptedNaming.instance;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.NamingException;
import dev.naming.ServiceRegistration;
import dev.naming.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One signal per {@code Naming}: watches backing off retry together when any call succeeds after
 * the registry was down, {@code registryReachable()} follows it, and an outage is logged once.
 */
class RegistryStateTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);
    /** A watch's own pause in these tests: any retry before it is the signal's. */
    private static final Duration LONG_PAUSE = Duration.ofHours(1);
    /** How late a released retry may run past the spread on a loaded machine. */
    private static final Duration SLACK = Duration.ofMillis(150);
    private static final List<String> SERVICES = List.of("s1", "s2", "s3", "s4", "s5");

    private final ScriptedNaming naming = new ScriptedNaming();
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();

    @AfterEach
    void close() {
        naming.unreachable = false;
        naming.close();
    }

    /** A watch that never fails: it is unreachable only once the Naming found the registry down. */
    private Subscription sentinel;

    private void watchEveryService() {
        for (String s : SERVICES) {
            subscriptions.put(s, naming.subscribe(s, list -> { }));
            naming.sinks.get(s).snapshot(List.of(instance("a")));
        }
        sentinel = naming.subscribe("sentinel", list -> { });
        naming.sinks.get("sentinel").snapshot(List.of());
    }

    /** Every watch fails and pauses for an hour; returns when each retried, in nanoTime (0: not yet). */
    private Map<String, Long> everyWatchFailsAndPauses() {
        Map<String, Long> retried = new ConcurrentHashMap<>();
        for (String s : SERVICES) {
            WatchSink sink = naming.sinks.get(s);
            sink.failure(new NamingException("connection refused"));
            sink.retryAfter(LONG_PAUSE, () -> retried.put(s, System.nanoTime()));
        }
        return retried;
    }

    /** The Naming found the registry down: no watch is reachable, the sentinel's included. */
    private boolean noneReachable() {
        return !sentinel.registryReachable() && subscriptions.values().stream().noneMatch(Subscription::registryReachable);
    }

    @Test
    void everyWatchPausedOnADownRegistryRetriesWithinTheSpreadOfAFindThatSucceeds() {
        watchEveryService();
        naming.unreachable = true;
        Map<String, Long> retried = everyWatchFailsAndPauses();
        await().atMost(DEADLINE).until(this::noneReachable); // the probe failed: the registry is down

        naming.unreachable = false;
        long answered = System.nanoTime();
        naming.find("another"); // any call of the Naming that succeeds

        await().atMost(DEADLINE).until(() -> retried.size() == SERVICES.size());
        long last = retried.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        Duration lag = Duration.ofNanos(last - answered);
        assertTrue(lag.compareTo(RegistryState.SPREAD.plus(SLACK)) <= 0, "last watch retried after " + lag.toMillis() + " ms");
        assertTrue(subscriptions.values().stream().allMatch(Subscription::registryReachable),
                "registryReachable() did not follow the registry's return");
    }

    @Test
    void theKeepAlivesProbeAnsweringReleasesTheWatchesToo() {
        naming.renewInterval = Duration.ofMillis(50);
        naming.register(ServiceRegistration.builder().id("me").name("own").address("10.0.0.1").port(8000).build());
        watchEveryService();
        naming.unreachable = true;
        Map<String, Long> retried = everyWatchFailsAndPauses();
        await().atMost(DEADLINE).until(this::noneReachable);

        naming.unreachable = false; // nothing else happens: the renewals and probes find it back

        await().atMost(DEADLINE).until(() -> retried.size() == SERVICES.size());
    }

    @Test
    void registryReachableIsFalseForEveryWatchOnceTheRegistryIsFoundDownAndTrueOnceAnyCallSucceeds() {
        watchEveryService();
        naming.unreachable = true;
        for (String s : SERVICES) {
            naming.sinks.get(s).failure(new NamingException("connection refused"));
        }
        await().atMost(DEADLINE).until(() -> !sentinel.registryReachable());

        naming.unreachable = false;
        naming.sinks.get("sentinel").unchanged(); // its long poll ends: the registry answered

        assertTrue(sentinel.registryReachable());
        assertTrue(subscriptions.values().stream().allMatch(Subscription::registryReachable),
                "the failed watches are about to read again: the registry answers");
    }

    @Test
    void aWatchThatFailsAloneWaitsOutItsOwnPauseAndIsLoggedAsItsOwnOnce() {
        watchEveryService();
        try (LogCapture log = new LogCapture()) {
            List<Long> retried = new ArrayList<>();
            WatchSink broken = naming.sinks.get("s1");
            broken.failure(new NamingException("reply over maxReply")); // the registry itself answers
            broken.retryAfter(LONG_PAUSE, () -> retried.add(System.nanoTime()));
            for (int round = 0; round < 20; round++) {
                for (String s : SERVICES.subList(1, SERVICES.size())) {
                    naming.sinks.get(s).snapshot(List.of(instance("a"), instance("r" + round)));
                }
            }
            await().during(Duration.ofMillis(500)).atMost(DEADLINE).until(retried::isEmpty);
            broken.failure(new NamingException("reply over maxReply")); // its next try, after its own pause
            broken.failure(new NamingException("reply over maxReply"));

            assertFalse(subscriptions.get("s1").registryReachable(), "its watch fails");
            assertTrue(subscriptions.get("s2").registryReachable());
            assertEquals(List.of(), log.lines("registry unreachable"));
            assertEquals(1, log.lines("watch of 's1': its reads fail while the registry answers").size());
            assertTrue(log.lines("watch of 's1'").get(0).contains("reply over maxReply"));
        }
    }

    @Test
    void anOutageIsLoggedOncePerNamingWhenItStartsAndOnceWhenItEndsWhateverTheNumberOfWatches() {
        naming.renewInterval = Duration.ofMillis(50);
        naming.register(ServiceRegistration.builder().id("me").name("own").address("10.0.0.1").port(8000).build());
        watchEveryService();
        try (LogCapture log = new LogCapture()) {
            naming.unreachable = true;
            for (int round = 0; round < 3; round++) {
                everyWatchFailsAndPauses();
            }
            await().atMost(DEADLINE).until(this::noneReachable);
            await().atMost(DEADLINE).until(() -> naming.failedCalls.get() >= 3); // the keep-alive fails too
            naming.unreachable = false;
            naming.sinks.get("s1").snapshot(List.of(instance("a")));
            await().atMost(DEADLINE).until(() -> !log.lines("scripted naming: the registry answers again").isEmpty());

            assertEquals(1, log.lines("scripted naming: registry unreachable").size(), log.lines("unreachable")::toString);
            assertTrue(log.lines("scripted naming: registry unreachable").get(0).contains("connection refused"));
            assertEquals(1, log.lines("scripted naming: the registry answers again").size());
            List<String> loud = new ArrayList<>(log.lines("WARN"));
            loud.addAll(log.lines("INFO"));
            assertEquals(2, loud.size(), "one line when it went, one when it came back: " + loud);
        }
    }
}
