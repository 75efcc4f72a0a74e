package dev.naming.consul;

import dev.naming.HealthCheck;
import dev.naming.Naming;
import dev.naming.ServiceRegistration;
import dev.naming.tck.RegistryFixture;
import java.time.Duration;

/**
 * A real Consul agent ({@code agent -dev} in a container) shared by the tests of a class. It has
 * no switch for outages or state loss, so the suite skips those tests here; the emulator covers them.
 */
final class ConsulContainerFixture implements RegistryFixture {

    private final String hostPort;

    ConsulContainerFixture(String host, int port) {
        this.hostPort = host + ":" + port;
    }

    @Override
    public Naming connect() {
        return new ConsulNaming(FastConsul.config("consul://" + hostPort + "?wait=2s"));
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
    public void close() {
        // the container belongs to the test class
    }
}
