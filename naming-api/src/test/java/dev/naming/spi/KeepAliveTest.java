package dev.naming.spi;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.NamingException;
import dev.naming.ServiceRegistration;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The shared keep-alive, through the smallest backend: renewals, registering again, probes, races. */
class KeepAliveTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);
    /** Longer than any test: a registration comes back early only because of what the test does. */
    private static final Duration NEVER = Duration.ofHours(1);
    private final ScriptedNaming naming = new ScriptedNaming();

    @AfterEach
    void close() {
        naming.unreachable = false;
        naming.close();
    }

    private static ServiceRegistration registration(String id) {
        return ServiceRegistration.builder().id(id).name("svc").address("10.0.0.1").port(8000).build();
    }

    @Test
    void forgottenInstanceIsRegisteredAgainAtItsNextRenewal() {
        naming.renewInterval = Duration.ofMillis(50);
        naming.register(registration("a"));
        naming.registry.clear();
        await().atMost(DEADLINE).until(() -> naming.registry.containsKey("a"));
    }

    @Test
    void unreachableRegistryIsProbedWithOneRegistrationNotAllOfThem() {
        naming.renewInterval = Duration.ofMillis(50);
        for (String id : List.of("a", "b", "c", "d")) {
            naming.register(registration(id));
        }
        Set<String> probed = ConcurrentHashMap.newKeySet();
        naming.beforeRenewal = r -> {
            if (naming.unreachable) {
                probed.add(r.id());
            }
        };
        int before = naming.failedCalls.get();
        naming.unreachable = true;
        await().atMost(DEADLINE).until(() -> naming.failedCalls.get() - before >= 4);
        assertEquals(1, probed.size(), "every probe renews the same one registration: " + probed);
    }

    @Test
    void everythingIsRegisteredAgainAsSoonAsTheRegistryAnswersAfterAnOutage() {
        naming.renewInterval = NEVER;
        naming.register(registration("a"));
        naming.register(registration("b"));
        naming.unreachable = true;
        naming.signStateLoss(); // the first probe fails: the keep-alive now probes with backoff
        await().atMost(DEADLINE).until(() -> naming.failedCalls.get() >= 1);
        naming.registry.clear(); // the registry restarted without its data
        naming.unreachable = false;
        await().atMost(DEADLINE).until(() -> naming.registry.keySet().equals(Set.of("a", "b")));
    }

    @Test
    void aWatchThatReadsAgainAfterFailingRenewsEverything() {
        naming.renewInterval = NEVER;
        naming.register(registration("a"));
        naming.subscribe("other", list -> { });
        WatchSink sink = naming.sinks.get("other");
        sink.snapshot(List.of());
        sink.failure(new RuntimeException("connection refused"));
        naming.registry.clear();
        sink.snapshot(List.of());
        await().atMost(DEADLINE).until(() -> naming.registry.containsKey("a"));
    }

    @Test
    void ownInstanceMissingFromAReadIsRenewedEarlyAndOnlyThatOne() {
        naming.renewInterval = NEVER;
        naming.register(registration("a"));
        naming.register(registration("b"));
        Set<String> renewed = ConcurrentHashMap.newKeySet();
        naming.beforeRenewal = r -> renewed.add(r.id());
        naming.subscribe("svc", list -> { });
        naming.registry.remove("a");
        // reads that come within a second of the registration may just lag behind it: not a sign yet
        await().atMost(DEADLINE).until(() -> {
            naming.sinks.get("svc").snapshot(List.of(naming.registry.get("b").instance()));
            return naming.registry.containsKey("a");
        });
        assertEquals(Set.of("a"), renewed);
    }

    @Test
    void aWatchThatSeesTheRegistryLoseItsStateRenewsEverythingNow() {
        naming.renewInterval = NEVER;
        naming.register(registration("a"));
        naming.subscribe("other", list -> { });
        naming.registry.clear();
        naming.sinks.get("other").stateLost();
        await().atMost(DEADLINE).until(() -> naming.registry.containsKey("a"));
    }

    @Test
    void stateLossSignRenewsEverythingNow() {
        naming.renewInterval = NEVER;
        naming.register(registration("a"));
        naming.registry.clear();
        naming.signStateLoss();
        await().atMost(DEADLINE).until(() -> naming.registry.containsKey("a"));
    }

    @Test
    void registrationLandingAfterAConcurrentDeregisterIsRemovedAgain() {
        naming.renewInterval = NEVER;
        naming.register(registration("a"));
        naming.registry.clear();
        AtomicBoolean raced = new AtomicBoolean();
        naming.beforeRegisterLands = () -> {
            // the keep-alive's registration is in flight while the caller deregisters
            if (Thread.currentThread().getName().contains("keepalive") && raced.compareAndSet(false, true)) {
                Thread caller = new Thread(() -> naming.deregister("a"));
                caller.start();
                try {
                    caller.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        naming.signStateLoss();
        await().atMost(DEADLINE).untilTrue(raced);
        await().atMost(DEADLINE).until(() -> !naming.registry.containsKey("a"));
        assertTrue(naming.registrations.get() >= 2);
    }

    @Test
    void refusedUpdateKeepsThePreviousRegistrationAlive() {
        naming.renewInterval = Duration.ofMillis(50);
        naming.register(registration("a"));
        naming.refusingRegistrations = true;
        assertThrows(NamingException.class, () -> naming.register(ServiceRegistration.builder().id("a").name("svc")
                .address("10.0.0.2").port(8000).build()));
        naming.refusingRegistrations = false;
        naming.registry.clear();
        await().atMost(DEADLINE).until(() -> naming.registry.containsKey("a"));
        assertEquals("10.0.0.1", naming.registry.get("a").address());
    }

    @Test
    void closeStopsRenewingAndRemovesEverything() {
        naming.renewInterval = Duration.ofMillis(20);
        naming.register(registration("a"));
        naming.close();
        int renewals = naming.renewals.get();
        assertTrue(naming.registry.isEmpty());
        await().atMost(DEADLINE).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("naming-scripted-keepalive") && t.isAlive()));
        assertEquals(renewals, naming.renewals.get());
    }

    @Test
    void aDrainedInstanceIsDrainedAgainWhenRegisteredAgain() {
        naming.renewInterval = NEVER;
        naming.register(registration("a"));
        naming.drain("svc", "a");
        naming.registry.clear(); // the registry restarted: it forgot the instance and its drain
        naming.drained.clear();
        naming.signStateLoss();
        await().atMost(DEADLINE).until(() -> naming.registry.containsKey("a") && naming.drained.contains("a"));
        naming.undrain("svc", "a");
        naming.register(registration("a")); // an update is a registration too: it stays in traffic now
        assertEquals(java.util.Set.of(), naming.drained);
    }

    @Test
    void drainingAnOwnInstanceUnderAnotherNameIsRefusedNamingTheField() {
        naming.register(registration("a"));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> naming.drain("other", "a"));
        assertTrue(e.getMessage().startsWith("serviceName"), e.getMessage());
    }
}
