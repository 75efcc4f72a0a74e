package dev.naming.consul;

import dev.naming.tck.NamingConformanceSuite;
import dev.naming.tck.RegistryFixture;
import org.testcontainers.consul.ConsulContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The conformance suite against a real Consul ({@code hashicorp/consul:1.15}, {@code agent -dev}),
 * where Docker is available; skipped elsewhere (CI here has no Docker). Every test uses names of
 * its own, so one container serves the class.
 */
@Testcontainers(disabledWithoutDocker = true)
class ConsulContainerConformanceTest extends NamingConformanceSuite {

    @Container
    static final ConsulContainer CONSUL = new ConsulContainer("hashicorp/consul:1.15");

    @Override
    protected RegistryFixture createFixture() {
        return new ConsulContainerFixture(CONSUL);
    }
}
