package dev.naming.consul.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * An in-process Consul agent speaking the parts of Consul's HTTP API that service discovery uses,
 * as Consul documents and implements them, for tests where no Consul can run:
 *
 * <ul>
 *   <li>{@code PUT /v1/agent/service/register[?replace-existing-checks]} — ID (defaults to Name),
 *       Name, Tags, Address, Port, Meta (Consul's limits, 400 otherwise), Weights,
 *       EnableTagOverride, Check / Checks (TTL, HTTP, TCP; Status; DeregisterCriticalServiceAfter);
 *       field names case-insensitive and snake_case accepted, as Consul's decoder does.
 *   <li>{@code PUT /v1/agent/service/deregister/:id} — 404 for an unknown id (as newer agents).
 *   <li>{@code PUT /v1/agent/service/maintenance/:id?enable=&reason=} — service maintenance mode
 *       ({@code AgentServiceMaintenance}, {@code agent.EnableServiceMaintenance}): a critical check
 *       {@code _service_maintenance:<id>}; 400 without a boolean {@code enable}, 404 for an unknown id.
 *   <li>{@code PUT /v1/agent/check/(pass|warn|fail)/:id[?note=]}, {@code PUT /v1/agent/check/update/:id}
 *       ({@code {"Status","Output"}}) — 404 for an unknown check (500 as older agents with
 *       {@link #unknownCheckStatus(int)}), 500 for a check without TTL.
 *   <li>{@code GET /v1/health/service/:name} with {@code passing}, repeated {@code tag} (ALL),
 *       {@code dc}, {@code index}/{@code wait} blocking (default 5 min, cap 10 min, plus up to
 *       wait/16 jitter) and the headers {@code X-Consul-Index}, {@code X-Consul-KnownLeader},
 *       {@code X-Consul-LastContact}.
 *   <li>{@code GET /v1/agent/services}, {@code /v1/agent/checks}, {@code /v1/agent/self}.
 *   <li>{@code GET /v1/status/leader} — the (emulated) leader's address; no ACL, as Consul.
 * </ul>
 * Paths are %-decoded as Consul's router does ({@code a%2Fb} is the id {@code a/b}), and a decoded
 * path that Go's {@code http.ServeMux} would clean ({@code a/../b}, {@code a//b}) is answered with
 * the same {@code 301} redirect Consul (built with Go 1.20) sends. TTL
 * checks expire to critical; the reaper removes services critical for longer than
 * max(DeregisterCriticalServiceAfter, floor) every reap interval (Consul: 1 min floor, 30 s interval;
 * both configurable here, as is the clock). HTTP and TCP checks are run for real.
 *
 * <p>As on a Consul agent, writes are the agent's at once and reach the catalog (health reads, the
 * index, blocking queries) with the anti-entropy sync, {@link Builder#syncDelay} later. Which
 * server function each behaviour follows, and what is left out: docs/CONSUL.md, "The Consul
 * emulator".
 *
 * <p>Fault switches: unreachable (connections refused), {@link Fault}s (dropped connections, 429,
 * 500, 503, malformed JSON), slow replies, blocking queries answered at once with an unchanged
 * index, index 0, an index that goes back, an agent restart that loses all state, old agents' tag
 * filter (first tag only), and ACLs ({@link #requireToken}: reads filtered, writes refused). Every request is recorded (path, query,
 * headers, body) so tests can check what went over the wire.
 */
public final class ConsulEmulator implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
    private static final Duration MAX_WAIT = Duration.ofMinutes(10);
    private static final long DEFAULT_SYNC_DELAY_MILLIS = 10;
    private static final Duration DEFAULT_SYNC_DELAY = Duration.ofMillis(DEFAULT_SYNC_DELAY_MILLIS);

    /** Settings fixed at start. */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private Duration reapFloor = Duration.ofMinutes(1);
        private Duration reapInterval = Duration.ofSeconds(30);
        private Duration tickInterval = Duration.ofMillis(50);
        private SSLContext tls;
        private boolean http2;
        private boolean jetty;
        private int maxConcurrentStreams = JettyAgentServer.MAX_CONCURRENT_STREAMS;
        private boolean enterprise;
        private Duration restartDowntime = Duration.ofMillis(250);
        private Duration syncDelay = DEFAULT_SYNC_DELAY;

        private Builder() {
        }

        /**
         * How long {@link #restartAgent()} keeps the port closed between the old process and the new
         * one (default 250 ms; a real agent takes longer to start).
         */
        public Builder restartDowntime(Duration downtime) {
            this.restartDowntime = downtime;
            return this;
        }

        /** Serves HTTPS with this server context (its key and certificate), as an agent with TLS on. */
        public Builder tls(SSLContext serverContext) {
            this.tls = serverContext;
            return this;
        }

        /**
         * Serves HTTPS through Jetty with HTTP/2 offered by ALPN (needs {@link #tls}), as a Consul agent
         * with TLS on does; otherwise the JDK's HTTP/1.1 server carries it.
         */
        public Builder http2() {
            this.http2 = true;
            this.jetty = true;
            return this;
        }

        /**
         * Serves through Jetty (HTTP/1.1, or HTTPS with HTTP/2 with {@link #http2}), which sends a
         * reply as Go's server does (see {@code JettyAgentServer}): for latency figures.
         */
        public Builder jetty() {
            this.jetty = true;
            return this;
        }

        /**
         * Accepts the Enterprise scope of a call (namespace and admin partition, as headers or
         * query parameters) and ignores it; without this the emulator answers 400 to them as
         * Consul's Community Edition does ({@code agent/http_ce.go}: {@code parseEntMeta},
         * {@code parseEntMetaPartition}). Scoping itself is not emulated.
         */
        public Builder enterprise() {
            this.enterprise = true;
            return this;
        }

        /** Concurrent streams per HTTP/2 connection (default 250, Go's). */
        public Builder maxConcurrentStreams(int streams) {
            this.maxConcurrentStreams = streams;
            return this;
        }

        /** The clock of TTLs and the reaper (default: the system clock). */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** The least time a service stays critical before the reaper removes it (Consul: 1 min). */
        public Builder reapFloor(Duration floor) {
            this.reapFloor = floor;
            return this;
        }

        /** How often the reaper runs (Consul: 30 s). */
        public Builder reapInterval(Duration interval) {
            this.reapInterval = interval;
            return this;
        }

        /** How often TTLs, the reaper and HTTP/TCP checks are looked at in real time (default 50 ms). */
        public Builder tickInterval(Duration interval) {
            this.tickInterval = interval;
            return this;
        }

        /**
         * How long after a registration, deregistration or check change the catalog — and so health
         * reads and blocking queries — shows it (default {@value #DEFAULT_SYNC_DELAY_MILLIS} ms; zero:
         * at once, for tests of other behaviours that read right after they write). The agent's
         * syncer starts at once ({@code TriggerSyncChanges}, agent/local/state.go; {@code SyncChanges}
         * in agent/ae/ae.go does not wait): the delay stands for its {@code Catalog.Register} RPC to
         * the servers and their Raft commit, which the emulator does not run. The default is a
         * choice, not a figure of Consul's.
         */
        public Builder syncDelay(Duration delay) {
            this.syncDelay = delay;
            return this;
        }

        /** Starts the emulator on 127.0.0.1 and a free port. */
        public ConsulEmulator start() {
            if (http2 && tls == null) {
                throw new IllegalStateException("HTTP/2 is served over TLS only, as Consul does: set tls(…)");
            }
            return new ConsulEmulator(this);
        }
    }

    private final AgentState state;
    private final SSLContext tls;
    private final boolean jetty;
    private final boolean enterprise;
    private final int maxConcurrentStreams;
    private final Duration restartDowntime;
    private final InetAddress loopback = InetAddress.getLoopbackAddress();
    private final ExecutorService workers;
    private final ScheduledExecutorService ticker;
    private final List<RecordedRequest> requests = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger generation = new AtomicInteger();
    private final AtomicInteger blocked = new AtomicInteger();
    private final Object serverLock = new Object();
    private AgentExchange.Server server;
    private final int port;
    private volatile boolean closed;

    private volatile Fault fault = Fault.NONE;
    private volatile String faultPrefix = "";
    private volatile Duration slowReplies = Duration.ZERO;
    private volatile CountDownLatch stalledBodies;
    private volatile boolean ignoreWait;
    private volatile boolean zeroIndex;
    private volatile boolean legacyTagFilter;
    private volatile int unknownCheckStatus = 404;
    private volatile String requiredToken;
    private final java.util.Set<String> unprivilegedTokens = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private ConsulEmulator(Builder b) {
        this.ticker = Executors.newSingleThreadScheduledExecutor(daemon("consul-emulator-ticker"));
        this.state = new AgentState(b.clock, b.reapFloor, b.reapInterval, b.syncDelay, ticker);
        this.tls = b.tls;
        this.jetty = b.jetty;
        this.enterprise = b.enterprise;
        this.maxConcurrentStreams = b.maxConcurrentStreams;
        this.restartDowntime = b.restartDowntime;
        this.workers = Executors.newCachedThreadPool(daemon("consul-emulator-http"));
        try {
            this.server = bind(0);
        } catch (IOException e) {
            workers.shutdownNow();
            ticker.shutdownNow();
            throw new IllegalStateException("cannot start the Consul emulator", e);
        }
        this.port = server.port();
        long tick = Math.max(1, b.tickInterval.toMillis());
        ticker.scheduleWithFixedDelay(this::scheduledTick, tick, tick, TimeUnit.MILLISECONDS);
    }

    /** A builder for non-default clock, reaper floor or interval. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts an emulator with Consul's defaults. */
    public static ConsulEmulator start() {
        return builder().start();
    }

    // ---- where ---------------------------------------------------------------------------------

    /** The port it listens on (127.0.0.1), kept across {@link #setReachable} outages. */
    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:port}. */
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    /** {@code http://127.0.0.1:port}, or {@code https://…} with TLS. */
    public String url() {
        return (tls == null ? "http://" : "https://") + hostPort();
    }

    // ---- faults --------------------------------------------------------------------------------

    /**
     * {@code false}: stops listening (connections are refused) and drops every open one, blocked
     * queries included. {@code true}: listens again on the same port.
     */
    public void setReachable(boolean reachable) {
        synchronized (serverLock) {
            if (closed) {
                return;
            }
            if (!reachable && server != null) {
                generation.incrementAndGet();
                state.wakeAll();
                server.stop();
                server = null;
            } else if (reachable && server == null) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (true) {
                    try {
                        server = bind(port);
                        return;
                    } catch (BindException e) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("cannot listen on port " + port + " again", e);
                        }
                        sleepQuietly(Duration.ofMillis(50));
                    } catch (IOException e) {
                        throw new IllegalStateException("cannot listen on port " + port + " again", e);
                    }
                }
            }
        }
    }

    /** Whether it listens now. */
    public boolean isReachable() {
        synchronized (serverLock) {
            return server != null;
        }
    }

    /** Misbehaves on every request ({@link Fault#NONE} to stop). */
    public void fault(Fault fault) {
        fault(fault, "");
    }

    /** Misbehaves on requests whose path starts with {@code pathPrefix} (e.g. {@code /v1/health/}). */
    public void fault(Fault fault, String pathPrefix) {
        this.faultPrefix = pathPrefix == null ? "" : pathPrefix;
        this.fault = fault == null ? Fault.NONE : fault;
        if (this.fault == Fault.CLOSE_CONNECTION) {
            generation.incrementAndGet();
            state.wakeAll();
        }
    }

    /** Delays every answer by {@code delay} (zero to stop). */
    /**
     * While on, JSON replies send their status and headers at once and then stall before the body
     * (a proxy or agent that hangs mid-reply); turning it off lets the stalled bodies go out.
     */
    public void stallBodies(boolean on) {
        if (on) {
            stalledBodies = new CountDownLatch(1);
        } else {
            CountDownLatch stalled = stalledBodies;
            stalledBodies = null;
            if (stalled != null) {
                stalled.countDown();
            }
        }
    }

    public void slowReplies(Duration delay) {
        this.slowReplies = delay == null ? Duration.ZERO : delay;
    }

    /** Answers blocking queries at once with the unchanged index, as a broken agent could. */
    public void ignoreWait(boolean ignore) {
        this.ignoreWait = ignore;
        state.wakeAll();
    }

    /** Reports {@code X-Consul-Index: 0} (a bug Consul has had), so a careless client spins. */
    public void reportZeroIndex(boolean zero) {
        this.zeroIndex = zero;
    }

    /**
     * Makes every index go back to {@code 2}, as a snapshot restore does; the next change gets 3.
     * Queries blocked at that moment are woken and answered with the lower index (the old state
     * store's abandon channel); a query that arrives later with an index above 2 is held as any
     * other, until the index passes it or its wait ends.
     */
    public void indexGoesBackwards() {
        state.indexBackTo(2);
    }

    /**
     * An agent restart without persisted state, as a dev agent restarts: connections drop (held
     * blocking queries end without an answer), every service and check is forgotten, and the index
     * starts again from 1, so a client's next blocking query carries an index above the agent's.
     * The port stays closed for the {@linkplain Builder#restartDowntime restart downtime} in between.
     */
    public void restartAgent() {
        boolean wasReachable;
        synchronized (serverLock) {
            wasReachable = server != null;
        }
        setReachable(false);
        state.restart();
        if (wasReachable) {
            // the new process listens only after it has started: a client's immediate resend (the
            // JDK client resends a GET once when a pooled connection closes before any reply) finds
            // the port closed, as it would on a real agent, not the restarted agent with its old index
            sleepQuietly(restartDowntime);
            setReachable(true);
        }
    }

    /** Honours only the first {@code tag} parameter, as agents older than Consul 1.3 do. */
    public void legacyTagFilter(boolean legacy) {
        this.legacyTagFilter = legacy;
    }

    /** The status for a TTL update of an unknown check: 404 (newer agents, default) or 500 (older). */
    public void unknownCheckStatus(int status) {
        this.unknownCheckStatus = status;
    }

    /**
     * Turns ACLs on with the default policy {@code deny}, {@code token} being the one token allowed
     * everything ({@code null}: ACLs off). As Consul answers then: a request without a token runs as
     * the anonymous token, which may do nothing — reads of health and agent listings answer
     * {@code 200} with what it may see (nothing) and {@code X-Consul-Results-Filtered-By-ACLs: true}
     * when something was left out, writes {@code 403 Permission denied: anonymous token lacks
     * permission …}; a token the agent does not know is {@code 403 ACL not found} on every endpoint.
     */
    public void requireToken(String token) {
        this.requiredToken = token;
    }

    /** A token the agent knows that grants nothing (no policy, or only on other services). */
    public void unprivilegedToken(String token) {
        unprivilegedTokens.add(token);
    }

    // ---- what happened ---------------------------------------------------------------------------

    /** Every request received, oldest first. */
    public List<RecordedRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** The requests whose raw path starts with {@code pathPrefix}. */
    public List<RecordedRequest> requests(String pathPrefix) {
        List<RecordedRequest> out = new ArrayList<>();
        for (RecordedRequest r : requests()) {
            if (r.rawPath().startsWith(pathPrefix)) {
                out.add(r);
            }
        }
        return out;
    }

    public void clearRequests() {
        requests.clear();
    }

    /**
     * TCP connections open on the agent's port, counted by the server (Jetty);
     * -1 for the JDK server, which does not tell.
     */
    public int openConnections() {
        synchronized (serverLock) {
            return server == null ? 0 : server.connections();
        }
    }

    /**
     * TCP connections accepted since the last start of listening (Jetty); -1 for the JDK server.
     */
    public long acceptedConnections() {
        synchronized (serverLock) {
            return server == null ? 0 : server.acceptedConnections();
        }
    }

    /** Blocking queries being held right now. */
    public int openBlockingQueries() {
        return blocked.get();
    }

    /** Ids of the registered services. */
    public List<String> serviceIds() {
        return List.copyOf(state.services().keySet());
    }

    /** A registered service as {@code GET /v1/agent/services} shows it, or {@code null}. */
    public JsonNode service(String id) {
        return state.agentServices().get(id);
    }

    /** A check as {@code GET /v1/agent/checks} shows it, or {@code null}. */
    public JsonNode check(String checkId) {
        return state.agentChecks().get(checkId);
    }

    /** The status of a check, or {@code null} when unknown. */
    public String checkStatus(String checkId) {
        JsonNode c = check(checkId);
        return c == null ? null : c.path("Status").asText();
    }

    /** Told of each blocking health reply once the emulator has handed it to the server to write. */
    @FunctionalInterface
    public interface ReplyObserver {

        /**
         * @param service   the service read
         * @param userAgent the request's {@code User-Agent} (which client asked)
         * @param nanoTime  {@link System#nanoTime()} after the reply was handed over
         */
        void written(String service, String userAgent, long nanoTime);
    }

    private volatile ReplyObserver replyObserver;

    /**
     * Tells {@code observer} of every blocking health reply from now on ({@code null}: no one), so
     * that a benchmark can tell the agent's share of a propagation from each client's.
     */
    public void observeBlockingReplies(ReplyObserver observer) {
        this.replyObserver = observer;
    }

    /** The agent's state, for this package's tests. */
    AgentState state() {
        return state;
    }

    /** The index a read of {@code serviceName} reports now. */
    public long index(String serviceName) {
        return state.indexFor(serviceName);
    }

    /** Applies the passage of time now (TTL expiry, reaper) instead of waiting for the next tick. */
    public void tick() {
        for (AgentState.Check c : state.tick()) {
            workers.execute(() -> runCheck(c));
        }
    }

    /** Replaces the clock of TTLs and the reaper (e.g. to jump forward). */
    public void clock(Clock clock) {
        state.clock(clock);
    }

    @Override
    public void close() {
        synchronized (serverLock) {
            if (closed) {
                return;
            }
            closed = true;
            generation.incrementAndGet();
            state.wakeAll();
            if (server != null) {
                server.stop();
                server = null;
            }
        }
        ticker.shutdownNow();
        workers.shutdownNow();
    }

    // ---- serving ---------------------------------------------------------------------------------

    private AgentExchange.Server bind(int port) throws IOException {
        if (jetty) {
            return JettyAgentServer.start(loopback, port, tls, maxConcurrentStreams, this::handle);
        }
        return JdkAgentServer.start(loopback, port, tls, workers, this::handle);
    }

    private void handle(AgentExchange ex) throws IOException {
        int gen = generation.get();
        String method = ex.method();
        URI uri = ex.uri();
        String rawPath = uri.getRawPath() == null ? "" : uri.getRawPath();
        String rawQuery = uri.getRawQuery() == null ? "" : uri.getRawQuery();
        byte[] body = ex.body();
        requests.add(new RecordedRequest(method, rawPath, rawQuery, ex.headers(), new String(body, StandardCharsets.UTF_8)));
        try {
            if (!slowReplies.isZero()) {
                sleepQuietly(slowReplies);
            }
            Fault active = rawPath.startsWith(faultPrefix) ? fault : Fault.NONE;
            switch (active) {
                case CLOSE_CONNECTION -> {
                    ex.close();
                    return;
                }
                case TOO_MANY_REQUESTS -> {
                    text(ex, 429, "Your IP is issuing too many concurrent connections, please rate limit your calls\n");
                    return;
                }
                case SERVER_ERROR -> {
                    text(ex, 500, "No cluster leader");
                    return;
                }
                case UNAVAILABLE -> {
                    text(ex, 503, "rate limit exceeded, try again later");
                    return;
                }
                case PERMISSION_DENIED -> {
                    text(ex, 403, "Permission denied");
                    return;
                }
                default -> { }
            }
            // Go's http.ServeMux (Consul <= 1.17) cleans the decoded path and redirects when it changes
            String decoded = decodePath(rawPath);
            String clean = cleanPath(decoded);
            if (!clean.equals(decoded)) {
                ex.setHeader("Location", escapePath(clean) + (rawQuery.isEmpty() ? "" : "?" + rawQuery));
                text(ex, 301, "<a href=\"" + escapePath(clean) + "\">Moved Permanently</a>.\n\n");
                return;
            }
            Map<String, List<String>> query = parseQuery(rawQuery);
            // the handlers parse the Enterprise scope before they resolve the token
            if (!enterprise) {
                communityEditionScope(ex, query);
            }
            Access access = access(presentedToken(ex, query));
            if (access == null) {
                // acl.ErrNotFound, answered 403 by the HTTP wrapper's isForbidden (agent/http.go)
                text(ex, 403, "ACL not found");
                return;
            }
            route(ex, method, rawPath, query, body, gen, active, access);
        } catch (AgentState.BadRequest e) {
            text(ex, 400, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ex.close();
        } catch (RuntimeException e) {
            text(ex, 500, e.toString());
        } finally {
            ex.close();
        }
    }

    /** Consul CE's {@code parseEntMeta}/{@code parseEntMetaPartition}: namespaces and partitions are refused. */
    private static void communityEditionScope(AgentExchange ex, Map<String, List<String>> query) {
        // Consul refuses only non-empty values (req.Header.Get / req.URL.Query().Get != "")
        if (given(first(ex.headers(), "x-consul-namespace"))) {
            throw new AgentState.BadRequest("Invalid header: \"X-Consul-Namespace\" - Namespaces are a Consul Enterprise feature");
        }
        if (given(first(query, "ns"))) {
            throw new AgentState.BadRequest("Invalid query parameter: \"ns\" - Namespaces are a Consul Enterprise feature");
        }
        if (given(first(ex.headers(), "x-consul-partition"))) {
            throw new AgentState.BadRequest("Invalid header: \"X-Consul-Partition\" - Partitions are a Consul Enterprise feature");
        }
        if (given(first(query, "partition"))) {
            throw new AgentState.BadRequest("Invalid query parameter: \"partition\" - Partitions are a Consul Enterprise feature");
        }
    }

    /**
     * What the presented token may do: everything, or nothing (the anonymous token or a token without
     * rights, under the default policy {@code deny}); {@code null} for a token the agent does not know.
     */
    private record Access(boolean all, String who) {

        static final Access ALL = new Access(true, "");

        /**
         * Consul's {@code acl.PermissionDeniedError.Error()} (acl/errors.go) for a denied
         * {@code resource:level} on {@code name}.
         */
        String denied(String permission, String name) {
            String anonymous = who.isEmpty() ? ". The anonymous token is used implicitly when a request does not"
                    + " specify a token." : "";
            return "Permission denied: " + (who.isEmpty() ? "anonymous token" : "token with AccessorID '" + who + "'")
                    + " lacks permission '" + permission + "' on \"" + name + "\"" + anonymous;
        }
    }

    private Access access(String token) {
        String required = requiredToken;
        if (required == null || required.equals(token)) {
            return Access.ALL;
        }
        if (token == null || token.isEmpty()) {
            return new Access(false, "");
        }
        if (unprivilegedTokens.contains(token)) {
            return new Access(false, UUID.nameUUIDFromBytes(token.getBytes(StandardCharsets.UTF_8)).toString());
        }
        return null;
    }

    /**
     * Consul's {@code setResultsFilteredByACLs} (agent/http.go): the header only when the token's
     * rights left something out, and never for a request without a token ({@code
     * maskResultsFilteredByACLs}, agent/consul/rpc.go; the agent endpoints check {@code token != ""}),
     * so an anonymous reader cannot learn that something is hidden.
     */
    private static void filteredByAcls(AgentExchange ex, Access access, boolean anyLeftOut) {
        if (!access.all() && !access.who().isEmpty() && anyLeftOut) {
            ex.setHeader("X-Consul-Results-Filtered-By-ACLs", "true");
        }
    }

    private void route(AgentExchange ex, String method, String rawPath, Map<String, List<String>> query, byte[] body,
                       int gen, Fault active, Access access) throws IOException, InterruptedException {
        if (rawPath.equals("/v1/agent/service/register")) {
            if (requireMethod(ex, method, "PUT")) {
                JsonNode json;
                try {
                    json = JSON.readTree(body);
                } catch (IOException e) {
                    throw new AgentState.BadRequest("Request decode failed: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
                }
                String name = serviceName(json);
                if (!access.all() && name != null && !name.isEmpty()) {
                    // AgentRegisterService → vetServiceRegisterWithAuthorizer: service:write on the name
                    text(ex, 403, access.denied("service:write", name));
                    return;
                }
                state.register(json, flag(query, "replace-existing-checks"));
                text(ex, 200, "");
            }
        } else if (rawPath.startsWith("/v1/agent/service/maintenance/")) {
            // agent_endpoint.go AgentServiceMaintenance
            if (requireMethod(ex, method, "PUT")) {
                String id = decodePath(rawPath.substring("/v1/agent/service/maintenance/".length()));
                if (id.isEmpty()) {
                    text(ex, 400, "Missing service ID");
                    return;
                }
                if (!query.containsKey("enable")) {
                    text(ex, 400, "Missing value for enable");
                    return;
                }
                String raw = first(query, "enable");
                Boolean enable = switch (raw == null ? "" : raw) {
                    case "1", "t", "T", "TRUE", "true", "True" -> Boolean.TRUE; // Go's strconv.ParseBool
                    case "0", "f", "F", "FALSE", "false", "False" -> Boolean.FALSE;
                    default -> null;
                };
                JsonNode known = state.agentServices().get(id);
                if (enable == null) {
                    text(ex, 400, "Invalid value for enable: \"" + raw + "\"");
                } else if (!access.all() && known != null) {
                    // vetServiceUpdateWithAuthorizer: service:write on the service's name
                    text(ex, 403, access.denied("service:write", known.path("Service").asText()));
                } else if (state.maintenance(id, enable, first(query, "reason"))) {
                    text(ex, 200, "");
                } else {
                    text(ex, 404, "No service registered with ID \"" + id + "\"");
                }
            }
        } else if (rawPath.startsWith("/v1/agent/service/deregister/")) {
            if (requireMethod(ex, method, "PUT")) {
                String id = decodePath(rawPath.substring("/v1/agent/service/deregister/".length()));
                JsonNode known = state.agentServices().get(id);
                if (!access.all() && known != null) {
                    // AgentDeregisterService → vetServiceUpdateWithAuthorizer: service:write on its name
                    text(ex, 403, access.denied("service:write", known.path("Service").asText()));
                } else if (state.deregister(id)) {
                    text(ex, 200, "");
                } else {
                    text(ex, 404, "Unknown service ID \"" + id + "\". Ensure that the service ID is passed, not the service name.");
                }
            }
        } else if (rawPath.startsWith("/v1/agent/check/")) {
            String rest = rawPath.substring("/v1/agent/check/".length());
            int slash = rest.indexOf('/');
            String verb = slash < 0 ? rest : rest.substring(0, slash);
            String id = slash < 0 ? "" : decodePath(rest.substring(slash + 1));
            if (!List.of("pass", "warn", "fail", "update").contains(verb) || id.isEmpty()) {
                text(ex, 404, "");
                return;
            }
            if (!requireMethod(ex, method, "PUT")) {
                return;
            }
            String status;
            String output = first(query, "note");
            switch (verb) {
                case "pass" -> status = "passing";
                case "warn" -> status = "warning";
                case "fail" -> status = "critical";
                default -> {
                    JsonNode update;
                    try {
                        update = JSON.readTree(body);
                    } catch (IOException e) {
                        throw new AgentState.BadRequest("Request decode failed: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
                    }
                    status = update == null ? "" : update.path("Status").asText("");
                    output = update == null ? "" : update.path("Output").asText("");
                    if (!List.of("passing", "warning", "critical").contains(status)) {
                        throw new AgentState.BadRequest("Invalid check status: \"" + status + "\"");
                    }
                }
            }
            JsonNode check = state.agentChecks().get(id);
            if (!access.all() && check != null) {
                // AgentCheckPass/Update → vetCheckUpdateWithAuthorizer: service:write, or node:write for a node check
                String service = check.path("ServiceName").asText();
                text(ex, 403, service.isEmpty() ? access.denied("node:write", AgentState.NODE)
                        : access.denied("service:write", service));
                return;
            }
            switch (state.updateTtl(id, status, output)) {
                case OK -> text(ex, 200, "");
                case UNKNOWN -> text(ex, unknownCheckStatus, unknownCheckStatus == 404
                        ? "Unknown check ID \"" + id + "\". Ensure that the check ID is passed, not the check name."
                        : "CheckID \"" + id + "\" does not have associated TTL");
                case NOT_TTL -> text(ex, 500, "CheckID \"" + id + "\" does not have associated TTL");
            }
        } else if (rawPath.equals("/v1/agent/services")) {
            if (requireMethod(ex, method, "GET")) {
                // AgentServices: filterServicesWithAuthorizer leaves out what the token may not read
                var services = state.agentServices();
                filteredByAcls(ex, access, !services.isEmpty());
                json(ex, access.all() ? services.toString() : "{}", -1, active);
            }
        } else if (rawPath.equals("/v1/agent/checks")) {
            if (requireMethod(ex, method, "GET")) {
                var checks = state.agentChecks();
                filteredByAcls(ex, access, !checks.isEmpty());
                json(ex, access.all() ? checks.toString() : "{}", -1, active);
            }
        } else if (rawPath.equals("/v1/agent/self")) {
            if (requireMethod(ex, method, "GET")) {
                if (!access.all()) {
                    // AgentSelf: agent:read on the node
                    text(ex, 403, access.denied("agent:read", AgentState.NODE));
                    return;
                }
                json(ex, state.self().toString(), -1, active);
            }
        } else if (rawPath.startsWith("/v1/health/service/")) {
            if (requireMethod(ex, method, "GET")) {
                health(ex, decodePath(rawPath.substring("/v1/health/service/".length())), query, gen, active, access);
            }
        } else if (rawPath.equals("/v1/status/leader")) {
            if (requireMethod(ex, method, "GET")) {
                // Status.Leader: no ACL, the leader's server address as a JSON string (the emulated
                // agent is its own single server)
                json(ex, "\"127.0.0.1:8300\"", -1, active);
            }
        } else {
            text(ex, 404, "");
        }
    }

    private void health(AgentExchange ex, String name, Map<String, List<String>> query, int gen, Fault active,
                        Access access) throws IOException, InterruptedException {
        String dc = first(query, "dc");
        if (dc != null && !dc.isEmpty() && !dc.equals(AgentState.DATACENTER)) {
            text(ex, 500, "No path to datacenter");
            return;
        }
        boolean passing = flag(query, "passing");
        List<String> tags = query.getOrDefault("tag", List.of());
        if (legacyTagFilter && tags.size() > 1) {
            tags = tags.subList(0, 1);
        }
        long index = 0;
        String rawIndex = first(query, "index");
        if (rawIndex != null && !rawIndex.isEmpty()) {
            try {
                index = Long.parseUnsignedLong(rawIndex);
            } catch (NumberFormatException e) {
                throw new AgentState.BadRequest("Invalid index");
            }
        }
        Duration wait = DEFAULT_WAIT;
        String rawWait = first(query, "wait");
        if (rawWait != null && !rawWait.isEmpty()) {
            try {
                wait = GoDuration.parse(rawWait);
            } catch (IllegalArgumentException e) {
                throw new AgentState.BadRequest("Invalid wait time");
            }
            if (wait.compareTo(MAX_WAIT) > 0) {
                wait = MAX_WAIT;
            }
        }
        if (index > 0 && !ignoreWait) {
            long jitter = wait.toNanos() / 16 <= 0 ? 0 : ThreadLocalRandom.current().nextLong(wait.toNanos() / 16 + 1);
            long deadline = System.nanoTime() + wait.toNanos() + jitter;
            blocked.incrementAndGet();
            try {
                state.awaitChange(name, index, deadline, () -> generation.get() != gen || ignoreWait);
            } finally {
                blocked.decrementAndGet();
            }
            if (generation.get() != gen) {
                ex.close();
                return;
            }
        }
        AgentState.HealthRead read = state.healthRead(name, passing, tags);
        // Health.ServiceNodes → filterACL: filterCheckServiceNodes drops every entry whose node or
        // service the token may not read and reports whether it dropped any (agent/consul/acl.go),
        // before the agent drops the non-passing ones
        filteredByAcls(ex, access, read.anyBeforeStatusFilter());
        String body = access.all() ? read.entries().toString() : "[]";
        json(ex, body, zeroIndex ? 0 : read.index(), active);
        ReplyObserver observer = replyObserver;
        if (observer != null && index > 0) {
            observer.written(name, String.valueOf(ex.header("User-Agent")), System.nanoTime());
        }
    }

    private void runCheck(AgentState.Check c) {
        String status;
        String output;
        int timeout = (int) Math.max(1, c.timeout.toMillis());
        if (c.http != null && !c.http.isEmpty()) {
            try {
                HttpURLConnection conn = (HttpURLConnection) URI.create(c.http).toURL().openConnection();
                conn.setConnectTimeout(timeout);
                conn.setReadTimeout(timeout);
                int code = conn.getResponseCode();
                conn.disconnect();
                status = code >= 200 && code < 300 ? "passing" : code == 429 ? "warning" : "critical";
                output = "HTTP GET " + c.http + ": " + code;
            } catch (IOException | RuntimeException e) {
                status = "critical";
                output = "Get \"" + c.http + "\": " + e;
            }
        } else {
            String target = c.tcp;
            int colon = target.lastIndexOf(':');
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1))),
                        timeout);
                status = "passing";
                output = "TCP connect " + target + ": Success";
            } catch (IOException | RuntimeException e) {
                status = "critical";
                output = "dial tcp " + target + ": " + e.getMessage();
            }
        }
        state.checkRan(c, status, output);
    }

    private void scheduledTick() {
        if (closed) {
            return;
        }
        try {
            tick();
        } catch (RuntimeException e) {
            // a tick that failed must not stop the next ones
        }
    }

    // ---- HTTP details ----------------------------------------------------------------------------

    private boolean requireMethod(AgentExchange ex, String method, String wanted) throws IOException {
        if (method.equals(wanted)) {
            return true;
        }
        text(ex, 405, "method " + method + " not allowed");
        return false;
    }

    /** Go's {@code bufferBeforeChunkingSize}: longer replies go out chunked over HTTP/1.1. */
    static final int GO_CHUNKING_THRESHOLD = 2048;

    private void json(AgentExchange ex, String body, long index, Fault active) throws IOException {
        if (active == Fault.MALFORMED_JSON) {
            body = body.length() > 12 ? body.substring(0, body.length() / 2) + "\u0000}" : "[{\"Node\":";
        }
        if (index >= 0) {
            ex.setHeader("X-Consul-Index", Long.toString(index));
            ex.setHeader("X-Consul-KnownLeader", "true");
            ex.setHeader("X-Consul-LastContact", "0");
            ex.setHeader("X-Consul-Effective-Consistency", "leader");
        }
        ex.setHeader("Content-Type", "application/json");
        ex.setHeader("Vary", "Accept-Encoding");
        CountDownLatch stalled = stalledBodies;
        if (stalled != null) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            try (OutputStream out = ex.respond(200, bytes.length)) {
                out.flush();
                stalled.await(30, TimeUnit.SECONDS);
                out.write(bytes);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        send(ex, 200, body.getBytes(StandardCharsets.UTF_8));
    }

    private void text(AgentExchange ex, int status, String body) throws IOException {
        ex.setHeader("Content-Type", "text/plain; charset=utf-8");
        send(ex, status, body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Consul's handlers write a reply in one {@code resp.Write} without a length ({@code wrap} in
     * agent/http.go); Go's {@code net/http} then gives a {@code Content-Length} only to a body that
     * fits its {@value #GO_CHUNKING_THRESHOLD}-byte buffer ({@code bufferBeforeChunkingSize},
     * {@code chunkWriter.writeHeader} in net/http/server.go) and sends longer ones chunked.
     */
    private static void send(AgentExchange ex, int status, byte[] body) throws IOException {
        ex.reply(status, body, body.length > GO_CHUNKING_THRESHOLD);
    }

    /** Consul's {@code parseTokenInternal} (agent/http.go): {@code ?token=}, then X-Consul-Token, then a Bearer token. */
    private static String presentedToken(AgentExchange ex, Map<String, List<String>> query) {
        String param = first(query, "token");
        if (param != null && !param.isEmpty()) {
            return param;
        }
        String header = ex.header("X-Consul-Token");
        if (header != null && !header.isEmpty()) {
            return header;
        }
        String auth = ex.header("Authorization");
        if (auth != null) {
            String[] parts = auth.trim().split(" +");
            if (parts.length > 1 && parts[0].equalsIgnoreCase("bearer")) {
                return parts[1];
            }
        }
        return null;
    }

    /** The service name of a registration body (field names folded as Consul's decoder does), or null. */
    private static String serviceName(JsonNode body) {
        if (body == null || !body.isObject()) {
            return null;
        }
        for (Map.Entry<String, JsonNode> e : body.properties()) {
            if (e.getKey().equalsIgnoreCase("name") && e.getValue().isTextual()) {
                return e.getValue().asText();
            }
        }
        return null;
    }

    private static boolean flag(Map<String, List<String>> query, String name) {
        if (!query.containsKey(name)) {
            return false;
        }
        String v = first(query, name);
        return v == null || v.isEmpty() || !(v.equalsIgnoreCase("false") || v.equals("0"));
    }

    private static boolean given(String value) {
        return value != null && !value.isEmpty();
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** A query as Go's {@code url.ParseQuery} reads it: {@code +} is a space, {@code %XX} decoded. */
    static Map<String, List<String>> parseQuery(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = percentDecode(eq < 0 ? pair : pair.substring(0, eq), true);
            String v = eq < 0 ? "" : percentDecode(pair.substring(eq + 1), true);
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return out;
    }

    /** Go's {@code cleanPath} of net/http: {@code path.Clean}, keeping a trailing slash. */
    static String cleanPath(String p) {
        if (p.isEmpty()) {
            return "/";
        }
        String rooted = p.startsWith("/") ? p : "/" + p;
        java.util.ArrayDeque<String> stack = new java.util.ArrayDeque<>();
        for (String segment : rooted.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                stack.pollLast();
            } else {
                stack.addLast(segment);
            }
        }
        String clean = "/" + String.join("/", stack);
        if (rooted.endsWith("/") && !clean.equals("/")) {
            clean += "/";
        }
        return clean;
    }

    private static String escapePath(String path) {
        StringBuilder sb = new StringBuilder();
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "-._~/:@!$&'()*+,;=".indexOf(c) >= 0) {
                sb.append((char) c);
            } else {
                sb.append('%').append(String.format("%02X", c));
            }
        }
        return sb.toString();
    }

    /** A path remainder %-decoded as Go's {@code URL.Path} is ({@code +} stays a plus). */
    static String decodePath(String raw) {
        return percentDecode(raw, false);
    }

    private static String percentDecode(String s, boolean plusIsSpace) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi >= 0 && lo >= 0) {
                    out.write(hi * 16 + lo);
                    i += 2;
                    continue;
                }
                throw new AgentState.BadRequest("invalid URL escape \"" + s.substring(i, Math.min(s.length(), i + 3)) + "\"");
            } else if (c == '%') {
                throw new AgentState.BadRequest("invalid URL escape \"" + s.substring(i) + "\"");
            } else if (c == '+' && plusIsSpace) {
                out.write(' ');
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
