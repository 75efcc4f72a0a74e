package dev.naming.consul;

import dev.naming.tck.RegistryFaultSuite;
import dev.naming.tck.RegistryFixture;
import org.testcontainers.consul.ConsulContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The fault suite against a real Consul ({@code hashicorp/consul:1.15}) where Docker is available:
 * an outage is the container paused; the generated names, tags and meta go through a real agent's
 * router, which is the final word on what a path may carry. Skipped where Docker is absent.
 */
@Testcontainers(disabledWithoutDocker = true)
class ConsulContainerFaultTest extends RegistryFaultSuite {

    @Container
    static final ConsulContainer CONSUL = new ConsulContainer("hashicorp/consul:1.15");

    @Override
    protected RegistryFixture createFixture() {
        return new ConsulContainerFixture(CONSUL);
    }
}
