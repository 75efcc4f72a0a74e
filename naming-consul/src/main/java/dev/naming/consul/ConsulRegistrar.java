package dev.naming.consul;

import com.orbitz.consul.Consul;
import com.orbitz.consul.ConsulException;
import com.orbitz.consul.NotRegisteredException;
import com.orbitz.consul.model.agent.ImmutableRegCheck;
import com.orbitz.consul.model.agent.ImmutableRegistration;
import com.orbitz.consul.model.agent.Registration;
import com.orbitz.consul.option.ImmutableQueryParameterOptions;
import com.orbitz.consul.option.QueryOptions;
import com.orbitz.consul.option.QueryParameterOptions;
import dev.naming.HealthCheck;
import dev.naming.NamingException;
import dev.naming.ServiceRegistration;
import dev.naming.spi.NamingThreads;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes registrations to the agent and keeps them there: passes each TTL check every TTL/3, and
 * registers again when the agent answers that it lost the check (404 on newer agents, 500 on
 * older ones). Registrations with an HTTP, TCP or no check are looked up on the agent every
 * {@link ConsulConfig#presenceInterval()} and registered again when missing. All of this runs on
 * one daemon thread, {@code naming-consul-heartbeat}, started with the first registration.
 */
final class ConsulRegistrar {

    private static final Logger LOG = LoggerFactory.getLogger(ConsulRegistrar.class);

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
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor heartbeats;

    ConsulRegistrar(ConsulAgents agents, ConsulConfig config) {
        this.agents = agents;
        this.config = config;
        this.heartbeats = new ScheduledThreadPoolExecutor(1, NamingThreads.factory("naming-consul-heartbeat", false));
        this.heartbeats.setRemoveOnCancelPolicy(true);
        this.heartbeats.setKeepAliveTime(30, TimeUnit.SECONDS);
        this.heartbeats.allowCoreThreadTimeOut(true);
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

    /**
     * Registers (or updates) and starts keeping the registration alive. When the agent refuses an
     * update, the previous registration stays as it was and is still kept alive. Registers and
     * deregisters take turns: two updates of one id racing would each see no previous entry, and
     * the one overwritten in the map would keep its heartbeat (and register the id again after a
     * deregister).
     */
    synchronized void register(ServiceRegistration registration) {
        Entry entry = new Entry(registration);
        Entry previous = entries.get(registration.id());
        // under the previous entry's lock, so its heartbeat cannot register the old version over the new one
        synchronized (previous != null ? previous : entry) {
            send(registration);
            if (previous != null) {
                previous.retire();
            }
            entries.put(registration.id(), entry);
            long period = period(registration).toMillis();
            synchronized (entry) {
                entry.task = heartbeats.scheduleWithFixedDelay(() -> keepAlive(entry), period, period,
                        TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Stops keeping the instance alive and removes it from the agent; an unknown id is not an error. */
    synchronized void deregister(String serviceId) {
        Entry entry = entries.remove(serviceId);
        if (entry == null) {
            removeFromAgent(serviceId);
            return;
        }
        // under the entry's lock, so a heartbeat cannot register it again in between
        synchronized (entry) {
            entry.retire();
            removeFromAgent(serviceId);
        }
    }

    /** Stops every heartbeat; the registrations stay (see {@link #deregister}). */
    void stop() {
        heartbeats.shutdownNow();
        try {
            heartbeats.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void removeFromAgent(String serviceId) {
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

    private void send(ServiceRegistration registration) {
        Registration body = toConsul(registration);
        agents.call("register '" + registration.id() + "'", consul -> {
            consul.agentClient().register(body, QueryOptions.BLANK, REPLACE_CHECKS);
            return null;
        });
    }

    private void keepAlive(Entry entry) {
        if (!entry.active) {
            return;
        }
        String id = entry.registration.id();
        try {
            if (entry.registration.check().kind() == HealthCheck.Kind.TTL) {
                pass(entry);
            } else {
                ensurePresent(entry);
            }
            if (entry.failing) {
                entry.failing = false;
                LOG.info("consul: heartbeats of '{}' reach the agent again", id);
            }
        } catch (RuntimeException e) {
            if (!entry.active || heartbeats.isShutdown()) {
                return;
            }
            // one line when it starts failing, not one per heartbeat
            if (!entry.failing) {
                entry.failing = true;
                LOG.warn("consul: could not keep '{}' alive, retrying every {} ms: {}", id,
                        period(entry.registration).toMillis(), ConsulAgents.summary(e));
            } else {
                LOG.debug("consul: still cannot keep '{}' alive: {}", id, ConsulAgents.summary(e));
            }
        }
    }

    /** Passes the TTL check; fails over on network errors; registers again where the check is unknown. */
    private void pass(Entry entry) {
        String id = entry.registration.id();
        int start = agents.current();
        RuntimeException last = null;
        for (int i = 0; i < agents.size(); i++) {
            int agent = (start + i) % agents.size();
            Consul consul = agents.client(agent);
            try {
                consul.agentClient().pass(id);
                if (agent != start) {
                    agents.use(agent);
                }
                return;
            } catch (NotRegisteredException e) {
                int code = e.getCause() instanceof ConsulException ce ? ce.getCode() : 0;
                if (code == 404 || code >= 500) {
                    if (agent != start) {
                        agents.use(agent);
                    }
                    registerAgain(entry, "the agent " + agents.describe(agent) + " answered " + code
                            + " to the TTL pass");
                    return;
                }
                last = new NamingException("TTL pass of '" + id + "' failed at " + agents.describe(agent) + ": "
                        + ConsulAgents.summary(e.getCause() == null ? e : e.getCause()), e);
                if (code != 0 && code != 429) {
                    throw last;
                }
            }
        }
        throw last == null ? new NamingException("no consul agent") : last;
    }

    /** For registrations without TTL: registers again when the agent no longer lists the id. */
    private void ensurePresent(Entry entry) {
        boolean present = agents.call("list agent services",
                consul -> consul.agentClient().getServices().containsKey(entry.registration.id()));
        if (!present) {
            registerAgain(entry, "the agent no longer lists it");
        }
    }

    private void registerAgain(Entry entry, String why) {
        synchronized (entry) {
            if (!entry.active) {
                return;
            }
            send(entry.registration);
        }
        LOG.info("consul: registered '{}' again: {}", entry.registration.id(), why);
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

    /** One registration and its keep-alive task; {@code active} is read and changed under its lock. */
    private static final class Entry {
        final ServiceRegistration registration;
        volatile boolean active = true;
        /** Read and written by the heartbeat thread only. */
        boolean failing;
        ScheduledFuture<?> task;

        Entry(ServiceRegistration registration) {
            this.registration = registration;
        }

        void retire() {
            synchronized (this) {
                active = false;
                if (task != null) {
                    task.cancel(false);
                }
            }
        }
    }
}
