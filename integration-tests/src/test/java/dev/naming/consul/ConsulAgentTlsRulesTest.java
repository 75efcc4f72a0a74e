package dev.naming.consul;

import dev.naming.NamingUri;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * {@link ConsulTlsRules} on real agents: the TLS one named by {@code NAMING_TEST_CONSUL} (a URI with
 * {@code tls=true} and its trust store) and the plain one by {@code NAMING_TEST_CONSUL_PLAIN}
 * ({@code host:port}); {@code .ci/agent-suites} gives both in its TLS run, and two more TLS agents:
 * one with an expired certificate, one without HTTP/2. A certificate for
 * 127.0.0.1 and localhost is expected, as {@code ../shared/consul/start-agent.sh} makes.
 */
@EnabledIfEnvironmentVariable(named = "NAMING_TEST_CONSUL_PLAIN", matches = ".*\\S.*")
@EnabledIfEnvironmentVariable(named = ConsulAgentFixture.ENV, matches = ".*tls=true.*")
class ConsulAgentTlsRulesTest extends ConsulTlsRules {

    private final NamingUri uri = NamingUri.parse(System.getenv(ConsulAgentFixture.ENV).trim());

    @Override
    String tlsAgent() {
        return uri.authority();
    }

    @Override
    String trust() {
        Map<String, String> params = uri.params();
        return params.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("&"));
    }

    @Override
    String plainAgent() {
        return System.getenv("NAMING_TEST_CONSUL_PLAIN").trim();
    }

    /** {@code NAMING_TEST_CONSUL_EXPIRED}: an agent whose certificate (from a trusted CA) expired. */
    @Override
    String expiredAgent() {
        return blankToNull(System.getenv("NAMING_TEST_CONSUL_EXPIRED"));
    }

    /** {@code NAMING_TEST_CONSUL_HTTP1}: an agent started with {@code GODEBUG=http2server=0}. */
    @Override
    String http1Agent() {
        return blankToNull(System.getenv("NAMING_TEST_CONSUL_HTTP1"));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
