package dev.naming.consul;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.HealthCheck;
import dev.naming.NamingException;
import dev.naming.ServiceRegistration;
import dev.naming.Subscription;
import dev.naming.consul.emulator.ConsulEmulator;
import dev.naming.consul.emulator.RecordedRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code stale=}, {@code ns=} and {@code partition=}: what goes over the wire with each, and without. */
class ConsulScopeTest {

    private ConsulEmulator emulator;

    @AfterEach
    void stop() {
        if (emulator != null) {
            emulator.close();
        }
    }

    private static ServiceRegistration registration(String id) {
        return ServiceRegistration.builder().id(id).name("scoped").address("10.0.0.1").port(7000)
                .check(HealthCheck.ttl(Duration.ofSeconds(2))).build();
    }

    /** Register (TTL passes), find, watch, deregister: every kind of call the library makes. */
    private void everyKindOfCall(ConsulNaming naming) {
        naming.register(registration("a"));
        try (Subscription ignored = naming.subscribe("scoped", list -> { })) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !emulator.requests("/v1/agent/check/pass").isEmpty()
                    && emulator.requests("/v1/health/service/scoped").size() >= 2);
            naming.find("other");
        }
        naming.deregister("a");
    }

    @Test
    void staleReadsAskAnyServerForFindsAndWatches() {
        emulator = ConsulEmulator.start();
        try (ConsulNaming naming = FastConsul.connect("consul://" + emulator.hostPort() + "?stale=true")) {
            everyKindOfCall(naming);
        }
        List<RecordedRequest> reads = emulator.requests("/v1/health/service/");
        assertTrue(reads.size() >= 3, "reads: " + reads);
        reads.forEach(r -> assertTrue(r.hasParam("stale"), r + " without stale"));
        // writes have no consistency mode: Consul forwards them to the leader whatever they say
        emulator.requests("/v1/agent/").forEach(r -> assertFalse(r.hasParam("stale"), r + " with stale"));
    }

    @Test
    void readsAreConsistentByDefault() {
        emulator = ConsulEmulator.start();
        try (ConsulNaming naming = FastConsul.connect("consul://" + emulator.hostPort())) {
            everyKindOfCall(naming);
        }
        emulator.requests().forEach(r -> assertFalse(r.hasParam("stale"), r + " with stale"));
    }

    @Test
    void namespaceAndPartitionRideOnEveryCall() {
        emulator = ConsulEmulator.builder().enterprise().start();
        try (ConsulNaming naming = FastConsul.connect("consul://" + emulator.hostPort() + "?ns=team-a&partition=edge")) {
            everyKindOfCall(naming);
        }
        List<RecordedRequest> all = emulator.requests();
        assertTrue(all.stream().anyMatch(r -> r.rawPath().startsWith("/v1/agent/service/register")), all.toString());
        assertTrue(all.stream().anyMatch(r -> r.rawPath().startsWith("/v1/agent/check/pass")), all.toString());
        assertTrue(all.stream().anyMatch(r -> r.rawPath().startsWith("/v1/agent/service/deregister")), all.toString());
        for (RecordedRequest r : all) {
            assertEquals("team-a", r.header("X-Consul-Namespace"), r.toString());
            assertEquals("edge", r.header("X-Consul-Partition"), r.toString());
        }
    }

    @Test
    void withoutThemNoScopeIsSent() {
        emulator = ConsulEmulator.builder().enterprise().start();
        try (ConsulNaming naming = FastConsul.connect("consul://" + emulator.hostPort())) {
            everyKindOfCall(naming);
        }
        for (RecordedRequest r : emulator.requests()) {
            assertNull(r.header("X-Consul-Namespace"), r.toString());
            assertNull(r.header("X-Consul-Partition"), r.toString());
        }
    }

    @Test
    void communityEditionRefusesANamespaceAndTheErrorSaysWhy() {
        emulator = ConsulEmulator.start();
        try (ConsulNaming naming = FastConsul.connect("consul://" + emulator.hostPort() + "?ns=team-a")) {
            NamingException e = assertThrows(NamingException.class, () -> naming.register(registration("a")));
            assertTrue(e.getMessage().contains("Namespaces are a Consul Enterprise feature"), e.getMessage());
            NamingException find = assertThrows(NamingException.class, () -> naming.find("scoped"));
            assertTrue(find.getMessage().contains("Namespaces are a Consul Enterprise feature"), find.getMessage());
        }
    }
}
