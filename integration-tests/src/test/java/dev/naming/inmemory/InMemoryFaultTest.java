package dev.naming.inmemory;

import dev.naming.tck.RegistryFaultSuite;
import dev.naming.tck.RegistryFixture;
import java.util.UUID;

/** The fault suite against the in-memory backend (outage only: it has no wire to break). */
class InMemoryFaultTest extends RegistryFaultSuite {

    @Override
    protected RegistryFixture createFixture() {
        return new InMemoryFixture("faults-" + UUID.randomUUID());
    }
}
