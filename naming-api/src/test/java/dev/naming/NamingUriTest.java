package dev.naming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    @Test
    void partsAreReadAtTheEdgesOfTheText() {
        assertEquals(Map.of("a", "1"), NamingUri.parse("x:?a=1").params());
        NamingUri noAuthority = NamingUri.parse("x:///p");
        assertEquals("", noAuthority.authority());
        assertEquals("p", noAuthority.path());
        assertEquals(Map.of("flag", ""), NamingUri.parse("x://h?flag&&").params());
        assertEquals("uri has a query parameter without a name",
                assertThrows(IllegalArgumentException.class, () -> NamingUri.parse("x://h?=v")).getMessage());
        assertEquals("uri must start with a scheme such as 'inmemory:' or 'consul://', was ':x'",
                assertThrows(IllegalArgumentException.class, () -> NamingUri.parse(":x")).getMessage());
        assertEquals("uri must start with a scheme such as 'inmemory:' or 'consul://', was '?…'",
                assertThrows(IllegalArgumentException.class, () -> NamingUri.parse("?token=s3cret")).getMessage());
        assertEquals("uri must start with a scheme such as 'inmemory:' or 'consul://', was 'h?…'; for a registry"
                + " at that address write 'consul://h' or 'discovery://h'",
                assertThrows(IllegalArgumentException.class, () -> NamingUri.parse("h?token=s3cret")).getMessage());
    }

    @Test
    void anAddressWithoutASchemeIsAnsweredWithTheUrisItMayHaveMeant() {
        // "127.0.0.1" before the colon is no scheme: the message says what to write, not that it is invalid
        assertEquals("uri must start with a scheme such as 'inmemory:' or 'consul://', was '127.0.0.1:8500'; for a"
                + " registry at that address write 'consul://127.0.0.1:8500' or 'discovery://127.0.0.1:8500'",
                assertThrows(IllegalArgumentException.class, () -> NamingUri.parse("127.0.0.1:8500")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> NamingUri.parse("localhost"))
                .getMessage().endsWith("write 'consul://localhost' or 'discovery://localhost'"));
    }

    @Test
    void aUriBuiltFromPartsHasNoNulls() {
        NamingUri uri = new NamingUri("Consul", null, null, null);
        assertEquals("consul", uri.scheme());
        assertEquals("", uri.authority());
        assertEquals("", uri.path());
        assertEquals(Map.of(), uri.params());
        assertEquals("p", new NamingUri("x", "h", "p", Map.of()).path());
        assertEquals(new NamingUri("consul", "", "", Map.of()), NamingUri.of("Consul"));
    }

    @Test
    void printsEveryPartGivenAndHidesSecrets() {
        assertEquals("x://h/p?token=****&a=b", NamingUri.parse("x://h/p?token=t&a=b").toString());
        assertEquals("x:/p", NamingUri.parse("x:p").toString());
        assertEquals("x:", NamingUri.parse("x:").toString());
    }

    @Test
    void typedParameters() {
        NamingUri uri = NamingUri.parse("x://h?wait=2m&tls=YES&off=0&iso=PT1M30S&bad=maybe");
        assertEquals(Optional.of(Duration.ofMinutes(2)), uri.durationParam("wait"));
        assertEquals(Optional.of(Duration.ofSeconds(90)), uri.durationParam("iso"));
        assertEquals(Optional.empty(), uri.durationParam("none"));
        assertEquals(Optional.of(true), uri.booleanParam("tls"));
        assertEquals(Optional.of(false), uri.booleanParam("off"));
        assertEquals(Optional.empty(), uri.booleanParam("none"));
        assertEquals("bad must be true or false, was 'maybe'",
                assertThrows(IllegalArgumentException.class, () -> uri.booleanParam("bad")).getMessage());
        assertEquals(Duration.ofHours(1), NamingUri.parseDuration("d", "1h"));
        assertEquals("d must be a duration such as 55s, 500ms or 2m, was '-PT1S'",
                assertThrows(IllegalArgumentException.class, () -> NamingUri.parseDuration("d", "-PT1S")).getMessage());
    }

    @Test
    void theConfiguredUriIsTheSystemPropertyOfThisProcess() {
        String before = System.getProperty("naming.url");
        try {
            System.setProperty("naming.url", "inmemory://configured");
            assertEquals(Optional.of(NamingUri.parse("inmemory://configured")), NamingUri.configured());
        } finally {
            if (before == null) {
                System.clearProperty("naming.url");
            } else {
                System.setProperty("naming.url", before);
            }
        }
    }
}
