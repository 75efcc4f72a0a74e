package dev.naming.inmemory;

import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.spi.AbstractNaming;
import dev.naming.spi.NamingLoggers;
import dev.naming.spi.NamingThreads;
import dev.naming.spi.ServiceWatch;
import dev.naming.spi.WatchSink;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * A {@link dev.naming.Naming} on an {@link InMemoryRegistry}. Once it registers or watches
 * something it runs one {@code naming-inmemory-heartbeat} thread that reports its instances alive,
 * registers again those the registry forgot, and sweeps expired instances.
 */
final class InMemoryNaming extends AbstractNaming {

    private static final Logger LOG = NamingLoggers.get(InMemoryNaming.class);
    static final long HEARTBEAT_MILLIS = 250;

    private final InMemoryRegistry registry;
    private final ScheduledThreadPoolExecutor scheduler;
    private ScheduledFuture<?> heartbeat;

    InMemoryNaming(InMemoryRegistry registry) {
        super("inmemory");
        this.registry = registry;
        registry.attach();
        this.scheduler = new ScheduledThreadPoolExecutor(1, NamingThreads.factory("naming-inmemory-heartbeat", false));
    }

    @Override
    protected List<ServiceInstance> fetch(String serviceName, List<String> tags) {
        return registry.find(serviceName);
    }

    @Override
    protected ServiceWatch watch(String serviceName, WatchSink sink) {
        startHeartbeat();
        return registry.watch(serviceName, sink);
    }

    @Override
    protected void doRegister(ServiceRegistration registration) {
        registry.register(registration);
        startHeartbeat();
    }

    @Override
    protected void doDeregister(String serviceId) {
        registry.deregister(serviceId);
    }

    @Override
    protected void stopBackground() {
        synchronized (this) {
            if (heartbeat != null) {
                heartbeat.cancel(false);
            }
        }
    }

    @Override
    protected void release() {
        scheduler.shutdownNow();
        registry.detach();
    }

    @Override
    protected String describeRegistry() {
        return registry.name().isEmpty() ? "inmemory:" : "inmemory://" + registry.name();
    }

    /** Stops heartbeats without deregistering, as a process that dies would: for tests. */
    void abandon() {
        stopBackground();
    }

    private synchronized void startHeartbeat() {
        if (heartbeat == null && !isClosed()) {
            heartbeat = scheduler.scheduleWithFixedDelay(this::beat, HEARTBEAT_MILLIS, HEARTBEAT_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
    }

    private void beat() {
        try {
            for (ServiceRegistration registration : registrations()) {
                if (!registry.heartbeat(registration.id()) && isRegistered(registration.id())) {
                    registry.register(registration);
                    LOG.info("registered '{}' again: the in-memory registry had forgotten it", registration.id());
                }
            }
            registry.sweep();
        } catch (RuntimeException e) {
            LOG.debug("heartbeat failed: {}", e.toString());
        }
    }

}
