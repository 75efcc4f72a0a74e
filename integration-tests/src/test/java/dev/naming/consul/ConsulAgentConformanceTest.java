package dev.naming.consul;

import dev.naming.tck.NamingConformanceSuite;
import dev.naming.tck.RegistryFixture;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The conformance suite against a Consul agent that is already running, named by
 * {@code NAMING_TEST_CONSUL} (see {@link ConsulAgentFixture}); skipped when it is not set. The cases
 * that stop the agent or wipe its state run when the agent's PID and restart command are given too
 * ({@link AgentProcess}; {@code .ci/run} does for the agents it starts) and are skipped otherwise
 * ({@link ConsulContainerConformanceTest} runs them where Docker is available).
 */
@EnabledIfEnvironmentVariable(named = ConsulAgentFixture.ENV, matches = ".*\\S.*")
class ConsulAgentConformanceTest extends NamingConformanceSuite {

    @Override
    protected RegistryFixture createFixture() {
        return ConsulAgentFixture.fromEnvironment();
    }
}
