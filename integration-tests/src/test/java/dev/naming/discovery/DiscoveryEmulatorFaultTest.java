package dev.naming.discovery;

import dev.naming.discovery.emulator.DiscoveryEmulatorFixture;
import dev.naming.tck.RegistryFaultSuite;
import dev.naming.tck.RegistryFixture;

/** The fault suite against the discovery backend over a two-node emulated cluster. */
class DiscoveryEmulatorFaultTest extends RegistryFaultSuite {

    @Override
    protected RegistryFixture createFixture() {
        return new DiscoveryEmulatorFixture();
    }
}
