package dev.naming.consul;

import com.orbitz.consul.ConsulException;
import com.orbitz.consul.NotRegisteredException;
import com.orbitz.consul.model.agent.ImmutableRegCheck;
import com.orbitz.consul.model.agent.ImmutableRegistration;
import com.orbitz.consul.model.agent.Registration;
import com.orbitz.consul.option.ImmutableQueryParameterOptions;
import com.orbitz.consul.option.QueryOptions;
import com.orbitz.consul.option.QueryParameterOptions;
import dev.naming.HealthCheck;
import dev.naming.ServiceRegistration;
import dev.naming.spi.Registrar;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Consul's registration calls, made when the shared keep-alive asks: the agent service register
 * (with the check), a TTL pass every TTL/3 (404 on newer agents, 5xx on older ones: the agent lost
 * the check, so the keep-alive registers again), and for HTTP, TCP or no check a look-up on the
 * agent every {@link ConsulConfig#presenceInterval()}. Each call fails over between agents.
 */
final class ConsulRegistrar implements Registrar {

    /** Consul's limits on service Meta (agent/structs: 64 pairs, key ≤ 128 of [A-Za-z0-9_-], value ≤ 512). */
    static final int META_MAX_PAIRS = 64;
    static final int META_KEY_MAX_LENGTH = 128;
    static final int META_VALUE_MAX_LENGTH = 512;
    private static final Pattern META_KEY = Pattern.compile("[A-Za-z0-9_-]+");
    private static final String RESERVED_META_PREFIX = "consul-";

    /** Always replace the checks of an id registered again, so a changed check kind does not leave the old one. */
    private static final QueryParameterOptions REPLACE_CHECKS =
            ImmutableQueryParameterOptions.builder().replaceExistingChecks(true).build();

    private final ConsulAgents agents;
    private final ConsulConfig config;

    ConsulRegistrar(ConsulAgents agents, ConsulConfig config) {
        this.agents = agents;
        this.config = config;
    }

    /**
     * Rejects what Consul would refuse with {@code 400 Invalid Service Meta}, before any request;
     * the key {@value ConsulInstances#PROTOCOL_META} is this library's own.
     */
    static void validate(ServiceRegistration registration) {
        Map<String, String> meta = registration.meta();
        if (meta.size() + 1 > META_MAX_PAIRS) {
            throw new IllegalArgumentException("meta must have at most " + (META_MAX_PAIRS - 1)
                    + " entries on Consul (64, one of them the protocol), had " + meta.size());
        }
        for (Map.Entry<String, String> e : meta.entrySet()) {
            String key = e.getKey();
            if (key.equals(ConsulInstances.PROTOCOL_META)) {
                throw new IllegalArgumentException("meta key '" + key
                        + "' is reserved on Consul for the protocol: set ServiceRegistration.protocol instead");
            }
            if (key.length() > META_KEY_MAX_LENGTH) {
                throw new IllegalArgumentException("meta key must be at most " + META_KEY_MAX_LENGTH
                        + " characters on Consul, was " + key.length());
            }
            if (!META_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("meta key '" + key
                        + "' must consist of letters, digits, '_' and '-' on Consul");
            }
            if (key.startsWith(RESERVED_META_PREFIX)) {
                throw new IllegalArgumentException("meta key '" + key + "' must not start with '"
                        + RESERVED_META_PREFIX + "' (reserved by Consul)");
            }
            if (e.getValue().isEmpty()) {
                // Consul keeps empty values, but consul-client's JSON mapper drops them from Meta:
                // refuse what would otherwise vanish on the way
                throw new IllegalArgumentException("meta value of '" + key
                        + "' must not be empty on Consul (consul-client does not send empty Meta values)");
            }
            if (e.getValue().length() > META_VALUE_MAX_LENGTH) {
                throw new IllegalArgumentException("meta value of '" + key + "' must be at most "
                        + META_VALUE_MAX_LENGTH + " characters on Consul, was " + e.getValue().length());
            }
        }
        ConsulPaths.checkSegment("id", registration.id());
        ConsulPaths.checkSegment("name", registration.name());
    }

    @Override
    public void register(ServiceRegistration registration, ServiceRegistration replaced) {
        // Consul keys a service by its id alone: registering the id again replaces the old record
        Registration body = toConsul(registration);
        agents.call("register '" + registration.id() + "'", consul -> {
            consul.agentClient().register(body, QueryOptions.BLANK, REPLACE_CHECKS);
            return null;
        });
    }

    /**
     * TTL checks are passed; a pass answered 404 (newer agents) or 5xx (older ones) means the agent
     * lost the check. Other checks are run by the agent: the registration is looked up instead.
     */
    @Override
    public Renewal renew(ServiceRegistration registration) {
        String id = registration.id();
        if (registration.check().kind() != HealthCheck.Kind.TTL) {
            boolean present = agents.call("list agent services",
                    consul -> consul.agentClient().getServices().containsKey(id));
            return present ? Renewal.ALIVE : Renewal.FORGOTTEN;
        }
        return agents.call("TTL pass of '" + id + "'", consul -> {
            try {
                consul.agentClient().pass(id);
                return Renewal.ALIVE;
            } catch (NotRegisteredException e) {
                int code = e.getCause() instanceof ConsulException ce ? ce.getCode() : 0;
                if (code == 404 || code >= 500) {
                    return Renewal.FORGOTTEN;
                }
                throw e.getCause() instanceof ConsulException ce ? ce : new ConsulException(e.getMessage(), e);
            }
        });
    }

    @Override
    public void deregister(String serviceId, ServiceRegistration last) {
        agents.call("deregister '" + serviceId + "'", consul -> {
            try {
                consul.agentClient().deregister(serviceId);
            } catch (ConsulException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
                // newer agents answer 404 for an id they do not know: already gone
            }
            return null;
        });
    }

    /** A TTL check is passed every TTL/3 (at least 100 ms apart); others are looked up every presence interval. */
    @Override
    public Duration renewInterval(ServiceRegistration registration) {
        return period(registration);
    }

    private Duration period(ServiceRegistration registration) {
        if (registration.check().kind() == HealthCheck.Kind.TTL) {
            Duration third = registration.check().ttl().dividedBy(3);
            return third.compareTo(Duration.ofMillis(100)) < 0 ? Duration.ofMillis(100) : third;
        }
        return config.presenceInterval();
    }

    /** The agent's registration body: ID, Name, Address, Port, Tags, Meta (+ protocol) and the check. */
    static Registration toConsul(ServiceRegistration r) {
        ImmutableRegistration.Builder b = ImmutableRegistration.builder()
                .id(r.id())
                .name(r.name())
                .address(r.address())
                .port(r.port())
                .tags(r.tags())
                .meta(ConsulInstances.metaOf(r));
        HealthCheck check = r.check();
        String deregisterAfter = goDuration(r.deregisterCriticalAfter());
        switch (check.kind()) {
            case TTL -> b.check(ImmutableRegCheck.builder()
                    .ttl(goDuration(check.ttl()))
                    // visible at once: a TTL check starts critical unless told otherwise
                    .status("passing")
                    .deregisterCriticalServiceAfter(deregisterAfter)
                    .build());
            case HTTP -> b.check(ImmutableRegCheck.builder()
                    .http(check.target())
                    .interval(goDuration(check.interval()))
                    .timeout(goDuration(check.timeout()))
                    .deregisterCriticalServiceAfter(deregisterAfter)
                    .build());
            case TCP -> b.check(ImmutableRegCheck.builder()
                    .tcp(check.target())
                    .interval(goDuration(check.interval()))
                    .timeout(goDuration(check.timeout()))
                    .deregisterCriticalServiceAfter(deregisterAfter)
                    .build());
            case NONE -> { }
        }
        return b.build();
    }

    /** A duration as Go's {@code time.ParseDuration} reads it: whole seconds as {@code 15s}, else milliseconds. */
    static String goDuration(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
    }
}
