package dev.naming.consul.watch;

import dev.naming.ServiceInstance;
import dev.naming.consul.http.ConsulHttp;
import dev.naming.consul.http.ConsulPaths;
import dev.naming.consul.json.ConsulInstances;
import dev.naming.consul.json.ConsulJson;
import dev.naming.spi.NamingLoggers;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.slf4j.Logger;

/**
 * The reads of {@code /v1/health/service/:name?passing} of one {@code Naming}: the blocking reads of
 * every watch, sent without a thread waiting for them, and the one-shot reads of {@code find}. Each
 * reply's {@value #FILTERED_BY_ACLS} header is noted per service ({@link #filtered(String)}), with
 * one warning per {@code Naming}.
 */
public final class HealthReads {

    private static final Logger LOG = NamingLoggers.get(HealthReads.class);

    /** Consul's header on a reply from which the ACL token's rights left something out (agent/http.go). */
    static final String FILTERED_BY_ACLS = "X-Consul-Results-Filtered-By-ACLs";
    /** Plain-HTTP watches past which one warning is logged, near the agent's default of 200 connections per client. */
    static final int PLAIN_HTTP_WARNING = 180;

    /** One read: the instances and the {@code X-Consul-Index} they came with (0 when absent). */
    public record Reply(long index, List<ServiceInstance> instances) { }

    private final ConsulHttp http;
    private final List<URI> agents;
    private final WatchSettings settings;
    private final Set<String> filtered = ConcurrentHashMap.newKeySet();
    private final AtomicInteger watches = new AtomicInteger();
    private final AtomicBoolean warnedFiltered = new AtomicBoolean(), warnedPlain = new AtomicBoolean();

    public HealthReads(ConsulHttp http, List<URI> agents, WatchSettings settings) {
        this.http = http;
        this.agents = List.copyOf(agents);
        this.settings = settings;
    }

    WatchSettings settings() {
        return settings;
    }

    int agents() {
        return agents.size();
    }

    String describe(int agent) {
        return ConsulHttp.describe(agents.get(agent));
    }

    ConsulHttp http() {
        return http;
    }

    /** One more watch; past {@value #PLAIN_HTTP_WARNING} over plain HTTP, one warning. */
    void watchStarted() {
        int n = watches.incrementAndGet();
        if (!settings.tls() && n > PLAIN_HTTP_WARNING && warnedPlain.compareAndSet(false, true)) {
            LOG.warn("consul: {} services are watched over plain HTTP, one connection to the agent each; Consul"
                    + " agents from 1.7.1 on refuse more than 200 connections per client address by default"
                    + " (limits.http_max_conns_per_client): use tls=true, over which HTTP/2 carries 250 watches"
                    + " per connection", n);
        }
    }

    void watchEnded() {
        watches.decrementAndGet();
    }

    /**
     * Sends the read of {@code service} at {@code index} (blocking from 1 on) to {@code agent}; {@code done}
     * gets the reply or the failure through {@link ConsulHttp#execute}, as it may run listeners that block.
     */
    ConsulHttp.Call read(int agent, String service, long index, BiConsumer<Reply, Throwable> done) {
        return http.send(agents.get(agent), "GET", target(service, index, List.of()), null,
                index >= 1 ? settings.blockingTimeout() : settings.timeout(), (reply, failure) -> http.execute(() -> {
                    try {
                        done.accept(failure == null ? toReply(service, reply) : null, failure);
                    } catch (IOException e) {
                        done.accept(null, e);
                    }
                }));
    }

    /**
     * A one-shot, non-blocking read for {@code find}, with one {@code tag} parameter per tag,
     * answered on the calling thread.
     *
     * @throws IOException a network error, a status other than 200, a reply that is not a health list
     */
    public List<ServiceInstance> find(URI agent, String service, List<String> tags)
            throws IOException, InterruptedException {
        return toReply(service, http.send(agent, "GET", target(service, 0, tags), null, settings.timeout())).instances();
    }

    /** A 200 reply's index, ACL filter mark and instances. */
    private Reply toReply(String service, ConsulHttp.Reply reply) throws IOException {
        reply.ok();
        if (settings.stale() && LOG.isDebugEnabled()) {
            LOG.debug("read of '{}': stale read from agent {}, its server last heard from the leader {} ms before"
                    + " (known leader: {})", service, reply.agent(), reply.header("X-Consul-LastContact"),
                    reply.header("X-Consul-KnownLeader"));
        }
        noteFiltered(service, reply.header(FILTERED_BY_ACLS));
        try {
            return new Reply(parseIndex(reply.header("X-Consul-Index")), ConsulInstances.fromJson(service, reply.body()));
        } catch (IOException | IllegalStateException e) {
            throw new IOException("agent " + reply.agent() + " sent a health reply that cannot be read: "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e);
        }
    }

    /** Whether the agent's last answer about {@code service} left out what the ACL token may not read. */
    public boolean filtered(String service) {
        return filtered.contains(service);
    }

    private void noteFiltered(String service, String header) {
        if (!"true".equalsIgnoreCase(header)) {
            filtered.remove(service);
            return;
        }
        filtered.add(service);
        if (warnedFiltered.compareAndSet(false, true)) {
            LOG.warn("consul: the agent left instances of '{}' out of its answer because the ACL token may not read"
                    + " them ({}): lists may be empty or short although the service has instances. Give a token with"
                    + " service:read and node:read on them: URI parameter token= or CONSUL_HTTP_TOKEN",
                    service, FILTERED_BY_ACLS);
        }
    }

    /** The path and query of the health read of {@code service}. */
    String target(String service, long index, List<String> tags) {
        StringBuilder uri = new StringBuilder("/v1/health/service/").append(ConsulPaths.encode(service))
                .append("?passing=1");
        for (String tag : tags) {
            uri.append("&tag=").append(ConsulPaths.encode(tag));
        }
        if (settings.datacenter() != null) {
            uri.append("&dc=").append(ConsulPaths.encode(settings.datacenter()));
        }
        if (settings.stale()) {
            uri.append("&stale");
        }
        if (index >= 1) {
            uri.append("&index=").append(index).append("&wait=").append(ConsulJson.goDuration(settings.blockingWait()));
        }
        return uri.toString();
    }

    /** {@code X-Consul-Index} (a uint64); 0 when absent or unreadable, so the next read does not block. */
    static long parseIndex(String header) {
        String v = header == null ? "" : header.trim();
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException notSigned) {
            try {
                Long.parseUnsignedLong(v);
                return Long.MAX_VALUE; // above 2^63: the largest index that can be sent back
            } catch (NumberFormatException notANumber) {
                return 0;
            }
        }
    }
}
