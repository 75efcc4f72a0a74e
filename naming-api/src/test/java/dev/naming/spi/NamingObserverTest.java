package dev.naming.spi;

import static dev.naming.spi.ScriptedNaming.instance;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.NamingException;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.Subscription;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The events an {@link AbstractNaming} tells its observers, the same for every backend. */
class NamingObserverTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private final ScriptedNaming naming = new ScriptedNaming(Duration.ofSeconds(30));
    private final Recorder recorder = new Recorder();

    @AfterEach
    void close() {
        naming.close();
    }

    private static ServiceRegistration registration(String id) {
        return ServiceRegistration.builder().id(id).name("svc").address("10.0.0.1").port(8000).build();
    }

    @Test
    void subscriptionsAreCountedPerServiceAndZeroWhenTheWatchStops() {
        naming.addObserver(recorder);
        Subscription one = naming.subscribe("svc", list -> { });
        Subscription two = naming.subscribe("svc", list -> { });
        one.close();
        two.close();
        assertEquals(List.of("subscriptions svc 1", "subscriptions svc 2", "subscriptions svc 1",
                "subscriptions svc 0"), recorder.matching("subscriptions"));
    }

    @Test
    void everyNewListIsToldOnceWithItsConfirmationAndDelivery() {
        naming.addObserver(recorder);
        naming.subscribe("svc", list -> { });
        WatchSink sink = naming.sinks.get("svc");
        sink.snapshot(List.of(instance("b"), instance("a")));
        sink.snapshot(List.of(instance("a"), instance("b"))); // the same list: confirmed, not new
        sink.unchanged();
        await().atMost(DEADLINE).until(() -> recorder.matching("delivered").size() == 1);
        assertEquals(List.of("instances svc [a, b]"), recorder.matching("instances"));
        assertEquals(3, recorder.matching("confirmed svc").size());
        assertEquals(List.of("delivered svc"), recorder.matching("delivered"));
    }

    @Test
    void aFailedWatchReadIsTold() {
        naming.addObserver(recorder);
        naming.subscribe("svc", list -> { });
        naming.sinks.get("svc").failure(new NamingException("registry unreachable"));
        assertEquals(List.of("watchFailed svc registry unreachable"), recorder.matching("watchFailed"));
    }

    @Test
    void registryCallsAreTimedByOperationWithTheirFailures() {
        naming.addObserver(recorder);
        naming.find("svc");
        naming.register(registration("a"));
        naming.drain("svc", "a");
        naming.undrain("svc", "a");
        naming.deregister("a");
        assertThrows(NamingException.class, () -> naming.drain("svc", "gone"));
        assertEquals(List.of("call FIND ok", "call REGISTER ok", "call DRAIN ok", "call UNDRAIN ok",
                "call DEREGISTER ok", "call DRAIN unknown instance gone"), recorder.matching("call"));
    }

    @Test
    void registrationsAndDrainedOnesAreCountedAfterEachChange() {
        naming.addObserver(recorder);
        naming.register(registration("a"));
        naming.register(registration("b"));
        naming.drain("svc", "a");
        naming.deregister("a");
        naming.close();
        assertEquals(List.of("registrations 0 0", "registrations 1 0", "registrations 2 0", "registrations 2 1", "registrations 1 0",
                "registrations 0 0"), recorder.matching("registrations"));
    }

    @Test
    void aRegistrationTheRegistryForgotIsToldWhenRegisteredAgain() {
        naming.renewInterval = Duration.ofMillis(50);
        naming.addObserver(recorder);
        naming.register(registration("a"));
        naming.registry.clear(); // the registry forgets: the next renewal answers FORGOTTEN
        await().atMost(DEADLINE).until(() -> !recorder.matching("reregistered").isEmpty());
        assertEquals("reregistered a", recorder.matching("reregistered").get(0));
    }

    @Test
    void aStateLossHoldIsToldWithTheInstancesHeld() {
        naming.addObserver(recorder);
        naming.subscribe("svc", list -> { });
        WatchSink sink = naming.sinks.get("svc");
        sink.snapshot(List.of(instance("a"), instance("b")));
        sink.stateLost();
        assertEquals(List.of("stateLossHold svc 2"), recorder.matching("stateLossHold"));
    }

    @Test
    void anObserverAddedLateIsToldThePresentStateFirst() {
        naming.register(registration("a"));
        naming.subscribe("svc", list -> { });
        naming.sinks.get("svc").snapshot(List.of(instance("a")));
        naming.addObserver(recorder);
        assertEquals(List.of("subscriptions svc 1", "instances svc [a]"),
                recorder.matching("subscriptions", "instances"));
        assertEquals(1, recorder.matching("confirmed svc").size());
        assertEquals(List.of("registrations 1 0"), recorder.matching("registrations"));
    }

    @Test
    void anObserverThatThrowsBreaksNeitherTheWatchNorOtherObservers() {
        naming.addObserver(new NamingObserver() {
            @Override
            public void instances(String service, List<ServiceInstance> instances) {
                throw new IllegalStateException("broken observer");
            }
        });
        naming.addObserver(recorder);
        List<List<ServiceInstance>> lists = new CopyOnWriteArrayList<>();
        naming.subscribe("svc", lists::add);
        naming.sinks.get("svc").snapshot(List.of(instance("a")));
        await().atMost(DEADLINE).until(() -> lists.size() == 1);
        assertEquals(List.of("instances svc [a]"), recorder.matching("instances"));
    }

    @Test
    void aRemovedObserverHearsNothingMore() {
        naming.addObserver(recorder);
        naming.removeObserver(recorder);
        recorder.events.clear(); // what it was told when added
        naming.subscribe("svc", list -> { });
        naming.register(registration("a"));
        assertTrue(recorder.events.isEmpty(), recorder.events.toString());
    }

    /** Every event as one line. */
    private static final class Recorder implements NamingObserver {
        final List<String> events = new CopyOnWriteArrayList<>();

        List<String> matching(String... prefixes) {
            return events.stream().filter(e -> List.of(prefixes).stream().anyMatch(e::startsWith)).toList();
        }

        @Override
        public void subscriptions(String service, int count) {
            events.add("subscriptions " + service + " " + count);
        }

        @Override
        public void instances(String service, List<ServiceInstance> instances) {
            events.add("instances " + service + " " + instances.stream().map(ServiceInstance::id).toList());
        }

        @Override
        public void confirmed(String service, Instant at) {
            events.add("confirmed " + service);
        }

        @Override
        public void watchFailed(String service, Throwable error) {
            events.add("watchFailed " + service + " " + error.getMessage());
        }

        @Override
        public void delivered(String service) {
            events.add("delivered " + service);
        }

        @Override
        public void call(Operation operation, Duration took, Throwable failure) {
            events.add("call " + operation + " " + (failure == null ? "ok" : failure.getMessage()));
        }

        @Override
        public void reregistered(String serviceId) {
            events.add("reregistered " + serviceId);
        }

        @Override
        public void stateLossHold(String service, int held) {
            events.add("stateLossHold " + service + " " + held);
        }

        @Override
        public void registrations(int registered, int drained) {
            events.add("registrations " + registered + " " + drained);
        }
    }
}
