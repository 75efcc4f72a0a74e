package dev.naming.grpc;

import dev.naming.discovery.emulator.DiscoveryEmulatorFixture;
import java.util.OptionalInt;

/** The gRPC resolver suite against the bilibili/discovery backend and a two-node discovery emulator. */
class DiscoveryEmulatorResolverTest extends NamingResolverSuite {

    private final DiscoveryEmulatorFixture fixture = new DiscoveryEmulatorFixture();

    @Override
    protected String registryUrl() {
        return fixture.uri();
    }

    @Override
    protected boolean supportsOutage() {
        return true;
    }

    @Override
    protected void setReachable(boolean reachable) {
        fixture.setReachable(reachable);
    }

    /** Long polls the nodes hold: one per {@code Naming} that watches anything. */
    @Override
    protected OptionalInt openWatchRequests() {
        return fixture.openWatchRequests();
    }

    @Override
    protected void stopRegistry() {
        fixture.close();
    }
}
