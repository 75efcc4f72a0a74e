package dev.naming.consul;

import dev.naming.HealthCheck;
import dev.naming.Naming;
import dev.naming.ServiceRegistration;
import dev.naming.consul.emulator.ConsulEmulator;
import dev.naming.consul.emulator.RecordedRequest;
import dev.naming.tck.RegistryFixture;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The Consul backend over a fresh {@link ConsulEmulator}: outages, state loss (agent restart) and
 * the wire faults the emulator can play. Namings use a 1 s blocking wait and short timeouts so that
 * a reply slower than the read timeout is a 2 s delay, not a minute.
 */
public final class ConsulEmulatorFixture implements RegistryFixture {

    /** How long a slowed reply takes: above the 1.36 s read timeout of a 1 s blocking query here. */
    static final Duration SLOW_REPLY = Duration.ofSeconds(2);
    static final Duration RETRY_CAP = Duration.ofSeconds(1);

    private final ConsulEmulator emulator;

    public ConsulEmulatorFixture() {
        this.emulator = ConsulEmulator.start();
    }

    /** The emulator, for tests that switch faults the suite does not know. */
    public ConsulEmulator emulator() {
        return emulator;
    }

    @Override
    public Naming connect() {
        return new ConsulNaming(FastConsul.config(uri()));
    }

    @Override
    public Optional<Naming> connect(java.util.Map<String, String> parameters) {
        StringBuilder sb = new StringBuilder(uri());
        parameters.forEach((k, v) -> sb.append('&').append(k).append('=').append(v));
        return Optional.of(new ConsulNaming(FastConsul.config(sb.toString())));
    }

    private String uri() {
        return "consul://" + emulator.hostPort() + "?wait=1s&timeout=1s&readMargin=300ms&grace=3s&retryMax="
                + RETRY_CAP.toMillis() + "ms";
    }

    /** A watch's longest pause between retries here (the backend's default is 10 s). */
    @Override
    public Optional<Duration> retryCap() {
        return Optional.of(RETRY_CAP);
    }

    @Override
    public Duration propagationDeadline() {
        return Duration.ofSeconds(8);
    }

    @Override
    public Duration quietWindow() {
        // a wrong delivery shows within one paced blocking-query round trip (tens of ms) here
        return Duration.ofMillis(300);
    }

    @Override
    public Duration livenessWindow() {
        // TTL 2 s passed every 667 ms: the window spans 1.5 TTLs and four heartbeats
        return Duration.ofSeconds(3);
    }

    @Override
    public boolean supportsOutage() {
        return true;
    }

    @Override
    public void setReachable(boolean reachable) {
        emulator.setReachable(reachable);
    }

    @Override
    public OptionalInt openWatchRequests() {
        return OptionalInt.of(emulator.openBlockingQueries());
    }

    @Override
    public Duration stateLossGrace() {
        return Duration.ofSeconds(3); // the URI's grace: TTL passes every 667 ms here
    }

    @Override
    public boolean supportsStateLoss() {
        return true;
    }

    @Override
    public void loseState() {
        emulator.restartAgent();
    }

    @Override
    public Duration reRegistrationDeadline() {
        return Duration.ofSeconds(4);
    }

    @Override
    public Duration heartbeatInterval() {
        // adapt() gives a TTL of 2 s, passed every TTL/3
        return Duration.ofMillis(667);
    }

    @Override
    public ServiceRegistration adapt(ServiceRegistration registration) {
        return registration.toBuilder().check(HealthCheck.ttl(Duration.ofSeconds(2))).build();
    }

    @Override
    public Set<Fault> faults() {
        return EnumSet.of(Fault.UNREACHABLE, Fault.TOO_MANY_REQUESTS, Fault.UNAVAILABLE, Fault.SERVER_ERROR,
                Fault.MALFORMED_REPLIES, Fault.SLOW_REPLIES);
    }

    @Override
    public void inject(Fault fault) {
        switch (fault) {
            case UNREACHABLE -> emulator.setReachable(false);
            case TOO_MANY_REQUESTS -> emulator.fault(dev.naming.consul.emulator.Fault.TOO_MANY_REQUESTS);
            case UNAVAILABLE -> emulator.fault(dev.naming.consul.emulator.Fault.UNAVAILABLE);
            case SERVER_ERROR -> emulator.fault(dev.naming.consul.emulator.Fault.SERVER_ERROR);
            case MALFORMED_REPLIES -> emulator.fault(dev.naming.consul.emulator.Fault.MALFORMED_JSON);
            case SLOW_REPLIES -> emulator.slowReplies(SLOW_REPLY);
            default -> throw new UnsupportedOperationException(fault.name());
        }
    }

    @Override
    public void heal() {
        emulator.fault(dev.naming.consul.emulator.Fault.NONE);
        emulator.slowReplies(Duration.ZERO);
        emulator.setReachable(true);
    }

    @Override
    public Optional<RequestLog> requestLog() {
        return Optional.of(new RequestLog() {
            @Override
            public long count() {
                return emulator.requests().size();
            }

            @Override
            public List<String> rawTargets() {
                return emulator.requests().stream().map(RecordedRequest::uri).toList();
            }

            @Override
            public boolean isIntendedEndpoint(String rawTarget) {
                return intended(rawTarget);
            }

            @Override
            public boolean isWatchRequest(String rawTarget) {
                return rawTarget.startsWith("/v1/health/service/");
            }
        });
    }

    @Override
    public OptionalInt serverPort() {
        return OptionalInt.of(emulator.port());
    }

    /**
     * Whether a raw target is one of the endpoints the backend calls, every caller-supplied part
     * inside one encoded path segment (no raw {@code /}, not a dot segment) or one query value, and
     * no query parameter the endpoint does not take.
     */
    static boolean intended(String rawTarget) {
        int q = rawTarget.indexOf('?');
        String path = q < 0 ? rawTarget : rawTarget.substring(0, q);
        String query = q < 0 ? "" : rawTarget.substring(q + 1);
        if (path.equals("/v1/agent/service/register")) {
            return onlyParams(query, Set.of("replace-existing-checks"));
        }
        if (path.equals("/v1/agent/services") || path.equals("/v1/status/leader")) {
            return query.isEmpty();
        }
        for (Map.Entry<String, Set<String>> e : Map.of(
                "/v1/agent/service/deregister/", Set.<String>of(),
                "/v1/agent/check/pass/", Set.of("note"),
                "/v1/health/service/", Set.of("passing", "dc", "tag", "index", "wait")).entrySet()) {
            if (path.startsWith(e.getKey())) {
                String segment = path.substring(e.getKey().length());
                return !segment.isEmpty() && !segment.contains("/") && !segment.equals(".") && !segment.equals("..")
                        && !segment.contains("#") && onlyParams(query, e.getValue());
            }
        }
        return false;
    }

    private static boolean onlyParams(String query, Set<String> allowed) {
        if (query.isEmpty()) {
            return true;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (!allowed.contains(eq < 0 ? pair : pair.substring(0, eq))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        emulator.close();
    }
}
