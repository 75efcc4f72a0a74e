package dev.naming.spi;

import static dev.naming.spi.ScriptedNaming.instance;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.NamingException;
import dev.naming.ServiceRegistration;
import dev.naming.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** close() and close(Duration): what they drain, stop and remove, in which order, and what is refused after. */
class ClosingTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private final ScriptedNaming naming = new ScriptedNaming();
    private final AtomicBoolean listenerInterrupted = new AtomicBoolean();

    @AfterEach
    void close() {
        naming.close();
    }

    private static ServiceRegistration registration(String id) {
        return ServiceRegistration.builder().id(id).name("svc").address("10.0.0.1").port(8000).build();
    }

    /** A listener that is busy (for up to 10 s) with the first list it gets, until interrupted. */
    private CountDownLatch subscribeBusyListener() {
        CountDownLatch listening = new CountDownLatch(1);
        naming.subscribe("svc", list -> {
            listening.countDown();
            try {
                new CountDownLatch(1).await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                listenerInterrupted.set(true);
            }
        });
        naming.sinks.get("svc").snapshot(List.of(instance("a")));
        return listening;
    }

    @Test
    void closeStopsTheWatchesThenTheBackendDeregistersAndReleasesLast() {
        Subscription subscription = naming.subscribe("svc", list -> { });
        naming.register(registration("a"));
        assertTrue(subscription.isActive());
        naming.events.clear();
        naming.close();
        assertFalse(subscription.isActive());
        assertEquals(List.of("watch of svc stopped", "stop background", "deregister a", "release"), naming.events);
    }

    @Test
    void aWatchThatFailsToStopIsLoggedAndTheCloseGoesOn() {
        Subscription subscription = naming.subscribe("svc", list -> { });
        naming.register(registration("a"));
        naming.watchCloseFailure = new IllegalStateException("socket already closed");
        try (LogCapture log = new LogCapture()) {
            naming.close();
            assertEquals(1, log.lines("scripted naming: could not stop watch of 'svc': "
                    + "java.lang.IllegalStateException: socket already closed").size());
        }
        assertFalse(subscription.isActive(), "the subscription outlived its naming");
        assertEquals(Map.of(), naming.registry);
        assertEquals("release", naming.events.get(naming.events.size() - 1));
    }

    @Test
    void closeWithADrainPeriodDrainsEverythingFirstAndDeregistersOnlyWhenThePeriodEnds() throws InterruptedException {
        naming.register(registration("a"));
        naming.register(registration("b"));
        AtomicBoolean keptInterrupt = new AtomicBoolean();
        Thread closing = new Thread(() -> {
            naming.close(Duration.ofMinutes(10));
            keptInterrupt.set(Thread.currentThread().isInterrupted());
        });
        closing.start();
        await().atMost(DEADLINE).until(() -> naming.drained.equals(Set.of("a", "b")));
        assertEquals(Set.of("a", "b"), naming.registry.keySet(), "deregistered while clients were still draining");
        assertFalse(naming.isClosed());
        closing.interrupt(); // an interrupt cuts the period short
        closing.join(DEADLINE.toMillis());
        assertFalse(closing.isAlive());
        assertTrue(naming.isClosed());
        assertEquals(Map.of(), naming.registry);
        assertTrue(keptInterrupt.get(), "close(Duration) swallowed the interrupt");
    }

    @Test
    void closeWithNoDrainPeriodDrainsNothing() {
        naming.register(registration("a"));
        naming.close(Duration.ZERO);
        // the own service's watch stops with the others, before anything is deregistered
        assertEquals(List.of("register a", "watch of svc stopped", "stop background", "deregister a", "release"),
                naming.events);
    }

    @Test
    void aDrainTheRegistryRefusesIsLoggedAndTheOthersAreStillDrainedAndClosed() {
        naming.register(registration("a"));
        naming.register(registration("b"));
        naming.registry.remove("a"); // the registry lost a: draining it fails
        try (LogCapture log = new LogCapture()) {
            naming.close(Duration.ofMillis(1));
            assertEquals(1, log.lines("scripted naming: could not drain 'a' before closing").size());
        }
        assertTrue(naming.events.contains("drain b true"), naming.events.toString());
        assertTrue(naming.isClosed());
        assertEquals(Map.of(), naming.registry);
    }

    @Test
    void closeWithADrainPeriodOfAClosedNamingNeitherDrainsNorWaits() {
        naming.register(registration("a"));
        naming.close();
        naming.events.clear();
        assertTimeoutPreemptively(DEADLINE, () -> naming.close(Duration.ofMinutes(10)));
        assertEquals(List.of(), naming.events);
    }

    @Test
    void closeOnAnInterruptedThreadStillClosesEverythingAndKeepsTheInterrupt() throws InterruptedException {
        naming.register(registration("a"));
        assertTrue(subscribeBusyListener().await(5, TimeUnit.SECONDS));
        AtomicBoolean keptInterrupt = new AtomicBoolean();
        Thread closing = new Thread(() -> {
            Thread.currentThread().interrupt();
            naming.close();
            keptInterrupt.set(Thread.currentThread().isInterrupted());
        });
        closing.start();
        closing.join(DEADLINE.toMillis());
        assertFalse(closing.isAlive());
        assertTrue(keptInterrupt.get(), "close() swallowed the interrupt");
        assertEquals(Map.of(), naming.registry);
        await().atMost(DEADLINE).untilTrue(listenerInterrupted);
    }

    @Test
    void closeInterruptsAListenerThatIsStillBusy() throws InterruptedException {
        assertTrue(subscribeBusyListener().await(5, TimeUnit.SECONDS));
        naming.close();
        await().atMost(DEADLINE).untilTrue(listenerInterrupted);
    }

    @Test
    void afterCloseEveryCallIsRefusedAndNothingReachesTheBackend() {
        naming.close();
        naming.events.clear();
        assertThrows(NamingException.class, () -> naming.subscribe("svc", list -> { }));
        // from another thread than the one that closed
        assertTimeoutPreemptively(DEADLINE, () -> {
            assertThrows(NamingException.class, () -> naming.register(registration("a")));
            assertThrows(NamingException.class, () -> naming.deregister("a"));
            assertThrows(NamingException.class, () -> naming.drain("svc", "a"));
        });
        assertEquals(List.of(), naming.events);
        assertEquals(0, naming.watchesStarted.get());
    }
}
