package dev.naming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ServiceRegistrationTest {

    private static ServiceRegistration.Builder valid() {
        return ServiceRegistration.builder().id("logic-1").name("chat.logic").address("10.0.0.5").port(8000);
    }

    private static void rejected(String field, UnaryOperator<ServiceRegistration.Builder> change) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> change.apply(valid()).build());
        assertTrue(e.getMessage().startsWith(field), "message '" + e.getMessage() + "' should name " + field);
    }

    @Test
    void defaultsAreHttpTtl15sAndDeregisterAfter20s() {
        ServiceRegistration r = valid().build();
        assertEquals("http", r.protocol());
        assertEquals(HealthCheck.ttl(Duration.ofSeconds(15)), r.check());
        assertEquals(Duration.ofSeconds(20), r.deregisterCriticalAfter());
    }

    @Test
    void tagsKeepOrderWithoutDuplicates() {
        assertEquals(List.of("b", "a"), valid().tags("b", "a", "b").build().tags());
    }

    @Test
    void everyInvalidFieldIsNamed() {
        rejected("id", b -> b.id(null));
        rejected("id", b -> b.id(" "));
        rejected("id", b -> b.id("x".repeat(257)));
        rejected("name", b -> b.name(""));
        rejected("name", b -> b.name("a\nb"));
        rejected("address", b -> b.address(" "));
        rejected("port", b -> b.port(0));
        rejected("port", b -> b.port(65536));
        rejected("protocol", b -> b.protocol("w s"));
        rejected("tags", b -> b.tags("ok", null));
        rejected("tags", b -> b.tags("ok", ""));
        rejected("meta value", b -> b.meta("k", null));
        rejected("meta key", b -> b.meta(" ", "v"));
        rejected("deregisterCriticalAfter", b -> b.deregisterCriticalAfter(Duration.ZERO));
        rejected("check", b -> b.check(null));
    }

    @Test
    void endpointBracketsIpv6() {
        assertEquals("ws://10.0.0.5:8000", valid().protocol("ws").build().instance().endpoint());
        assertEquals("http://[::1]:8000", valid().address("::1").build().instance().endpoint());
    }

    @Test
    void theBuilderReplacesTagsAndMetaAndACopyKeepsEveryValue() {
        ServiceRegistration r = valid().tags("a", "b").tags(List.of("c")).meta("k", "v")
                .meta(java.util.Map.of("weight", "10")).protocol("ws").check(HealthCheck.none())
                .deregisterCriticalAfter(Duration.ofMinutes(1)).build();
        assertEquals(List.of("c"), r.tags());
        assertEquals(java.util.Map.of("weight", "10"), r.meta());
        assertEquals(r, r.toBuilder().build());
        assertEquals(8001, r.toBuilder().port(8001).build().port());
    }
}
