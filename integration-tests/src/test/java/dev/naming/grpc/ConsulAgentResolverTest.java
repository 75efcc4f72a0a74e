package dev.naming.grpc;

import dev.naming.consul.ConsulAgentFixture;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The gRPC resolver suite against a real Consul agent named by {@code NAMING_TEST_CONSUL}, with
 * outages when the agent's process is given ({@link ConsulAgentFixture}); skipped without it.
 */
@EnabledIfEnvironmentVariable(named = ConsulAgentFixture.ENV, matches = ".*\\S.*")
class ConsulAgentResolverTest extends NamingResolverSuite {

    private final ConsulAgentFixture fixture = ConsulAgentFixture.fromEnvironment();

    @Override
    protected String registryUrl() {
        return fixture.uri();
    }

    @Override
    protected boolean supportsOutage() {
        return fixture.supportsOutage();
    }

    @Override
    protected void setReachable(boolean reachable) {
        fixture.setReachable(reachable);
    }

    @Override
    protected void stopRegistry() {
        fixture.close();
    }
}
