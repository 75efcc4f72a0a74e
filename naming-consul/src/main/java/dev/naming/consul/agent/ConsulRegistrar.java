package dev.naming.consul.agent;

import dev.naming.HealthCheck;
import dev.naming.NamingException;
import dev.naming.ServiceRegistration;
import dev.naming.consul.http.ConsulHttp;
import dev.naming.consul.http.ConsulPaths;
import dev.naming.consul.http.StatusException;
import dev.naming.consul.json.ConsulInstances;
import dev.naming.consul.json.ConsulJson;
import dev.naming.spi.Registrar;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Consul's registration calls, made when the shared keep-alive asks: the agent service register
 * (with the check), a TTL pass every TTL/3 (404 on newer agents, 5xx on older ones: the agent lost
 * the check, so the keep-alive registers again), and for HTTP, TCP or no check a look-up on the
 * agent every presence interval. Each call fails over between agents.
 */
public final class ConsulRegistrar implements Registrar {

    /** Consul's limits on service Meta (agent/structs: 64 pairs, key ≤ 128 of [A-Za-z0-9_-], value ≤ 512). */
    static final int META_MAX_PAIRS = 64, META_KEY_MAX_LENGTH = 128, META_VALUE_MAX_LENGTH = 512;
    private static final Pattern META_KEY = Pattern.compile("[A-Za-z0-9_-]+");
    private static final String RESERVED_META_PREFIX = "consul-";

    /** The reason the agent shows for a drained instance's maintenance check. */
    public static final String DRAIN_REASON = "draining: taken out of traffic by its owner";

    private final ConsulAgents agents;
    private final Duration presenceInterval;

    public ConsulRegistrar(ConsulAgents agents, Duration presenceInterval) {
        this.agents = agents;
        this.presenceInterval = presenceInterval;
    }

    /**
     * Rejects what Consul would refuse with {@code 400 Invalid Service Meta}, before any request;
     * the key {@value ConsulInstances#PROTOCOL_META} is this library's own.
     */
    public static void validate(ServiceRegistration registration) {
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
            if (e.getValue().length() > META_VALUE_MAX_LENGTH) {
                throw new IllegalArgumentException("meta value of '" + key + "' must be at most "
                        + META_VALUE_MAX_LENGTH + " characters on Consul, was " + e.getValue().length());
            }
        }
        ConsulPaths.checkSegment("id", registration.id());
        ConsulPaths.checkSegment("name", registration.name());
    }

    /**
     * Consul keys a service by its id alone: registering the id again replaces the old record, and
     * {@code replace-existing-checks} drops the old check when its kind changed (agents before 1.3
     * ignore the parameter and keep both).
     */
    @Override
    public void register(ServiceRegistration registration, ServiceRegistration replaced) {
        write("register '" + registration.id() + "'", "/v1/agent/service/register?replace-existing-checks=true",
                ConsulJson.registration(registration));
    }

    /** TTL checks are passed, a 404 or 5xx meaning the agent lost the check; other registrations are looked up. */
    @Override
    public Renewal renew(ServiceRegistration registration) {
        String id = registration.id();
        if (registration.check().kind() != HealthCheck.Kind.TTL) {
            return registeredName(id).isPresent() ? Renewal.ALIVE : Renewal.FORGOTTEN;
        }
        String what = "TTL pass of '" + id + "'";
        ConsulHttp.Reply reply = agents.exchange(what, "PUT",
                "/v1/agent/check/pass/service:" + ConsulPaths.encode(id), null, true);
        if (reply.status() == 404 || reply.status() >= 500) {
            return Renewal.FORGOTTEN;
        }
        refusedUnlessOk(what, reply);
        return Renewal.ALIVE;
    }

    /** Newer agents answer 404 for an id they do not know: already gone. */
    @Override
    public void deregister(String serviceId, ServiceRegistration last) {
        String what = "deregister '" + serviceId + "'";
        ConsulHttp.Reply reply = agents.exchange(what, "PUT",
                "/v1/agent/service/deregister/" + ConsulPaths.encode(serviceId), null, false);
        if (reply.status() != 404) {
            refusedUnlessOk(what, reply);
        }
    }

    /**
     * Service maintenance mode: the agent adds a critical check {@code _service_maintenance:<id>},
     * so the instance leaves every {@code ?passing} read while staying registered. The agent
     * forgets it with the service (and with {@code replace-existing-checks}), so the keep-alive
     * drains again after each registration. Maintenance is set by id alone, so the agent's services
     * are read first: an id registered under another name is refused, not drained (a typo in the name
     * would otherwise take another service's instance out of traffic).
     */
    @Override
    public void drain(String serviceName, String serviceId, boolean drained) {
        String registeredAs = registeredName(serviceId).orElseThrow(() -> new NamingException("consul: the agent has"
                + " no service '" + serviceId + "': an agent drains only the services registered on it (check the id,"
                + " and that the URI names that agent)"));
        if (!registeredAs.equals(serviceName)) {
            throw new IllegalArgumentException("serviceName: '" + serviceId + "' is registered under '"
                    + registeredAs + "', not '" + serviceName + "'");
        }
        String target = "/v1/agent/service/maintenance/" + ConsulPaths.encode(serviceId) + "?enable=" + drained
                + (drained ? "&reason=" + ConsulPaths.encode(DRAIN_REASON) : "");
        write((drained ? "drain '" : "undrain '") + serviceId + "'", target, null);
    }

    /** A TTL check is passed every TTL/3 (at least 100 ms apart); others are looked up every presence interval. */
    @Override
    public Duration renewInterval(ServiceRegistration registration) {
        if (registration.check().kind() == HealthCheck.Kind.TTL) {
            Duration third = registration.check().ttl().dividedBy(3);
            return third.compareTo(Duration.ofMillis(100)) < 0 ? Duration.ofMillis(100) : third;
        }
        return presenceInterval;
    }

    /** The name the agent holds service {@code id} under, if it holds it ({@code /v1/agent/services}). */
    private Optional<String> registeredName(String id) {
        ConsulHttp.Reply services = agents.exchange("list agent services", "GET", "/v1/agent/services", null, false);
        try {
            return ConsulJson.serviceName(services.ok().body(), id);
        } catch (IOException e) {
            throw new NamingException("consul: list agent services: " + e.getMessage(), e);
        }
    }

    private void write(String what, String target, byte[] body) {
        refusedUnlessOk(what, agents.exchange(what, "PUT", target, body, false));
    }

    private static void refusedUnlessOk(String what, ConsulHttp.Reply reply) {
        try {
            reply.ok();
        } catch (StatusException e) {
            throw new NamingException("consul: " + what + " refused: " + e.getMessage(), e);
        }
    }
}
