package dev.naming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class NamingUriTest {

    @Test
    void parsesSeveralHostsAndParameters() {
        NamingUri uri = NamingUri.parse("discovery://h1:7171,h2:7171?zone=sh1&env=dev");
        assertEquals("discovery", uri.scheme());
        assertEquals(List.of("h1:7171", "h2:7171"), uri.hosts());
        assertEquals("sh1", uri.param("zone").orElseThrow());
        assertEquals("dev", uri.param("env").orElseThrow());
    }

    @Test
    void parsesOpaqueAndNamedInMemoryForms() {
        assertEquals("", NamingUri.parse("inmemory:").authority());
        assertEquals("cluster-a", NamingUri.parse("inmemory://cluster-a").authority());
    }

    @Test
    void redactsSecretsInToString() {
        NamingUri uri = NamingUri.parse("consul://h:8500?token=s3cret&dc=dc1&truststorePassword=pw");
        assertFalse(uri.toString().contains("s3cret"));
        assertFalse(uri.toString().contains("pw"));
        assertTrue(uri.toString().contains("dc=dc1"));
    }

    @Test
    void parsesDurations() {
        assertEquals(Duration.ofSeconds(55), NamingUri.parseDuration("wait", "55s"));
        assertEquals(Duration.ofMillis(500), NamingUri.parseDuration("wait", "500ms"));
        assertEquals(Duration.ofMinutes(2), NamingUri.parseDuration("wait", "2m"));
        assertEquals(Duration.ofSeconds(7), NamingUri.parseDuration("wait", "7"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NamingUri.parseDuration("wait", "soon"));
        assertTrue(e.getMessage().startsWith("wait"));
    }

    @Test
    void rejectsAUriWithoutScheme() {
        assertThrows(IllegalArgumentException.class, () -> NamingUri.parse("//h:1"));
        assertThrows(IllegalArgumentException.class, () -> NamingUri.parse(" "));
    }
}
