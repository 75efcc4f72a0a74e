package dev.naming.spi;

import dev.naming.NamingException;
import dev.naming.ServiceRegistration;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A registrar whose registry is a map: it records every call (as {@code "register a@10.0.0.1
 * replacing -"}, {@code "renew a"}, {@code "deregister a last=10.0.0.1"}, {@code "drain a true"}),
 * can be made unreachable or fail a number of deregistrations, and runs a hook while a call is in
 * flight, before it reaches the map.
 */
final class RecordingRegistrar implements Registrar {

    /** Longer than any test: such a registration is renewed only because of what the test does. */
    static final Duration NEVER = Duration.ofHours(1);

    final Map<String, ServiceRegistration> registry = new ConcurrentHashMap<>();
    final Set<String> drained = ConcurrentHashMap.newKeySet();
    /** Every call, the failed ones included. */
    final List<String> calls = new CopyOnWriteArrayList<>();
    /** Calls that failed because the registry was unreachable. */
    final List<String> failed = new CopyOnWriteArrayList<>();
    /** Calls that reached the registry. */
    final List<String> answered = new CopyOnWriteArrayList<>();
    /** Renewal intervals by id; {@link #NEVER} for the others. */
    final Map<String, Duration> intervals = new ConcurrentHashMap<>();
    volatile boolean unreachable;
    /** While set, registrations are answered with a refusal (the registry is up, and says no). */
    volatile boolean refusingRegistrations;
    /** Deregistrations that fail as an unreachable registry would, before the next one succeeds. */
    final AtomicInteger failingDeregistrations = new AtomicInteger();
    /** Given each call while it is in flight. */
    volatile Consumer<String> inFlight = call -> { };

    static ServiceRegistration registration(String id, String address) {
        return ServiceRegistration.builder().id(id).name("svc").address(address).port(8000).build();
    }

    static ServiceRegistration registration(String id) {
        return registration(id, "10.0.0.1");
    }

    @Override
    public void register(ServiceRegistration registration, ServiceRegistration replaced) {
        call("register " + registration.id() + "@" + registration.address() + " replacing "
                + (replaced == null ? "-" : replaced.address()));
        if (refusingRegistrations) {
            throw new NamingException("refused");
        }
        registry.put(registration.id(), registration);
        drained.remove(registration.id()); // as registries do: a registration puts it back in traffic
    }

    @Override
    public Renewal renew(ServiceRegistration registration) {
        call("renew " + registration.id());
        return registry.containsKey(registration.id()) ? Renewal.ALIVE : Renewal.FORGOTTEN;
    }

    @Override
    public void deregister(String serviceId, ServiceRegistration last) {
        String call = "deregister " + serviceId + " last=" + (last == null ? "-" : last.address());
        call(call);
        if (failingDeregistrations.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            failed.add(call);
            throw new RegistryUnreachableException("registry unreachable");
        }
        registry.remove(serviceId);
    }

    @Override
    public Duration renewInterval(ServiceRegistration registration) {
        return intervals.getOrDefault(registration.id(), NEVER);
    }

    @Override
    public void drain(String serviceName, String serviceId, boolean drain) {
        call("drain " + serviceId + " " + drain);
        if (!registry.containsKey(serviceId)) {
            throw new NamingException("unknown instance " + serviceId);
        }
        if (drain) {
            drained.add(serviceId);
        } else {
            drained.remove(serviceId);
        }
    }

    long count(String call) {
        return calls.stream().filter(call::equals).count();
    }

    private void call(String call) {
        calls.add(call);
        if (unreachable) {
            failed.add(call);
            throw new RegistryUnreachableException("registry unreachable");
        }
        answered.add(call);
        inFlight.accept(call);
    }
}
