package dev.naming.spi;

import dev.naming.NamingException;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

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
    /**
     * What reached the backend, in order: {@code "register a"}, {@code "deregister a"},
     * {@code "drain a true"}, {@code "watch of svc stopped"}, {@code "stop background"}, {@code "release"}.
     */
    final List<String> events = new CopyOnWriteArrayList<>();
    /** The backend's own rules for ids and registrations, before any I/O. */
    volatile Consumer<String> serviceIdCheck = id -> { };
    volatile Consumer<ServiceRegistration> registrationCheck = registration -> { };
    /** Thrown by a watch's close, when set. */
    volatile RuntimeException watchCloseFailure;

    ScriptedNaming() {
        this(Duration.ZERO);
    }

    ScriptedNaming(Duration stateLossGrace) {
        super("scripted", stateLossGrace);
    }

    /** Keeping the last confirmed lists in {@code snapshots}. */
    ScriptedNaming(Duration stateLossGrace, java.nio.file.Path snapshots) {
        super("scripted", stateLossGrace, snapshots);
    }

    @Override
    protected List<ServiceInstance> fetch(String serviceName, List<String> tags) {
        fetches.incrementAndGet();
        if (unreachable) {
            throw new RegistryUnreachableException("registry unreachable");
        }
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
            events.add("watch of " + serviceName + " stopped");
            RuntimeException failure = watchCloseFailure;
            if (failure != null) {
                throw failure;
            }
        };
    }

    @Override
    protected void checkRegistration(ServiceRegistration registration) {
        registrationCheck.accept(registration);
    }

    @Override
    protected void checkServiceId(String serviceId) {
        serviceIdCheck.accept(serviceId);
    }

    @Override
    protected void stopBackground() {
        events.add("stop background");
    }

    @Override
    protected void release() {
        events.add("release");
    }

    /** Deregistrations that fail as an unreachable registry would, before the next one succeeds. */
    final AtomicInteger failingDeregistrations = new AtomicInteger();
    /** While set, every registration call and every read fails as an unreachable registry would. */
    volatile boolean unreachable;
    /** While set, registrations are answered with a refusal. */
    volatile boolean refusingRegistrations;
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
            if (refusingRegistrations) {
                throw new NamingException("refused");
            }
            events.add("register " + registration.id());
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
            events.add("deregister " + serviceId);
            if (failingDeregistrations.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new RegistryUnreachableException("registry unreachable");
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
            events.add("drain " + serviceId + " " + drain);
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
                throw new RegistryUnreachableException("registry unreachable");
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
