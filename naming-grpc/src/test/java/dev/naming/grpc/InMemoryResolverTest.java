package dev.naming.grpc;

import dev.naming.inmemory.InMemoryRegistry;
import java.util.UUID;

/** The resolver suite against the in-memory registry. */
class InMemoryResolverTest extends NamingResolverSuite {

    private final String registry = "grpc-" + UUID.randomUUID();

    @Override
    protected String registryUrl() {
        return "inmemory://" + registry;
    }

    @Override
    protected boolean supportsOutage() {
        return true;
    }

    @Override
    protected void setReachable(boolean reachable) {
        InMemoryRegistry.named(registry).setReachable(reachable);
    }
}
