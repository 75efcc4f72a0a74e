package dev.naming.spi;

import static dev.naming.spi.ScriptedNaming.instance;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.NamingException;
import dev.naming.RegistrationPendingException;
import dev.naming.ServiceRegistration;
import dev.naming.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A {@code Naming} that registers watches its own services, so that a process that only registers
 * notices a restarted or forgetful registry at once instead of at its next heartbeat.
 */
class OwnServiceWatchTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private final ScriptedNaming naming = new ScriptedNaming();

    @AfterEach
    void close() {
        naming.unreachable = false;
        naming.close();
    }

    private static ServiceRegistration registration(String id, String name) {
        return ServiceRegistration.builder().id(id).name(name).address("10.0.0.1").port(8000).build();
    }

    @Test
    void eachRegisteredServiceIsWatchedOnceUntilItsLastInstanceIsDeregistered() {
        naming.register(registration("a", "svc"));
        naming.register(registration("b", "svc"));
        naming.register(registration("c", "other"));
        assertEquals(Set.of("svc", "other"), naming.sinks.keySet());
        assertEquals(2, naming.watchesStarted.get());

        naming.deregister("c");
        assertEquals(Set.of("svc"), naming.sinks.keySet());
        naming.deregister("a");
        assertEquals(Set.of("svc"), naming.sinks.keySet());
        naming.deregister("b");
        assertEquals(Set.of(), naming.sinks.keySet());
    }

    @Test
    void anInstanceMovedToAnotherNameMovesTheWatch() {
        naming.register(registration("a", "old"));
        naming.register(registration("a", "new"));
        assertEquals(Set.of("new"), naming.sinks.keySet());
    }

    @Test
    void theApplicationsSubscriptionToItsOwnServiceSharesTheWatchAndOutlivesNothing() {
        naming.register(registration("a", "svc"));
        Subscription mine = naming.subscribe("svc", list -> { });
        assertEquals(1, naming.watchesStarted.get());
        mine.close();
        assertEquals(Set.of("svc"), naming.sinks.keySet(), "the application's close ended the own watch");
        naming.deregister("a");
        assertEquals(Set.of(), naming.sinks.keySet());
    }

    @Test
    void aRestartTheOwnWatchSeesRegistersAgainAtOnceNotAtTheNextHeartbeat() {
        naming.renewInterval = RecordingRegistrar.NEVER;
        naming.register(registration("a", "svc"));
        WatchSink own = naming.sinks.get("svc");
        own.snapshot(List.of(naming.registry.get("a").instance()));

        naming.registry.clear(); // the registry restarted without its data
        own.failure(new NamingException("connection reset"));
        own.snapshot(List.of());

        await().atMost(DEADLINE).until(() -> naming.registry.containsKey("a"));
    }

    @Test
    void aPendingRegistrationIsWatchedTooAndLandsWhenTheWatchSeesTheRegistryBack() {
        naming.renewInterval = RecordingRegistrar.NEVER;
        naming.unreachable = true;
        assertThrows(RegistrationPendingException.class, () -> naming.register(registration("a", "svc")));
        assertTrue(naming.sinks.containsKey("svc"));
        naming.unreachable = false;
        naming.sinks.get("svc").snapshot(List.of(instance("other")));

        await().atMost(DEADLINE).until(() -> naming.registry.containsKey("a"));
    }
}
