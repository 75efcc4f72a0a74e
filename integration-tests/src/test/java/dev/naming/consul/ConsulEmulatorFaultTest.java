package dev.naming.consul;

import dev.naming.tck.RegistryFaultSuite;
import dev.naming.tck.RegistryFixture;

/** The fault suite against the Consul backend and the emulator's fault switches. */
class ConsulEmulatorFaultTest extends RegistryFaultSuite {

    @Override
    protected RegistryFixture createFixture() {
        return new ConsulEmulatorFixture();
    }
}
