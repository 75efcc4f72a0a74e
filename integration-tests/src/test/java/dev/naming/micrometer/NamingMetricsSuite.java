package dev.naming.micrometer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.naming.Naming;
import dev.naming.NamingException;
import dev.naming.ServiceRegistration;
import dev.naming.Subscription;
import dev.naming.tck.RegistryFixture;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each meter of {@link NamingMetrics} against a real backend, through the kit's fixture: the same
 * cases on every registry a subclass names, since the events come from the machinery every backend
 * shares.
 */
abstract class NamingMetricsSuite {

    private final String service = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private RegistryFixture fixture;
    private Naming naming;
    private NamingMetrics metrics;

    protected abstract RegistryFixture createFixture();

    @BeforeEach
    void bind() {
        fixture = createFixture();
        naming = fixture.connect();
        metrics = new NamingMetrics(naming);
        metrics.bindTo(meters);
    }

    @AfterEach
    void close() {
        metrics.close();
        naming.close();
        fixture.close();
    }

    private Duration deadline() {
        return fixture.propagationDeadline().plus(fixture.reRegistrationDeadline());
    }

    private ServiceRegistration registration(String id, int port) {
        return fixture.adapt(ServiceRegistration.builder().id(service + "-" + id).name(service)
                .address("127.0.0.1").port(port).build());
    }

    private double gauge(String name) {
        Gauge gauge = meters.find(name).tag("service", service).gauge();
        if (gauge == null) {
            gauge = meters.find(name).gauge();
        }
        return gauge == null ? Double.NaN : gauge.value();
    }

    private double count(String name, String... tags) {
        return meters.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
    }

    private void awaitGauge(String name, double expected) {
        await(name + " = " + expected).atMost(deadline()).until(() -> gauge(name) == expected);
    }

    private Subscription subscribeAndAwaitFirstList() {
        Subscription s = naming.subscribe(service, list -> { });
        await("first list").atMost(deadline()).until(() -> count(NamingMetrics.DELIVERIES, "service", service) >= 1);
        return s;
    }

    @Test
    void instancesIsTheSizeOfTheWatchedList() {
        subscribeAndAwaitFirstList();
        naming.register(registration("a", 8001));
        naming.register(registration("b", 8002));
        awaitGauge(NamingMetrics.INSTANCES, 2);
        naming.deregister(service + "-a");
        awaitGauge(NamingMetrics.INSTANCES, 1);
    }

    @Test
    void subscriptionsCountsOpenSubscriptionsOfTheService() {
        Subscription one = naming.subscribe(service, list -> { });
        naming.subscribe(service, list -> { });
        assertEquals(2, gauge(NamingMetrics.SUBSCRIPTIONS));
        one.close();
        assertEquals(1, gauge(NamingMetrics.SUBSCRIPTIONS));
    }

    @Test
    void registrationsCountsOwnInstancesAndDrainedTheDrainedOnes() {
        assumeTrue(fixture.supportsDrain(), "the fixture cannot drain");
        naming.register(registration("a", 8001));
        naming.register(registration("b", 8002));
        assertEquals(2, gauge(NamingMetrics.REGISTRATIONS));
        assertEquals(0, gauge(NamingMetrics.REGISTRATIONS_DRAINED));
        naming.drain(service, service + "-a");
        assertEquals(1, gauge(NamingMetrics.REGISTRATIONS_DRAINED));
        naming.deregister(service + "-b");
        assertEquals(1, gauge(NamingMetrics.REGISTRATIONS));
    }

    @Test
    void registryReachableIsZeroWhileTheRegistryIsDownAndOneOnceItAnswers() {
        assumeTrue(fixture.supportsOutage(), "the fixture has no outage");
        subscribeAndAwaitFirstList();
        assertEquals(1, gauge(NamingMetrics.REACHABLE));
        fixture.setReachable(false);
        awaitGauge(NamingMetrics.REACHABLE, 0);
        fixture.setReachable(true);
        awaitGauge(NamingMetrics.REACHABLE, 1);
    }

    @Test
    void listAgeIsTheTimeSinceTheRegistryConfirmedTheList() {
        assumeTrue(fixture.supportsOutage(), "the fixture has no outage");
        subscribeAndAwaitFirstList();
        double fresh = gauge(NamingMetrics.LIST_AGE);
        assertTrue(fresh >= 0 && fresh < deadline().toSeconds(), "age of a list just read: " + fresh + " s");
        fixture.setReachable(false);
        // unconfirmed while the registry is down: the age an operator alerts on grows past a second
        await("list age > 1 s").atMost(deadline()).until(() -> gauge(NamingMetrics.LIST_AGE) > 1.0);
    }

    @Test
    void deliveriesCountsListenerCalls() {
        subscribeAndAwaitFirstList();
        naming.register(registration("a", 8001));
        await("second delivery").atMost(deadline())
                .until(() -> count(NamingMetrics.DELIVERIES, "service", service) == 2);
    }

    @Test
    void registryErrorsCountsFailedReadsByOperationAndException() {
        assumeTrue(fixture.supportsOutage(), "the fixture has no outage");
        subscribeAndAwaitFirstList();
        fixture.setReachable(false);
        await("a failed watch read").atMost(deadline()).until(() -> count(NamingMetrics.ERRORS, "operation", "watch") >= 1);
        assertThrows(NamingException.class, () -> naming.find(service + "-unwatched"));
        assertEquals(1, count(NamingMetrics.ERRORS, "operation", "find"));
        String exception = meters.get(NamingMetrics.ERRORS).tag("operation", "find").counter().getId().getTag("exception");
        assertFalse(exception == null || exception.isBlank(), "exception tag: " + exception);
    }

    @Test
    void reregistrationsCountsOwnInstancesTheRegistryForgot() {
        assumeTrue(fixture.supportsStateLoss(), "the fixture cannot lose state");
        naming.register(registration("a", 8001));
        fixture.loseState();
        await("registered again").atMost(deadline()).until(() -> count(NamingMetrics.REREGISTRATIONS) >= 1);
    }

    @Test
    void stateLossHoldsCountsHeldRemovals() {
        assumeTrue(fixture.supportsStateLoss(), "the fixture cannot lose state");
        subscribeAndAwaitFirstList();
        naming.register(registration("a", 8001));
        awaitGauge(NamingMetrics.INSTANCES, 1);
        fixture.loseState();
        await("a hold").atMost(deadline()).until(() -> count(NamingMetrics.STATE_LOSS_HOLDS, "service", service) >= 1);
    }

    @Test
    void callsAreTimedByOperationAndOutcome() {
        naming.find(service + "-unwatched");
        naming.register(registration("a", 8001));
        Timer find = meters.get(NamingMetrics.CALLS).tags("operation", "find", "outcome", "success").timer();
        Timer register = meters.get(NamingMetrics.CALLS).tags("operation", "register", "outcome", "success").timer();
        assertEquals(1, find.count());
        assertTrue(register.count() >= 1, "registrations timed: " + register.count());
        assertTrue(find.totalTime(TimeUnit.NANOSECONDS) > 0);
    }
}
