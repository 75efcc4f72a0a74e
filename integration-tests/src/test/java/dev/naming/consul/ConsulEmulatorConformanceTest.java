package dev.naming.consul;

import dev.naming.tck.NamingConformanceSuite;
import dev.naming.tck.RegistryFixture;

/** The conformance suite against the Consul backend and the in-process Consul emulator. */
class ConsulEmulatorConformanceTest extends NamingConformanceSuite {

    @Override
    protected RegistryFixture createFixture() {
        return new ConsulEmulatorFixture();
    }
}
