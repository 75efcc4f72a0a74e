package dev.naming.spi;

import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
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
    /** Run by {@link #doRegister} once the registry holds the registration (a slow request's tail). */
    volatile Runnable afterRegisterSent = () -> { };

    ScriptedNaming() {
        super("scripted");
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

    @Override
    protected void doRegister(ServiceRegistration registration) {
        registry.put(registration.id(), registration);
        afterRegisterSent.run();
    }

    /** Deregistrations that fail as an unreachable registry would, before the next one succeeds. */
    final AtomicInteger failingDeregistrations = new AtomicInteger();

    @Override
    protected void doDeregister(String serviceId) {
        if (failingDeregistrations.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new dev.naming.NamingException("registry unreachable");
        }
        registry.remove(serviceId);
    }

    static ServiceInstance instance(String id, String... tags) {
        return new ServiceInstance(id, "svc", "10.0.0.1", 8000, "http", List.of(tags), Map.of());
    }
}
