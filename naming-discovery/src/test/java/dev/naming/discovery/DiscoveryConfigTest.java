package dev.naming.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.NamingUri;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DiscoveryConfigTest {

    private static DiscoveryConfig config(String uri, Map<String, String> env) {
        return DiscoveryConfig.from(NamingUri.parse(uri), env::get, () -> "local-host");
    }

    @Test
    void uriGivesNodesZoneEnvRegionAndHostname() {
        DiscoveryConfig c = config("discovery://h1:7171,h2?zone=sh1&env=dev&region=sh&hostname=me", Map.of());
        assertEquals(List.of("http://h1:7171", "http://h2:7171"), c.nodes());
        assertEquals("sh1", c.zone());
        assertEquals("dev", c.env());
        assertEquals("sh", c.region());
        assertEquals("me", c.hostname());
        assertEquals("", c.zoneFilter());
        assertEquals(Duration.ofSeconds(30), c.renewInterval());
        assertEquals(Duration.ofSeconds(30), c.hold());
    }

    @Test
    void emptyUriReadsTheKratosVariables() {
        DiscoveryConfig c = config("discovery:", Map.of("DISCOVERY_NODES", "10.0.0.1:7171, 10.0.0.2:7171",
                "ZONE", "sh001", "DEPLOY_ENV", "uat", "REGION", "sh", "HOSTNAME", "box-1"));
        assertEquals(List.of("http://10.0.0.1:7171", "http://10.0.0.2:7171"), c.nodes());
        assertEquals("sh001", c.zone());
        assertEquals("uat", c.env());
        assertEquals("sh", c.region());
        assertEquals("box-1", c.hostname());
    }

    @Test
    void hostnameFallsBackToTheLocalHostName() {
        assertEquals("local-host", config("discovery://h:1?env=dev", Map.of()).hostname());
    }

    @Test
    void missingNodesNameTheVariable() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> config("discovery:?env=dev", Map.of()));
        assertTrue(e.getMessage().contains("DISCOVERY_NODES"), e.getMessage());
    }

    @Test
    void missingEnvNamesTheVariable() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> config("discovery://h:7171", Map.of()));
        assertTrue(e.getMessage().contains("DEPLOY_ENV"), e.getMessage());
    }

    @Test
    void unknownParameterIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> config("discovery://h:7171?env=dev&zonefilter=x", Map.of()));
        assertTrue(e.getMessage().contains("zonefilter"), e.getMessage());
    }

    @Test
    void timingsComeFromTheUri() {
        DiscoveryConfig c = config("discovery://h?env=d&renew=200ms&hold=1s&timeout=2s&retryMin=10ms&retryMax=1s"
                + "&nodesRefresh=5s&zoneFilter=sh2", Map.of());
        assertEquals(Duration.ofMillis(200), c.renewInterval());
        assertEquals(Duration.ofSeconds(1), c.hold());
        assertEquals(Duration.ofSeconds(2), c.timeout());
        assertEquals(Duration.ofMillis(10), c.retryMin());
        assertEquals(Duration.ofSeconds(5), c.nodesRefresh());
        assertEquals("sh2", c.zoneFilter());
    }

    @Test
    void maxReplyIsTheSharedParameterWith32MiBByDefault() {
        assertEquals(32L << 20, config("discovery://h?env=d", Map.of()).maxReply());
        assertEquals(512L << 10, config("discovery://h?env=d&maxReply=512KiB", Map.of()).maxReply());
        assertEquals(4096L, config("discovery://h?env=d&maxReply=4096", Map.of()).maxReply());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> config("discovery://h?env=d&maxReply=32MB", Map.of()));
        assertEquals("maxReply must be a size such as 32MiB, 512KiB or 1048576 (bytes), was '32MB'", e.getMessage());
    }

    @Test
    void nodesAcceptSchemesAndIpv6() {
        assertEquals("https://h:443", DiscoveryConfig.baseUri("https://h:443/"));
        assertEquals("http://[::1]:7171", DiscoveryConfig.baseUri("[::1]:7171"));
        assertEquals("http://[::1]:7171", DiscoveryConfig.baseUri("::1"));
        assertThrows(IllegalArgumentException.class, () -> DiscoveryConfig.baseUri("h:99999"));
        assertThrows(IllegalArgumentException.class, () -> DiscoveryConfig.baseUri("ftp://h:1"));
    }
}
