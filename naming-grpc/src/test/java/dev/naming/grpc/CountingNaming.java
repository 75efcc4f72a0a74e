package dev.naming.grpc;

import dev.naming.Naming;
import dev.naming.NamingUri;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.SubscribeOptions;
import dev.naming.Subscription;
import dev.naming.spi.NamingProvider;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A {@link Naming} that counts what is asked of it and passes everything to the in-memory registry.
 * Its provider answers {@code counting://NAME} (the in-memory registry NAME) and keeps every
 * {@code CountingNaming} it made, so a test sees how many Namings a channel opened and closed.
 */
final class CountingNaming implements Naming {

    /** Every {@code CountingNaming} the provider made, in order. */
    static final List<CountingNaming> CREATED = new CopyOnWriteArrayList<>();

    private final Naming delegate;
    final AtomicInteger subscribes = new AtomicInteger();
    final AtomicInteger activeSubscriptions = new AtomicInteger();
    final AtomicInteger finds = new AtomicInteger();
    final AtomicBoolean closed = new AtomicBoolean();

    CountingNaming(Naming delegate) {
        this.delegate = delegate;
    }

    /** The provider of {@code counting://NAME}, listed in this module's test META-INF/services. */
    public static final class Provider implements NamingProvider {
        @Override
        public String scheme() {
            return "counting";
        }

        @Override
        public Naming create(NamingUri uri) {
            CountingNaming naming = new CountingNaming(Naming.connect("inmemory://" + uri.authority()));
            CREATED.add(naming);
            return naming;
        }
    }

    @Override
    public List<ServiceInstance> find(String serviceName, String... tags) {
        finds.incrementAndGet();
        return delegate.find(serviceName, tags);
    }

    @Override
    public Subscription subscribe(String serviceName, SubscribeOptions options, Consumer<List<ServiceInstance>> listener) {
        subscribes.incrementAndGet();
        Subscription subscription = delegate.subscribe(serviceName, options, listener);
        activeSubscriptions.incrementAndGet();
        AtomicBoolean open = new AtomicBoolean(true);
        return new Subscription() {
            @Override
            public String serviceName() {
                return subscription.serviceName();
            }

            @Override
            public boolean isActive() {
                return subscription.isActive();
            }

            @Override
            public java.util.Optional<java.time.Instant> lastConfirmed() {
                return subscription.lastConfirmed();
            }

            @Override
            public boolean registryReachable() {
                return subscription.registryReachable();
            }

            @Override
            public void close() {
                if (open.compareAndSet(true, false)) {
                    activeSubscriptions.decrementAndGet();
                }
                subscription.close();
            }
        };
    }

    @Override
    public void register(ServiceRegistration registration) {
        delegate.register(registration);
    }

    @Override
    public void deregister(String serviceId) {
        delegate.deregister(serviceId);
    }

    @Override
    public void drain(String serviceName, String serviceId) {
        delegate.drain(serviceName, serviceId);
    }

    @Override
    public void undrain(String serviceName, String serviceId) {
        delegate.undrain(serviceName, serviceId);
    }

    @Override
    public void close() {
        closed.set(true);
        delegate.close();
    }

    @Override
    public void close(java.time.Duration drainFor) {
        closed.set(true);
        delegate.close(drainFor);
    }
}
