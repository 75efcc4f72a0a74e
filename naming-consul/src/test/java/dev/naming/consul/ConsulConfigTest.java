package dev.naming.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.NamingUri;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsulConfigTest {

    private static ConsulConfig parse(String uri, Map<String, String> env) {
        return ConsulConfig.from(NamingUri.parse(uri), env::get);
    }

    private static ConsulConfig parse(String uri) {
        return parse(uri, Map.of());
    }

    @Test
    void defaultsToTheLocalAgentWithA55SecondWait() {
        ConsulConfig c = parse("consul:");
        assertEquals(List.of(URI.create("http://127.0.0.1:8500")), c.agents());
        assertEquals(Duration.ofSeconds(55), c.watchSettings().blockingWait());
        assertNull(c.httpSettings().headers().get("X-Consul-Token"));
        assertNull(c.watchSettings().datacenter());
        assertFalse(c.watchSettings().tls());
    }

    @Test
    void severalHostsAreAgentsInFailOverOrder() {
        ConsulConfig c = parse("consul://10.0.0.1:8500,10.0.0.2,[::1]:9500?dc=dc2&wait=30s");
        assertEquals(List.of(URI.create("http://10.0.0.1:8500"), URI.create("http://10.0.0.2:8500"),
                URI.create("http://[::1]:9500")), c.agents());
        assertEquals("dc2", c.watchSettings().datacenter());
        assertEquals(Duration.ofSeconds(30), c.watchSettings().blockingWait());
    }

    @Test
    void tlsSwitchesToHttpsAndPort8501ByDefault() {
        assertEquals(List.of(URI.create("https://consul.local:8501")), parse("consul://consul.local?tls=true").agents());
        assertEquals(List.of(URI.create("https://consul.local:8501")),
                parse("consul://consul.local", Map.of("CONSUL_HTTP_SSL", "true")).agents());
    }

    @Test
    void environmentGivesTheDefaultsConsulsCliUses() {
        ConsulConfig c = parse("consul:", Map.of("CONSUL_HTTP_ADDR", "https://agent.example:8501",
                "CONSUL_HTTP_TOKEN", "tok"));
        assertEquals(List.of(URI.create("https://agent.example:8501")), c.agents());
        assertTrue(c.watchSettings().tls());
        assertEquals("tok", c.httpSettings().headers().get("X-Consul-Token"));
        assertEquals(List.of(URI.create("http://10.9.9.9:8500")),
                parse("consul:", Map.of("CONSUL_HTTP_ADDR", "10.9.9.9:8500")).agents());
    }

    @Test
    void uriWinsOverTheEnvironment() {
        ConsulConfig c = parse("consul://10.0.0.1:8500?token=from-uri", Map.of("CONSUL_HTTP_ADDR", "10.9.9.9:8500",
                "CONSUL_HTTP_TOKEN", "from-env"));
        assertEquals(List.of(URI.create("http://10.0.0.1:8500")), c.agents());
        assertEquals("from-uri", c.httpSettings().headers().get("X-Consul-Token"));
    }

    @Test
    void toStringRedactsTheToken() {
        ConsulConfig c = parse("consul://10.0.0.1:8500?token=s3cr3t-value");
        assertFalse(c.toString().contains("s3cr3t-value"), c.toString());
        assertTrue(c.toString().contains("token=****"), c.toString());
        assertFalse(parse("consul:", Map.of("CONSUL_HTTP_TOKEN", "env-s3cr3t")).toString().contains("env-s3cr3t"));
    }

    @Test
    void readTimeoutOfABlockingQueryExceedsWaitPlusJitter() {
        ConsulConfig c = parse("consul:");
        Duration wait = c.watchSettings().blockingWait();
        assertTrue(c.watchSettings().blockingTimeout().compareTo(wait.plus(wait.dividedBy(16))) > 0);
    }

    @Test
    void aTrustStoreThatCannotBeLoadedIsRefusedAtConnect(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path store = dir.resolve("trust.p12");
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (var out = java.nio.file.Files.newOutputStream(store)) {
            ks.store(out, "right".toCharArray());
        }
        String uri = "consul://h?tls=true&truststore=" + store;
        parse(uri + "&truststorePassword=right");
        assertMessage("truststore cannot be read: " + store, () -> parse(uri + "&truststorePassword=wrong"));
        assertMessage("truststore cannot be read: " + store, () -> parse(uri + "&truststorePassword=right&truststoreType=JCEKS"));
        java.nio.file.Files.writeString(store, "not a key store");
        assertMessage("truststore cannot be read: " + store, () -> parse(uri + "&truststorePassword=right"));
    }

    @Test
    void badInputIsRefusedNamingTheParameter() {
        assertMessage("unknown parameter 'tokn'", () -> parse("consul://h?tokn=x"));
        assertMessage("wait", () -> parse("consul://h?wait=11m"));
        assertMessage("wait", () -> parse("consul://h?wait=10ms"));
        assertMessage("port", () -> parse("consul://h:99999"));
        assertMessage("tls", () -> parse("consul://h?tls=maybe"));
        assertMessage("dc", () -> parse("consul://h?dc=a/b"));
        assertMessage("truststore needs tls", () -> parse("consul://h?truststore=/x.p12"));
        assertMessage("truststore cannot be read: /no/such/trust.p12",
                () -> parse("consul://h?tls=true&truststore=/no/such/trust.p12"));
        assertMessage("CONSUL_HTTP_ADDR", () -> parse("consul:", Map.of("CONSUL_HTTP_ADDR", "unix:///tmp/consul.sock")));
        assertMessage("path", () -> parse("consul://h/x:1"));
        assertMessage("host", () -> parse("consul://h&x:1"));
    }

    @Test
    void staleNamespaceAndPartitionAreOffUnlessGiven() {
        ConsulConfig plain = parse("consul:");
        assertFalse(plain.watchSettings().stale());
        assertEquals(Map.of("Accept", "application/json"), plain.httpSettings().headers());
        ConsulConfig scoped = parse("consul:?stale=true&ns=team-a&partition=edge-1");
        assertTrue(scoped.watchSettings().stale());
        assertEquals(Map.of("Accept", "application/json", "X-Consul-Namespace", "team-a", "X-Consul-Partition", "edge-1"),
                scoped.httpSettings().headers());
        assertEquals("p", parse("consul:?partition=p").httpSettings().headers().get("X-Consul-Partition"));
    }

    @Test
    void namespaceAndPartitionFollowConsulsNameRule() {
        assertMessage("ns must be letters, digits and '-'", () -> parse("consul:?ns=team_a"));
        assertMessage("ns must be", () -> parse("consul:?ns=-team"));
        assertMessage("partition must be", () -> parse("consul:?partition=edge-"));
        assertMessage("partition must be", () -> parse("consul:?partition=" + "p".repeat(65)));
        assertEquals("p".repeat(64), parse("consul:?partition=" + "p".repeat(64)).httpSettings().headers().get("X-Consul-Partition"));
        assertMessage("stale", () -> parse("consul:?stale=maybe"));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), ex.getMessage());
    }
}
