package dev.naming.inmemory;

import dev.naming.HealthCheck;
import dev.naming.Naming;
import dev.naming.ServiceRegistration;
import dev.naming.tck.RegistryFixture;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** {@code inmemory://NAME}: every {@code Naming} of the fixture shares the registry NAME. */
public final class InMemoryFixture implements RegistryFixture {
    private static final Set<String> CALLS = Set.of("register", "deregister", "heartbeat", "drain", "undrain", "find",
            "watch");
    private final String name;
    private final InMemoryRegistry registry;

    public InMemoryFixture(String name) {
        this.name = name;
        this.registry = InMemoryRegistry.named(name);
    }

    @Override
    public Naming connect() {
        return Naming.connect("inmemory://" + name);
    }

    @Override
    public Optional<Naming> connect(java.util.Map<String, String> parameters) {
        StringBuilder sb = new StringBuilder("inmemory://" + name);
        char sep = '?';
        for (java.util.Map.Entry<String, String> e : parameters.entrySet()) {
            sb.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = '&';
        }
        return Optional.of(Naming.connect(sb.toString()));
    }

    @Override
    public Duration propagationDeadline() {
        return Duration.ofSeconds(5);
    }

    @Override
    public Duration quietWindow() {
        return Duration.ofMillis(300);
    }

    @Override
    public Duration stateLossGrace() {
        return Duration.ofSeconds(2); // the in-memory default: owners report every 250 ms
    }

    @Override
    public Duration livenessWindow() {
        // a TTL of 1 s and heartbeats every 250 ms: two TTLs, eight heartbeats
        return Duration.ofSeconds(2);
    }

    @Override
    public boolean supportsOutage() {
        return true;
    }

    @Override
    public void setReachable(boolean reachable) {
        registry.setReachable(reachable);
    }

    @Override
    public boolean supportsStateLoss() {
        return true;
    }

    @Override
    public void loseState() {
        registry.forgetAll();
    }

    @Override
    public Duration reRegistrationDeadline() {
        return Duration.ofSeconds(3);
    }

    @Override
    public Duration heartbeatInterval() {
        return Duration.ofMillis(250);
    }

    @Override
    public ServiceRegistration adapt(ServiceRegistration registration) {
        return registration.toBuilder().check(HealthCheck.ttl(Duration.ofSeconds(1))).build();
    }

    /** The registry's own count and log of the calls its {@code Naming}s made. */
    @Override
    public Optional<RequestLog> requestLog() {
        return Optional.of(new RequestLog() {
            @Override
            public long count() {
                return registry.requestCount();
            }

            @Override
            public List<String> rawTargets() {
                return registry.requests();
            }

            @Override
            public boolean isIntendedEndpoint(String rawTarget) {
                // no paths to steer in memory: a line is a call the Naming makes, with its arguments
                return CALLS.contains(rawTarget.split(" ", 2)[0]);
            }
        });
    }

    @Override
    public void close() {
        registry.setReachable(true);
        registry.forgetAll();
    }
}
