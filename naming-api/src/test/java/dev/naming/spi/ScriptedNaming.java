package dev.naming.spi;

import dev.naming.NamingException;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A backend whose watches are driven by the test: the smallest possible AbstractNaming. */
final class ScriptedNaming extends AbstractNaming {

    final Map<String, WatchSink> sinks = new ConcurrentHashMap<>();
    final AtomicInteger watchesStarted = new AtomicInteger();
    final AtomicInteger watchesStopped = new AtomicInteger();
    final AtomicInteger fetches = new AtomicInteger();
    final Map<String, ServiceRegistration> registry = new ConcurrentHashMap<>();
    /** Run once the registry holds a registration (a slow request's tail). */
    volatile Runnable afterRegisterSent = () -> { };
    /** Run before a registration reaches the registry (a request still in flight). */
    volatile Runnable beforeRegisterLands = () -> { };

    ScriptedNaming() {
        this(Duration.ZERO);
    }

    ScriptedNaming(Duration stateLossGrace) {
        super("scripted", stateLossGrace);
    }

    @Override
    protected List<ServiceInstance> fetch(String serviceName, List<String> tags) {
        fetches.incrementAndGet();
        return registry.values().stream().filter(r -> r.name().equals(serviceName))
                .map(ServiceRegistration::instance).toList();
    }

    @Override
    protected ServiceWatch watch(String serviceName, WatchSink sink) {
        watchesStarted.incrementAndGet();
        sinks.put(serviceName, sink);
        return () -> {
            sinks.remove(serviceName);
            watchesStopped.incrementAndGet();
        };
    }

    /** Deregistrations that fail as an unreachable registry would, before the next one succeeds. */
    final AtomicInteger failingDeregistrations = new AtomicInteger();
    /** While set, every registration call fails as an unreachable registry would. */
    volatile boolean unreachable;
    final AtomicInteger renewals = new AtomicInteger();
    /** Ids the registry holds out of traffic. */
    final java.util.Set<String> drained = ConcurrentHashMap.newKeySet();
    /** Registration calls refused because {@link #unreachable} was set. */
    final AtomicInteger failedCalls = new AtomicInteger();
    volatile java.util.function.Consumer<ServiceRegistration> beforeRenewal = r -> { };
    final AtomicInteger registrations = new AtomicInteger();
    volatile Duration renewInterval = Duration.ofSeconds(30);

    private final Registrar registrar = new Registrar() {
        @Override
        public void register(ServiceRegistration registration, ServiceRegistration replaced) {
            reach();
            registrations.incrementAndGet();
            beforeRegisterLands.run();
            registry.put(registration.id(), registration);
            drained.remove(registration.id());
            afterRegisterSent.run();
        }

        @Override
        public Renewal renew(ServiceRegistration registration) {
            beforeRenewal.accept(registration);
            reach();
            renewals.incrementAndGet();
            return registry.containsKey(registration.id()) ? Renewal.ALIVE : Renewal.FORGOTTEN;
        }

        @Override
        public void deregister(String serviceId, ServiceRegistration last) {
            reach();
            if (failingDeregistrations.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new NamingException("registry unreachable");
            }
            registry.remove(serviceId);
        }

        @Override
        public Duration renewInterval(ServiceRegistration registration) {
            return renewInterval;
        }

        /** As registries do, a registration puts an instance back into traffic. */
        @Override
        public void drain(String serviceName, String serviceId, boolean drain) {
            reach();
            if (!registry.containsKey(serviceId)) {
                throw new NamingException("unknown instance " + serviceId);
            }
            if (drain) {
                drained.add(serviceId);
            } else {
                drained.remove(serviceId);
            }
        }

        private void reach() {
            if (unreachable) {
                failedCalls.incrementAndGet();
                throw new NamingException("registry unreachable");
            }
        }
    };

    @Override
    protected Registrar registrar() {
        return registrar;
    }

    /** What a backend calls when it sees a sign of state loss. */
    void signStateLoss() {
        registryMayHaveForgotten();
    }

    static ServiceInstance instance(String id, String... tags) {
        return new ServiceInstance(id, "svc", "10.0.0.1", 8000, "http", List.of(tags), Map.of());
    }
}
