package dev.naming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HealthCheckTest {

    @Test
    void aTtlIsAtLeastOneSecond() {
        assertEquals(Duration.ofSeconds(1), HealthCheck.ttl(Duration.ofSeconds(1)).ttl());
        assertEquals("check ttl must be at least 1s, was 999ms",
                message(() -> HealthCheck.ttl(Duration.ofMillis(999))));
        assertEquals(HealthCheck.ttl(Duration.ofSeconds(15)), HealthCheck.defaultTtl());
    }

    @Test
    void httpAndTcpChecksNameTheirTargetAndRunEvery10sWithA1sTimeout() {
        HealthCheck http = HealthCheck.http("http://10.0.0.5:8000/health");
        assertEquals(HealthCheck.Kind.HTTP, http.kind());
        assertEquals("http://10.0.0.5:8000/health", http.target());
        assertEquals(Duration.ofSeconds(10), http.interval());
        assertEquals(Duration.ofSeconds(1), http.timeout());
        HealthCheck tcp = HealthCheck.tcp("10.0.0.5:8000");
        assertEquals(HealthCheck.Kind.TCP, tcp.kind());
        assertEquals("10.0.0.5:8000", tcp.target());
        assertEquals("check target must not be blank", message(() -> HealthCheck.http(" ")));
        assertEquals("check target must not be blank", message(() -> HealthCheck.tcp(null)));
    }

    @Test
    void noCheckHasNoParts() {
        HealthCheck none = HealthCheck.none();
        assertEquals(HealthCheck.Kind.NONE, none.kind());
        assertNull(none.ttl());
        assertNull(none.target());
    }

    private static String message(Runnable call) {
        return assertThrows(IllegalArgumentException.class, call::run).getMessage();
    }
}
