package dev.naming.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.naming.NamingUri;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConsulBlockingQueriesTest {

    private static ConsulBlockingQueries queries(String uri) {
        return new ConsulBlockingQueries(ConsulConfig.from(NamingUri.parse(uri), name -> null));
    }

    @Test
    void firstReadDoesNotBlockAndLaterOnesCarryIndexAndWait() {
        ConsulBlockingQueries q = queries("consul://10.0.0.1:8500?dc=dc2&wait=30s");
        assertEquals("http://10.0.0.1:8500/v1/health/service/chat.logic?passing=1&dc=dc2",
                q.request(0, "chat.logic", 0).uri().toString());
        HttpRequest blocking = q.request(0, "chat.logic", 42);
        assertEquals("http://10.0.0.1:8500/v1/health/service/chat.logic?passing=1&dc=dc2&index=42&wait=30s",
                blocking.uri().toString());
        assertEquals(Duration.ofSeconds(30).plus(Duration.ofMillis(1875)).plusSeconds(5), blocking.timeout().orElseThrow());
    }

    @Test
    void theNameIsOneEncodedSegmentAndTheTokenOnlyAHeader() {
        HttpRequest r = queries("consul://h:8500?token=t0ken-value").request(0, "a/b?c#d e", 0);
        assertEquals("/v1/health/service/a%2Fb%3Fc%23d%20e", r.uri().getRawPath());
        assertEquals("t0ken-value", r.headers().firstValue("X-Consul-Token").orElseThrow());
        assertFalse(r.uri().toString().contains("t0ken-value"));
    }

    @Test
    void indexHeaderIsReadAsAnUnsignedNumber() {
        assertEquals(0, ConsulBlockingQueries.parseIndex(Optional.empty()));
        assertEquals(0, ConsulBlockingQueries.parseIndex(Optional.of("junk")));
        assertEquals(17, ConsulBlockingQueries.parseIndex(Optional.of("17")));
        assertEquals(Long.MAX_VALUE, ConsulBlockingQueries.parseIndex(Optional.of("18446744073709551615")));
    }
}
