package dev.naming.grpc;

import dev.naming.consul.ConsulEmulatorFixture;
import java.util.OptionalInt;

/** The gRPC resolver suite against the Consul backend and the Consul emulator. */
class ConsulEmulatorResolverTest extends NamingResolverSuite {

    private final ConsulEmulatorFixture fixture = new ConsulEmulatorFixture();

    @Override
    protected String registryUrl() {
        return "consul://" + fixture.emulator().hostPort() + "?wait=1s";
    }

    @Override
    protected boolean supportsOutage() {
        return true;
    }

    @Override
    protected void setReachable(boolean reachable) {
        fixture.setReachable(reachable);
    }

    /** Blocking queries the agent holds: one per watched service per {@code Naming}. */
    @Override
    protected OptionalInt openWatchRequests() {
        return fixture.openWatchRequests();
    }

    @Override
    protected void stopRegistry() {
        fixture.close();
    }
}
