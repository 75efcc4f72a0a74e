package dev.naming.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ValidationTest {

    @Test
    void identifiersUpTo256CharactersPassThroughUnchanged() {
        String longest = "n".repeat(256);
        assertEquals(longest, Validation.serviceName(longest));
        assertEquals("logic-1", Validation.serviceId("logic-1"));
        assertEquals("x", Validation.identifier("field", "x"));
        assertEquals("name must be at most 256 characters, was 257", message(() -> Validation.serviceName(longest + "n")));
        assertEquals("id must not contain control characters", message(() -> Validation.serviceId("a\u0007b")));
    }

    @Test
    void portsFrom1To65535PassThroughUnchanged() {
        assertEquals(1, Validation.port(1));
        assertEquals(65535, Validation.port(65535));
        assertEquals("port must be within 1-65535, was 0", message(() -> Validation.port(0)));
        assertEquals("port must be within 1-65535, was 65536", message(() -> Validation.port(65536)));
    }

    @Test
    void addressesUpTo256CharactersWithoutWhiteSpacePassThroughUnchanged() {
        String longest = "a".repeat(256);
        assertEquals(longest, Validation.address(longest));
        assertEquals("10.0.0.5", Validation.address("10.0.0.5"));
        assertEquals("address must be at most 256 characters", message(() -> Validation.address(longest + "a")));
        assertEquals("address must not contain white space or control characters",
                message(() -> Validation.address("10.0.0.5 ")));
        assertEquals("address must not contain white space or control characters",
                message(() -> Validation.address("10.0.0.5\u0000")));
        assertEquals("address must not be blank", message(() -> Validation.address(null)));
    }

    @Test
    void protocolsUpTo32CharactersPassThroughUnchanged() {
        String longest = "p".repeat(32);
        assertEquals(longest, Validation.protocol(longest));
        assertEquals("grpc+tls", Validation.protocol("grpc+tls"));
        assertEquals("protocol must be a URI scheme (letter, then letters, digits, '+', '-', '.'; at most 32), was '"
                + longest + "p'", message(() -> Validation.protocol(longest + "p")));
        assertEquals("protocol must not be blank", message(() -> Validation.protocol(null)));
    }

    @Test
    void aProtocolIsAUriScheme() {
        for (String good : List.of("h", "Z", "ws", "grpc+tls", "a-b.c+d9", "H2", "x.9-+")) {
            assertEquals(good, Validation.protocol(good));
        }
        for (String bad : List.of("1http", "+a", ".a", "-a", "ht tp", "h_tp", "h/tp", "h:", "é", "a\u00e9", "a\u0661")) {
            assertTrue(message(() -> Validation.protocol(bad)).startsWith("protocol must be a URI scheme"), bad);
        }
    }

    @Test
    void metaKeysMustNotHoldControlCharacters() {
        SortedMap<String, String> meta = Validation.meta(Map.of("b", "2", "a", "1"));
        assertEquals(new TreeMap<>(Map.of("a", "1", "b", "2")), meta);
        assertEquals("a", meta.firstKey());
        assertEquals("meta key must not contain control characters", message(() -> Validation.meta(Map.of("a\nb", "v"))));
        assertEquals("meta value of 'k' must not be null", message(() -> Validation.meta(java.util.Collections
                .singletonMap("k", null))));
    }

    @Test
    void durationsPassThroughUnchanged() {
        assertEquals(Duration.ofMillis(1), Validation.positive("ttl", Duration.ofMillis(1)));
        assertEquals(Duration.ZERO, Validation.notNegative("warmup", Duration.ZERO));
        assertEquals("ttl must be positive, was 0s", message(() -> Validation.positive("ttl", Duration.ZERO)));
        assertEquals("warmup must not be negative, was -1s",
                message(() -> Validation.notNegative("warmup", Duration.ofSeconds(-1))));
    }

    private static String message(Runnable call) {
        return assertThrows(IllegalArgumentException.class, call::run).getMessage();
    }
}
