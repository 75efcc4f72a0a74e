package dev.naming.discovery;

import dev.naming.discovery.emulator.DiscoveryEmulatorFixture;
import dev.naming.tck.NamingConformanceSuite;
import dev.naming.tck.RegistryFixture;

/** The conformance suite against the discovery backend over a two-node emulated cluster. */
class DiscoveryEmulatorConformanceTest extends NamingConformanceSuite {

    @Override
    protected RegistryFixture createFixture() {
        return new DiscoveryEmulatorFixture();
    }
}
