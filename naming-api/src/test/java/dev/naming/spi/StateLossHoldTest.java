package dev.naming.spi;

import static dev.naming.spi.ScriptedNaming.instance;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.ServiceInstance;
import dev.naming.Subscription;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Removals held back through a registry's state loss, and the freshness of a subscription's list. */
class StateLossHoldTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private static final Duration LONG = Duration.ofHours(1);
    private ScriptedNaming naming;
    private final List<List<String>> received = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        naming.close();
    }

    private WatchSink watch(Duration grace) {
        naming = new ScriptedNaming(grace);
        naming.subscribe("svc", list -> received.add(ids(list)));
        return naming.sinks.get("svc");
    }

    private static List<String> ids(List<ServiceInstance> list) {
        return list.stream().map(ServiceInstance::id).toList();
    }

    private List<String> found() {
        return ids(naming.find("svc"));
    }

    @Test
    void aReadAfterAFailureHoldsRemovalsUntilTheGraceWindowEnds() {
        WatchSink sink = watch(Duration.ofMillis(700));
        sink.snapshot(List.of(instance("a"), instance("b")));
        sink.failure(new RuntimeException("connection reset"));
        sink.snapshot(List.of()); // the restarted registry, before its owners came back
        assertEquals(List.of("a", "b"), found());
        await().atMost(DEADLINE).until(() -> found().isEmpty());
        await().atMost(DEADLINE).until(() -> received.equals(List.of(List.of("a", "b"), List.of())));
    }

    @Test
    void instancesThatComeBackEndTheHold() {
        WatchSink sink = watch(LONG);
        sink.snapshot(List.of(instance("a"), instance("b")));
        sink.stateLost();
        sink.snapshot(List.of());
        sink.snapshot(List.of(instance("a")));
        assertEquals(List.of("a", "b"), found(), "b is still held");
        sink.snapshot(List.of(instance("a"), instance("b")));
        sink.snapshot(List.of(instance("a")));
        assertEquals(List.of("a"), found(), "the hold ended when everything came back: b left for real");
    }

    @Test
    void aSignAfterAHoldEndedHoldsAgain() {
        WatchSink sink = watch(LONG);
        sink.snapshot(List.of(instance("a"), instance("b")));
        sink.stateLost();
        sink.snapshot(List.of());
        sink.snapshot(List.of(instance("a"), instance("b"))); // everything came back: the hold ended
        sink.stateLost();
        sink.snapshot(List.of(instance("a")));
        assertEquals(List.of("a", "b"), found(), "b is held again");
    }

    @Test
    void aHoldEndsWithItsWatchWhenTheLastSubscriptionCloses() {
        naming = new ScriptedNaming(Duration.ofMillis(200));
        Subscription svc = naming.subscribe("svc", list -> { });
        naming.subscribe("other", list -> { });
        try (LogCapture log = new LogCapture()) {
            naming.sinks.get("svc").snapshot(List.of(instance("a")));
            naming.sinks.get("other").snapshot(List.of(instance("b")));
            naming.sinks.get("svc").stateLost();
            naming.sinks.get("other").stateLost(); // its window ends after svc's would have
            svc.close();
            await().atMost(DEADLINE).until(() -> !log.lines("watch of 'other': grace window over").isEmpty());
            assertEquals(List.of(), log.lines("watch of 'svc': grace window over"));
        }
    }

    @Test
    void additionsPassAtOnceDuringTheHold() {
        WatchSink sink = watch(LONG);
        sink.snapshot(List.of(instance("a")));
        sink.stateLost();
        sink.snapshot(List.of(instance("c")));
        assertEquals(List.of("a", "c"), found());
    }

    @Test
    void aRealDepartureDuringTheWindowIsDeliveredWhenItEnds() {
        WatchSink sink = watch(Duration.ofMillis(500));
        sink.snapshot(List.of(instance("a"), instance("b")));
        sink.stateLost();
        sink.snapshot(List.of(instance("a")));
        assertEquals(List.of("a", "b"), found());
        await().atMost(DEADLINE).until(() -> found().equals(List.of("a")));
        await().atMost(DEADLINE).until(() -> received.get(received.size() - 1).equals(List.of("a")));
    }

    @Test
    void zeroGraceDeliversRemovalsAtOnce() {
        WatchSink sink = watch(Duration.ZERO);
        sink.snapshot(List.of(instance("a"), instance("b")));
        sink.stateLost();
        sink.snapshot(List.of());
        assertEquals(List.of(), found());
    }

    @Test
    void aSignOfTheBackendHoldsEveryWatchedService() {
        WatchSink sink = watch(LONG);
        sink.snapshot(List.of(instance("a")));
        naming.signStateLoss();
        sink.snapshot(List.of());
        assertEquals(List.of("a"), found());
    }

    @Test
    void freshnessTellsWhenTheRegistryLastAnsweredAndWhetherItAnswersNow() {
        WatchSink sink = watch(Duration.ZERO);
        Subscription subscription = naming.subscribe("svc", list -> { });
        assertTrue(subscription.lastConfirmed().isEmpty(), "no read yet");
        sink.snapshot(List.of(instance("a")));
        Instant first = subscription.lastConfirmed().orElseThrow();
        assertTrue(subscription.registryReachable());
        sink.failure(new RuntimeException("connection refused"));
        assertFalse(subscription.registryReachable());
        assertEquals(first, subscription.lastConfirmed().orElseThrow(), "a failure confirms nothing");
        await().atMost(DEADLINE).until(() -> {
            sink.unchanged();
            return subscription.lastConfirmed().orElseThrow().isAfter(first);
        });
        sink.snapshot(List.of(instance("a")));
        assertTrue(subscription.registryReachable());
    }
}
