package dev.naming.inmemory;

import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.spi.AbstractNaming;
import dev.naming.spi.NamingThreads;
import dev.naming.spi.Registrar;
import dev.naming.spi.ServiceWatch;
import dev.naming.spi.WatchSink;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A {@link dev.naming.Naming} on an {@link InMemoryRegistry}. Its instances are reported alive
 * every {@value #HEARTBEAT_MILLIS} ms by the shared keep-alive. Once it registers or watches
 * something it also runs one {@code naming-inmemory-sweep} thread that hides and removes the
 * registry's expired instances, as a registry's own reaper would.
 */
final class InMemoryNaming extends AbstractNaming {

    static final long HEARTBEAT_MILLIS = 250;

    private final InMemoryRegistry registry;
    private final ScheduledThreadPoolExecutor scheduler;
    private final Registrar registrar;
    private ScheduledFuture<?> sweeping;
    /** Set by {@link #abandon()}: renewals stop reaching the registry, as with a process that died. */
    private volatile boolean abandoned;

    InMemoryNaming(InMemoryRegistry registry, Duration stateLossGrace, java.nio.file.Path snapshot) {
        super("inmemory", stateLossGrace, snapshot);
        this.registry = registry;
        registry.attach();
        this.scheduler = new ScheduledThreadPoolExecutor(1, NamingThreads.factory("naming-inmemory-sweep", false));
        this.registrar = new Registrar() {
            @Override
            public void register(ServiceRegistration registration, ServiceRegistration replaced) {
                registry.register(registration);
                startSweeping();
            }

            @Override
            public Renewal renew(ServiceRegistration registration) {
                if (abandoned) {
                    return Renewal.ALIVE;
                }
                return registry.heartbeat(registration.id()) ? Renewal.ALIVE : Renewal.FORGOTTEN;
            }

            @Override
            public void deregister(String serviceId, ServiceRegistration last) {
                registry.deregister(serviceId);
            }

            @Override
            public Duration renewInterval(ServiceRegistration registration) {
                return Duration.ofMillis(HEARTBEAT_MILLIS);
            }

            @Override
            public void drain(String serviceName, String serviceId, boolean drained) {
                registry.drain(serviceName, serviceId, drained);
            }
        };
    }

    @Override
    protected List<ServiceInstance> fetch(String serviceName, List<String> tags) {
        return registry.find(serviceName);
    }

    @Override
    protected ServiceWatch watch(String serviceName, WatchSink sink) {
        startSweeping();
        return registry.watch(serviceName, sink);
    }

    @Override
    protected Registrar registrar() {
        return registrar;
    }

    @Override
    protected void stopBackground() {
        synchronized (this) {
            if (sweeping != null) {
                sweeping.cancel(false);
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

    /** Stops reporting its instances alive without deregistering, as a process that dies would: for tests. */
    void abandon() {
        abandoned = true;
    }

    private synchronized void startSweeping() {
        if (sweeping == null && !isClosed()) {
            sweeping = scheduler.scheduleWithFixedDelay(registry::sweep, HEARTBEAT_MILLIS, HEARTBEAT_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
    }
}
