package dev.naming.micrometer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.Naming;
import dev.naming.Subscription;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The binder's life: what it registers, where, and what it removes. Each meter's meaning: integration-tests. */
class NamingMetricsTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private final Naming naming = Naming.connect("inmemory:");
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void close() {
        naming.close();
    }

    @Test
    void aNamingNotBuiltOnTheSharedMachineryIsRefusedNamingTheField() {
        Naming foreign = (Naming) Proxy.newProxyInstance(Naming.class.getClassLoader(), new Class<?>[] {Naming.class},
                (proxy, method, args) -> method.getName().equals("toString") ? "ForeignNaming" : null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new NamingMetrics(foreign));
        assertTrue(e.getMessage().startsWith("naming: ForeignNaming"), e.getMessage());
    }

    @Test
    void everyMeterCarriesTheGivenTags() {
        new NamingMetrics(naming, Tags.of("registry", "a")).bindTo(registry);
        naming.subscribe("chat.logic", list -> { });
        for (Meter meter : registry.getMeters()) {
            assertEquals("a", meter.getId().getTag("registry"), meter.getId().toString());
        }
        assertTrue(registry.getMeters().size() >= 7, registry.getMetersAsString());
    }

    @Test
    void aServicesMetersGoWithItsLastSubscription() {
        new NamingMetrics(naming).bindTo(registry);
        Subscription s = naming.subscribe("chat.logic", list -> { });
        await().atMost(DEADLINE).until(() -> registry.find(NamingMetrics.DELIVERIES).counter() != null);
        s.close();
        assertTrue(registry.find(NamingMetrics.INSTANCES).meters().isEmpty(), registry.getMetersAsString());
        assertTrue(registry.find(NamingMetrics.DELIVERIES).meters().isEmpty(), registry.getMetersAsString());
    }

    @Test
    void closeRemovesEveryMeterFromEveryRegistryAndStopsCounting() {
        SimpleMeterRegistry second = new SimpleMeterRegistry();
        NamingMetrics metrics = new NamingMetrics(naming);
        metrics.bindTo(registry);
        metrics.bindTo(second);
        naming.subscribe("chat.logic", list -> { });
        assertEquals(registry.getMeters().size(), second.getMeters().size());
        metrics.close();
        naming.find("other");
        assertTrue(registry.getMeters().isEmpty(), registry.getMetersAsString());
        assertTrue(second.getMeters().isEmpty(), second.getMetersAsString());
    }

    @Test
    void aServiceSubscribedBeforeBindingIsMeasuredFromTheStart() {
        naming.subscribe("chat.logic", list -> { });
        await().atMost(DEADLINE).until(() -> naming.find("chat.logic") != null);
        new NamingMetrics(naming).bindTo(registry);
        assertEquals(1.0, registry.get(NamingMetrics.SUBSCRIPTIONS).tag("service", "chat.logic").gauge().value());
        assertNull(registry.find(NamingMetrics.SUBSCRIPTIONS).tag("service", "other").gauge());
    }

    @Test
    void theDeepestCauseIsFoundAndALoopOfCausesEnds() {
        assertEquals("ConnectException", NamingMetrics.deepestCause(
                new IllegalStateException(new java.io.UncheckedIOException(new java.net.ConnectException()))));
        IllegalStateException a = new IllegalStateException();
        IllegalArgumentException b = new IllegalArgumentException(a);
        a.initCause(b);

        assertTimeoutPreemptively(DEADLINE, () -> assertEquals("IllegalStateException", NamingMetrics.deepestCause(a)));
    }
}
