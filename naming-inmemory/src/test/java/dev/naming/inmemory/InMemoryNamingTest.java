package dev.naming.inmemory;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.naming.HealthCheck;
import dev.naming.Naming;
import dev.naming.NamingException;
import dev.naming.NamingUri;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class InMemoryNamingTest {

    private final String cluster = "test-" + UUID.randomUUID();

    private static ServiceRegistration registration(String id) {
        return ServiceRegistration.builder().id(id).name("svc").address("10.0.0.1").port(80)
                .check(HealthCheck.ttl(Duration.ofSeconds(1))).deregisterCriticalAfter(Duration.ofSeconds(1)).build();
    }

    private static List<String> ids(List<ServiceInstance> instances) {
        return instances.stream().map(ServiceInstance::id).toList();
    }

    @Test
    void sharedNameMeansSharedRegistry() {
        try (Naming a = Naming.connect("inmemory://" + cluster); Naming b = Naming.connect("inmemory://" + cluster)) {
            a.register(registration("x"));
            assertEquals(List.of("x"), ids(b.find("svc")));
        }
    }

    @Test
    void toStringNamesTheRegistryAndWhetherItIsClosed() {
        Naming shared = Naming.connect("inmemory://" + cluster);
        assertEquals("InMemoryNaming[inmemory://" + cluster + "]", shared.toString());
        shared.close();
        assertEquals("InMemoryNaming[inmemory://" + cluster + ", closed]", shared.toString());
        try (Naming own = Naming.connect("inmemory:")) {
            assertEquals("InMemoryNaming[inmemory:]", own.toString());
        }
    }

    @Test
    void aNamedRegistryThatNoNamingUsesAndNobodyHoldsIsReleased() {
        WeakReference<InMemoryRegistry> registry = usedAndClosed();
        // the listing goes once the JVM's reference handler has queued the cleared slot, which may be
        // a moment after the registry itself is gone: wait for both
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            System.gc();
            return registry.get() == null && !InMemoryRegistry.isListed(cluster);
        });
        assertFalse(InMemoryRegistry.isListed(cluster));
    }

    /** In its own frame, so that no local variable of the test keeps the Naming reachable. */
    private WeakReference<InMemoryRegistry> usedAndClosed() {
        try (Naming naming = Naming.connect("inmemory://" + cluster)) {
            naming.register(registration("x"));
            naming.subscribe("svc", list -> { });
            return new WeakReference<>(InMemoryRegistry.named(cluster));
        }
    }

    @Test
    void aNamedRegistryIsKeptWhileSomeoneHoldsItEvenIfNoNamingUsesIt() {
        InMemoryRegistry held = InMemoryRegistry.named(cluster);
        Naming.connect("inmemory://" + cluster).close();
        System.gc();
        assertSame(held, InMemoryRegistry.named(cluster));
    }

    @Test
    void aNamedRegistryKeepsItsOutageThoughNobodyHoldsIt() {
        InMemoryRegistry.named(cluster).setReachable(false);
        System.gc();
        try (Naming naming = Naming.connect("inmemory://" + cluster)) {
            assertThrows(NamingException.class, () -> naming.find("svc"));
        } finally {
            InMemoryRegistry.named(cluster).setReachable(true);
        }
    }

    @Test
    void plainSchemeIsPrivateToOneNaming() {
        try (Naming a = Naming.connect("inmemory:"); Naming b = Naming.connect("inmemory:")) {
            a.register(registration("x"));
            assertEquals(List.of(), b.find("svc"));
        }
    }

    @Test
    void forgottenInstanceIsRegisteredAgainByItsOwner() {
        try (Naming owner = Naming.connect("inmemory://" + cluster)) {
            owner.register(registration("x"));
            InMemoryRegistry registry = InMemoryRegistry.named(cluster);
            long registered = registry.requests().stream().filter("register svc x"::equals).count();
            registry.forgetAll();
            // the owner watches its own service: it may have registered x again before forgetAll returned
            await().atMost(Duration.ofSeconds(5)).until(() -> registry.size() == 1
                    && registry.requests().stream().filter("register svc x"::equals).count() > registered);
        }
    }

    @Test
    void instanceOfADeadOwnerExpiresAfterTtlPlusDeregisterCriticalAfter() {
        InMemoryNaming owner = (InMemoryNaming) new InMemoryProvider().create(NamingUri.parse("inmemory://" + cluster));
        try (Naming watcher = Naming.connect("inmemory://" + cluster)) {
            owner.register(registration("x"));
            watcher.subscribe("svc", list -> { });
            owner.abandon();
            await().atMost(Duration.ofSeconds(10)).until(() -> watcher.find("svc").isEmpty());
            await().atMost(Duration.ofSeconds(10)).until(() -> InMemoryRegistry.named(cluster).size() == 0);
        } finally {
            owner.close();
        }
    }

    @Test
    void closeDeregistersAndStopsItsThreads() {
        Naming owner = Naming.connect("inmemory://" + cluster);
        owner.register(registration("x"));
        owner.subscribe("svc", list -> { });
        owner.close();
        assertEquals(0, InMemoryRegistry.named(cluster).size());
        await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("naming-inmemory")));
    }
}
