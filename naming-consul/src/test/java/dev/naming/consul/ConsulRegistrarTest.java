package dev.naming.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.orbitz.consul.model.agent.Registration;
import dev.naming.HealthCheck;
import dev.naming.ServiceRegistration;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConsulRegistrarTest {

    @Test
    void durationsAreWrittenAsGoReadsThem() {
        assertEquals("15s", ConsulRegistrar.goDuration(Duration.ofSeconds(15)));
        assertEquals("1500ms", ConsulRegistrar.goDuration(Duration.ofMillis(1500)));
        assertEquals("120s", ConsulRegistrar.goDuration(Duration.ofMinutes(2)));
    }

    @Test
    void defaultRegistrationHasATtlCheckPassingAtOnceAndDeregisterAfter20s() {
        Registration r = ConsulRegistrar.toConsul(ServiceRegistration.builder().id("a").name("svc")
                .address("10.0.0.1").port(80).protocol("ws").meta("zone", "x").build());
        Registration.RegCheck check = r.getCheck().orElseThrow();
        assertEquals("15s", check.getTtl().orElseThrow());
        assertEquals("passing", check.getStatus().orElseThrow());
        assertEquals("20s", check.getDeregisterCriticalServiceAfter().orElseThrow());
        assertEquals("ws", r.getMeta().get("protocol"));
        assertEquals("x", r.getMeta().get("zone"));
    }

    @Test
    void noCheckMeansNoCheck() {
        Registration r = ConsulRegistrar.toConsul(ServiceRegistration.builder().id("a").name("svc")
                .address("10.0.0.1").port(80).check(HealthCheck.none()).build());
        assertTrue(r.getCheck().isEmpty());
        assertTrue(r.getChecks().isEmpty());
    }
}
