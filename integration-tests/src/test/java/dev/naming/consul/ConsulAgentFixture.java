package dev.naming.consul;

import dev.naming.HealthCheck;
import dev.naming.Naming;
import dev.naming.NamingUri;
import dev.naming.ServiceRegistration;
import dev.naming.tck.RegistryFixture;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A real Consul agent the tests did not start: the one named by the environment variable
 * {@value #ENV} (a {@code consul:} URI, e.g. {@code consul://127.0.0.1:8500} or
 * {@code consul://consul.ci:8501?tls=true&token=…}), for CI systems that offer a Consul service but
 * no Docker. Outages and state loss need control over the agent's process, so this fixture offers
 * neither and the suites skip those cases; {@link ConsulContainerFixture} adds them for a container.
 * Every test uses names of its own and deregisters what it registered, so a shared agent is left as
 * it was (the suites never deregister what they did not register).
 */
class ConsulAgentFixture implements RegistryFixture {

    /** The environment variable naming an agent to run the suites against. */
    static final String ENV = "NAMING_TEST_CONSUL";

    private final NamingUri uri;

    /** @param uri a {@code consul:} URI; the suites' short blocking wait is added unless it sets one */
    ConsulAgentFixture(String uri) {
        NamingUri parsed = NamingUri.parse(uri);
        Map<String, String> params = new LinkedHashMap<>();
        params.put("wait", "2s");
        params.putAll(parsed.params());
        this.uri = new NamingUri(parsed.scheme(), parsed.authority(), parsed.path(), params);
    }

    /** The agent of {@value #ENV}. */
    static ConsulAgentFixture fromEnvironment() {
        String uri = System.getenv(ENV);
        if (uri == null || uri.isBlank()) {
            throw new IllegalStateException(ENV + " is not set");
        }
        return new ConsulAgentFixture(uri.trim());
    }

    @Override
    public Naming connect() {
        return new ConsulNaming(FastConsul.config(uri));
    }

    @Override
    public Duration livenessWindow() {
        return Duration.ofSeconds(5);
    }

    @Override
    public ServiceRegistration adapt(ServiceRegistration registration) {
        // a short TTL so that the liveness window spans several heartbeats
        return registration.toBuilder().check(HealthCheck.ttl(Duration.ofSeconds(2))).build();
    }

    @Override
    public Duration stateLossGrace() {
        return Duration.ofSeconds(10); // the Consul default: the fixture's URI does not set grace
    }

    @Override
    public void close() {
        // the agent is not ours
    }
}
