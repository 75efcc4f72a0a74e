package dev.naming.inmemory;

import dev.naming.tck.NamingConformanceSuite;
import dev.naming.tck.RegistryFixture;
import java.util.UUID;

/** The conformance suite against the in-memory backend, each test on a registry of its own. */
class InMemoryConformanceTest extends NamingConformanceSuite {

    @Override
    protected RegistryFixture createFixture() {
        return new InMemoryFixture("tck-" + UUID.randomUUID());
    }
}
