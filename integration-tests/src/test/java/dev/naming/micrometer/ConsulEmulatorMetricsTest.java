package dev.naming.micrometer;

import dev.naming.consul.ConsulEmulatorFixture;
import dev.naming.tck.RegistryFixture;

class ConsulEmulatorMetricsTest extends NamingMetricsSuite {
    @Override
    protected RegistryFixture createFixture() {
        return new ConsulEmulatorFixture();
    }
}
