package dev.naming.inmemory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.HealthCheck;
import dev.naming.NamingException;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.spi.WatchSink;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InMemoryRegistryTest {

    private final AtomicLong clock = new AtomicLong();
    private final InMemoryRegistry registry = new InMemoryRegistry("test", clock::get);

    private static ServiceRegistration ttl(String id, int ttlSeconds, int deregisterAfterSeconds) {
        return ServiceRegistration.builder().id(id).name("svc").address("10.0.0.1").port(80)
                .check(HealthCheck.ttl(Duration.ofSeconds(ttlSeconds)))
                .deregisterCriticalAfter(Duration.ofSeconds(deregisterAfterSeconds)).build();
    }

    private static List<String> ids(List<ServiceInstance> instances) {
        return instances.stream().map(ServiceInstance::id).toList();
    }

    private void advance(Duration d) {
        clock.addAndGet(d.toNanos());
    }

    @Test
    void instanceWithoutHeartbeatIsHiddenAfterTtl() {
        registry.register(ttl("a", 5, 20));
        advance(Duration.ofSeconds(5));
        registry.sweep();
        assertEquals(List.of("a"), ids(registry.find("svc")));
        advance(Duration.ofMillis(1));
        registry.sweep();
        assertTrue(registry.find("svc").isEmpty());
        assertEquals(1, registry.size());
    }

    @Test
    void findHidesLapsedInstanceWithoutWaitingForASweep() {
        registry.register(ttl("a", 5, 20));
        registry.register(ttl("b", 5, 20));
        advance(Duration.ofSeconds(4));
        assertTrue(registry.heartbeat("b"));
        advance(Duration.ofSeconds(4));
        // nobody swept: a registry whose only users read must still not serve a dead instance
        assertEquals(List.of("b"), ids(registry.find("svc")));
    }

    @Test
    void instanceWithoutHeartbeatIsRemovedAfterTtlPlusDeregisterCriticalAfter() {
        registry.register(ttl("a", 5, 20));
        advance(Duration.ofSeconds(25));
        registry.sweep();
        assertEquals(1, registry.size());
        advance(Duration.ofMillis(1));
        registry.sweep();
        assertEquals(0, registry.size());
        assertFalse(registry.heartbeat("a"));
    }

    @Test
    void heartbeatKeepsInstanceHealthyAndRevivesAHiddenOne() {
        registry.register(ttl("a", 5, 20));
        advance(Duration.ofSeconds(6));
        registry.sweep();
        assertTrue(registry.find("svc").isEmpty());
        assertTrue(registry.heartbeat("a"));
        assertEquals(List.of("a"), ids(registry.find("svc")));
    }

    @Test
    void instanceWithoutTtlCheckStaysWhileRegistered() {
        registry.register(ttl("a", 5, 20).toBuilder().check(HealthCheck.http("http://10.0.0.1/health")).build());
        advance(Duration.ofHours(1));
        registry.sweep();
        assertEquals(1, registry.find("svc").size());
    }

    @Test
    void watchersSeeChangesInOrderAndFailuresDuringOutage() {
        List<Object> events = new CopyOnWriteArrayList<>();
        registry.watch("svc", new WatchSink() {
            @Override
            public void snapshot(List<ServiceInstance> instances) {
                events.add(instances.size());
            }

            @Override
            public void failure(Throwable error) {
                events.add("failure");
            }
        });
        registry.register(ttl("a", 5, 20));
        registry.register(ttl("b", 5, 20));
        registry.setReachable(false);
        registry.setReachable(true);
        registry.deregister("a");
        assertEquals(List.of(0, 1, 2, "failure", 2, 1), events);
    }

    @Test
    void reRegistrationUnderAnotherNameMovesTheInstance() {
        registry.register(ttl("a", 5, 20));
        registry.register(ttl("a", 5, 20).toBuilder().name("other").build());
        assertTrue(registry.find("svc").isEmpty());
        assertEquals(List.of("a"), ids(registry.find("other")));
    }

    @Test
    void forgetAllEmptiesEveryService() {
        registry.register(ttl("a", 5, 20));
        registry.forgetAll();
        assertTrue(registry.find("svc").isEmpty());
        assertFalse(registry.heartbeat("a"));
    }

    @Test
    void concurrentRegistrationsOfOneIdUnderTwoNamesLeaveItUnderOne() throws Exception {
        ServiceRegistration a = ttl("x", 5, 20);
        ServiceRegistration b = a.toBuilder().name("other").build();
        for (int round = 0; round < 200; round++) {
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            Thread t = new Thread(() -> {
                awaitQuietly(start);
                registry.register(b);
            });
            t.start();
            awaitQuietly(start);
            registry.register(a);
            t.join(5_000);
            int places = registry.find("svc").size() + registry.find("other").size();
            assertEquals(1, places, "round " + round + ": the id stands under " + places + " names");
        }
    }

    private static void awaitQuietly(java.util.concurrent.CyclicBarrier barrier) {
        try {
            barrier.await(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void readsListInstancesInAnOrderOfTheRegistrysOwnNeverSortedById() {
        for (String id : List.of("a", "b", "c")) {
            registry.register(ttl(id, 5, 20));
        }
        List<String> read = ids(registry.find("svc"));
        assertEquals(List.of("a", "b", "c"), read.stream().sorted().toList());
        assertFalse(read.equals(List.of("a", "b", "c")), () -> "sorted by id: " + read);
    }

    @Test
    void everyCallOfANamingIsCountedAndLoggedRefusedOnesIncluded() {
        registry.register(ttl("a", 5, 20));
        registry.heartbeat("a");
        registry.find("svc");
        registry.watch("svc", new WatchSink() {
            @Override
            public void snapshot(List<ServiceInstance> instances) {
            }

            @Override
            public void failure(Throwable error) {
            }
        }).close();
        registry.drain("svc", "a", true);
        registry.drain("svc", "a", false);
        registry.setReachable(false);
        // the simulated outage: refused, yet received
        assertThrows(NamingException.class, () -> registry.deregister("a"));
        registry.sweep(); // the registry's own work: no request

        assertEquals(7, registry.requestCount());
        assertEquals(List.of("register svc a", "heartbeat a", "find svc", "watch svc", "drain svc a", "undrain svc a",
                "deregister a"), registry.requests());
    }

    @Test
    void theLogKeepsTheLatestRequestsAndTheCountAllOfThem() {
        int calls = InMemoryRegistry.REQUESTS_KEPT + 5;
        for (int i = 0; i < calls; i++) {
            registry.find("svc-" + i);
        }
        List<String> kept = registry.requests();
        assertEquals(calls, registry.requestCount());
        assertEquals(InMemoryRegistry.REQUESTS_KEPT, kept.size());
        assertEquals("find svc-5", kept.get(0));
        assertEquals("find svc-" + (calls - 1), kept.get(kept.size() - 1));
    }
}
