package dev.naming.micrometer;

import dev.naming.inmemory.InMemoryFixture;
import dev.naming.tck.RegistryFixture;
import java.util.UUID;

class InMemoryMetricsTest extends NamingMetricsSuite {
    @Override
    protected RegistryFixture createFixture() {
        return new InMemoryFixture("metrics-" + UUID.randomUUID());
    }
}
