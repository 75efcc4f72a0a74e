package dev.naming.discovery.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One bilibili/discovery node over HTTP on 127.0.0.1 and an ephemeral port: a port of the server's
 * handlers ({@code http/discovery.go}, {@code http/http.go}), of {@code discovery/*.go} (replication,
 * start-up sync, protect mode) and of the registry ({@link EmulatedRegistry}). The table in
 * {@code docs/DISCOVERY.md} ("The discovery emulator") names the server function each behaviour
 * follows and lists what is left out.
 *
 * <p>Held polls behave as on the server: a request is filed under its {@code hostname}, requests
 * sharing a hostname share one wake-up channel, and a client that hangs up does not end its held
 * request (the server's handler context is not the connection's): the request waits out its hold
 * and its entry keeps taking wake-ups meanwhile. {@link #heldPolls()} counts the held requests whose
 * client is still connected; {@link #waitingPollHandlers()} counts them all.
 *
 * <p>Test controls that are not server behaviour: the fault switches ({@link #down()}/{@link #up()}
 * as a network cut, {@link #malformed(boolean)}, {@link #slow(Duration)}, {@link #stallBodies(boolean)},
 * {@link #serverError(boolean)}, {@link #httpStatus(int)}), {@link #selfPreservation(boolean)},
 * {@link #evictAll()}, direct {@link #register}/{@link #cancel} without replication, a clock a test
 * moves ({@link #clock()}) and an eviction sweep that runs when a test calls {@link #sweep()}. Every
 * request is recorded with the client port that identifies its TCP connection; clients connect
 * through a {@link ConnectionFront} that counts connections.
 */
public final class DiscoveryEmulator implements AutoCloseable {

    static {
        // HttpServer writes a reply's headers and body separately; with Nagle on its sockets each
        // reply waits for a delayed ACK (~40 ms). Read once, when the first HttpServer starts.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** {@code innerRouter}: path below {@code /discovery/} to method. */
    private static final Map<String, String> ROUTES = Map.ofEntries(Map.entry("register", "POST"),
            Map.entry("renew", "POST"), Map.entry("cancel", "POST"), Map.entry("fetch/all", "GET"),
            Map.entry("fetch", "GET"), Map.entry("fetchs", "GET"), Map.entry("poll", "GET"),
            Map.entry("polls", "GET"), Map.entry("set", "POST"), Map.entry("nodes", "GET"));
    /** The routes behind {@code initProtect}. */
    private static final Set<String> PROTECTED = Set.of("fetch/all", "fetch", "fetchs", "poll", "polls", "nodes");

    /** {@code model.NodeStatusUP} / {@code model.NodeStatusLost}. */
    private static final int NODE_UP = 0;
    private static final int NODE_LOST = 1;

    /** What a held poll's wait returns when the node's process restarted or closed under it. */
    private static final ObjectNode KILLED = EmulatedRegistry.JSON.createObjectNode();

    /** A reply to write: JSON, or HTTP 200 with no body (a handler that returned without writing). */
    private record Answer(ObjectNode json) {
        static final Answer EMPTY = new Answer(null);
    }

    /** The environment of the tests' clients, where a node deploys unless told otherwise. */
    public static final String DEFAULT_ENV = "test";
    /** {@code model.AppID}: the app every node registers itself in. */
    public static final String SELF_APPID = "infra.discovery";

    private final EmulatorClock clock;
    private final String zone;
    /** The server's {@code DEPLOY_ENV} ({@code c.Env.DeployEnv}): where its own instance is registered. */
    private final String deployEnv;
    /** The node's own instance as {@code regSelf} built it at the process's start. */
    private volatile EmulatedRegistry.Instance self;
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final Map<DiscoveryEmulator, Integer> nodeStatus = new ConcurrentHashMap<>();
    private final Set<Thread> pollHandlers = ConcurrentHashMap.newKeySet();
    private final Map<Thread, Integer> heldConnections = new ConcurrentHashMap<>();
    private final ExecutorService executor;
    private final HttpServer server;
    private final ConnectionFront front;
    private volatile List<DiscoveryEmulator> nodes = List.of(this);
    private volatile EmulatedRegistry registry;
    /** Counts process starts: what a request began under ends with that process. Written by stopProcess only. */
    private volatile int processLife;
    private volatile boolean selfPreservation = true;
    private volatile Duration hold = Duration.ofSeconds(30);
    private volatile Duration slow = Duration.ZERO;
    private volatile CountDownLatch stalledBodies;
    private volatile boolean malformed;
    private volatile boolean serverError;
    private volatile int httpStatus;
    /** {@code Discovery.protected}: reads answer -500 until this {@link System#nanoTime()}; MAX_VALUE = until cleared. */
    private volatile long protectedUntil = Long.MIN_VALUE;

    /** A single node with its own clock, deployed in {@link #DEFAULT_ENV}. */
    public static DiscoveryEmulator start() {
        return start(DEFAULT_ENV);
    }

    /** A single node with its own clock whose {@code DEPLOY_ENV} is {@code deployEnv}: its own instance is there. */
    public static DiscoveryEmulator start(String deployEnv) {
        DiscoveryEmulator node = new DiscoveryEmulator(new EmulatorClock(), "sh001", deployEnv);
        node.regSelf();
        return node;
    }

    /** Started by {@link #start} or {@link DiscoveryCluster}, which then call {@link #regSelf()}. */
    DiscoveryEmulator(EmulatorClock clock, String zone, String deployEnv) {
        this.clock = clock;
        this.zone = zone;
        this.deployEnv = deployEnv;
        this.registry = new EmulatedRegistry(clock);
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "discovery-emulator-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.server = listen();
        this.front = new ConnectionFront(server.getAddress().getPort(), "discovery-emulator");
        nodeStatus.put(this, NODE_UP);
    }

    // ---- test controls --------------------------------------------------------------------------

    public int port() {
        return front.port();
    }

    /** {@code 127.0.0.1:port}. */
    public String address() {
        return "127.0.0.1:" + front.port();
    }

    /**
     * Closes a keep-alive connection that carried no request for this long: a proxy or load
     * balancer in front. The server itself (kratos {@code blademaster} with discovery's configuration,
     * no read or idle timeout) keeps idle connections open; so does this node unless told.
     */
    public DiscoveryEmulator idleTimeout(Duration timeout) {
        front.idleTimeout(timeout);
        return this;
    }

    /** TCP connections accepted since the start. */
    public int acceptedConnections() {
        return front.accepted();
    }

    public EmulatorClock clock() {
        return clock;
    }

    /** How long polls are held before -304 (the server's {@code _pollWaitSecond}, 30 s). */
    public DiscoveryEmulator hold(Duration hold) {
        this.hold = hold;
        return this;
    }

    /**
     * While on, replies send their status and headers at once and stall before the body (a proxy
     * or server hanging mid-reply); turning it off lets the stalled bodies go out.
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

    /** Every reply is delayed this long. */
    public void slow(Duration delay) {
        this.slow = delay;
    }

    /** Replies are cut-off JSON. */
    public void malformed(boolean on) {
        this.malformed = on;
    }

    /** The server's protect flag ({@code Discovery.protected}): reads answer -500, writes work. */
    public void protect(boolean on) {
        this.protectedUntil = on ? Long.MAX_VALUE : Long.MIN_VALUE;
    }

    /** Whether reads answer -500 right now. */
    public boolean isProtected() {
        return System.nanoTime() < protectedUntil;
    }

    /** Every call answers -500, writes included (a broken node). */
    public void serverError(boolean on) {
        this.serverError = on;
    }

    /** Every request answers this HTTP status with no body (a proxy in front: 429, 503 …); 0 turns it off. */
    public void httpStatus(int status) {
        this.httpStatus = status;
    }

    /**
     * The node's network is cut: every connection drops, new ones are closed as soon as accepted. The
     * process lives on: held polls wait out their hold, as the server does not notice its clients go.
     */
    public void down() {
        front.down();
    }

    /** The network is back: the node listens on the same port with the registry as it was. */
    public void up() {
        front.up();
    }

    public boolean isDown() {
        return !front.isUp();
    }

    /**
     * The node's process restarts and forgets everything: registrations, held polls (their
     * connections drop, unanswered), the renewal counts, its view of the other nodes. On start it
     * copies the registry of every other node that answers ({@code syncUp}), as the server does.
     */
    public void restart() {
        restart(Duration.ZERO);
    }

    /**
     * As {@link #restart()} with the server's {@code enableProtect}: reads answer -500 until a copy
     * from another node succeeded or {@code protectFor} passed (the server: 60 s, {@code exitProtect}).
     */
    public void restart(Duration protectFor) {
        stopProcess(protectFor);
        startProcess();
    }

    /** Not in the server: {@code false} makes the guard never hold eviction back. */
    public void selfPreservation(boolean enabled) {
        this.selfPreservation = enabled;
        registry.selfPreservation(enabled);
    }

    /**
     * One minute tick of the server's {@code proc}: the guard's renewal count rolls, then {@code evict}.
     * The minute before it held two ticks of {@code regSelf}'s 30 s renewal of the node's own instance.
     */
    public int sweep() {
        renewSelf();
        renewSelf();
        return registry.minuteTick();
    }

    /** Not in the server: cancels every instance at once as eviction does (pollers are woken), without its limits. */
    public void evictAll() {
        registry.evictAll();
    }

    /** Registers directly, as the register handler would for a client, without replication. */
    public void register(String env, String zone, String appid, String hostname, List<String> addrs,
                         Map<String, String> metadata) {
        EmulatedRegistry.Instance i = newInstance(env, zone, appid, hostname, addrs, 1);
        i.metadata = new TreeMap<>(metadata);
        registry.register(i, 0);
    }

    /** Cancels directly, as the cancel handler would for a client, without replication. */
    public boolean cancel(String env, String zone, String appid, String hostname) {
        return registry.cancel(zone, env, appid, hostname, 0) != null;
    }

    /** The instances of an app as stored, any status. */
    public List<StoredInstance> instances(String env, String appid) {
        return registry.instances(env, appid).stream().map(i -> new StoredInstance(i.env, i.zone, i.appid, i.hostname,
                i.addrs == null ? List.of() : List.copyOf(i.addrs),
                i.metadata == null ? Map.of() : Map.copyOf(i.metadata), i.status, i.latestTimestamp)).toList();
    }

    /** Instances clients registered: the node's own {@value #SELF_APPID} ones are not counted. */
    public int instanceCount() {
        return registry.instanceCountExcept(SELF_APPID);
    }

    /** Polls held right now whose client is still connected. */
    public int heldPolls() {
        return (int) heldConnections.values().stream().filter(front::isOpen).count();
    }

    /** Poll handlers waiting right now, those whose client hung up included (the server does not notice). */
    public int waitingPollHandlers() {
        return heldConnections.size();
    }

    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    public List<RecordedRequest> requests(String call) {
        return requests.stream().filter(r -> r.call().equals(call)).toList();
    }

    /** Distinct client ports seen: the number of TCP connections opened to this node. */
    public int connections() {
        return (int) requests.stream().mapToInt(RecordedRequest::clientPort).distinct().count();
    }

    public void clearRequests() {
        requests.clear();
    }

    /** The nodes of this node's cluster, itself included, in configuration order. */
    void cluster(List<DiscoveryEmulator> all) {
        this.nodes = List.copyOf(all);
        for (DiscoveryEmulator n : all) {
            nodeStatus.put(n, n == this ? NODE_UP : NODE_LOST);
        }
    }

    /** The first half of a restart: the process is gone. */
    void stopProcess(Duration protectFor) {
        processLife++;
        front.down();
        pollHandlers.forEach(Thread::interrupt);
        EmulatedRegistry fresh = new EmulatedRegistry(clock);
        fresh.selfPreservation(selfPreservation);
        registry = fresh;
        for (DiscoveryEmulator n : nodes) {
            nodeStatus.put(n, NODE_LOST); // newNode: every node starts lost
        }
        protectedUntil = protectFor.isZero() ? Long.MIN_VALUE : System.nanoTime() + protectFor.toNanos();
    }

    /** The second half: {@code syncUp} from the other nodes, then listening again. */
    void startProcess() {
        syncUp();
        nodeStatus.put(this, NODE_UP); // Nodes.UP
        regSelf();
        front.up();
    }

    /**
     * {@code regSelf}: the process registers itself as {@value #SELF_APPID} with every timestamp
     * now (a restarted node's instance is newer than any a client saw) and replicates it.
     */
    void regSelf() {
        EmulatedRegistry.Instance i = newInstance(deployEnv, zone, SELF_APPID, "discovery-" + front.port(),
                List.of("http://" + address()), 1);
        self = i;
        registerSelf();
    }

    /** {@code d.Register(ctx, ins, now, false)}: the instance {@code regSelf} built, replicated. */
    private void registerSelf() {
        EmulatedRegistry.Instance i = self.copy();
        registry.register(i, i.latestTimestamp);
        replicate("register", i);
    }

    /**
     * {@code regSelf}'s 30 s ticker: a renewal of the node's own instance (replicated), or its
     * registration again when the node answers NothingFound.
     */
    private void renewSelf() {
        EmulatedRegistry.Instance i = self;
        EmulatedRegistry.Renewed r = registry.renew(i.zone, i.env, i.appid, i.hostname);
        if (r.ok()) {
            replicateRenew(r.instance());
        } else {
            registerSelf();
        }
    }

    @Override
    public void close() {
        front.close();
        pollHandlers.forEach(Thread::interrupt);
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- HTTP -------------------------------------------------------------------------------------

    private HttpServer listen() {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            s.createContext("/", this::handle);
            s.setExecutor(executor);
            s.start();
            return s;
        } catch (IOException e) {
            throw new IllegalStateException("emulator cannot listen", e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        int upstream = ex.getRemoteAddress().getPort();
        // a request the old process was still handling when it stopped gets no reply from it
        int life = processLife;
        front.begin(upstream);
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            String raw = ex.getRequestURI().getRawQuery();
            String query = raw == null ? "" : raw;
            byte[] bodyBytes;
            try (InputStream in = ex.getRequestBody()) {
                bodyBytes = in.readAllBytes();
            }
            String body = new String(bodyBytes, StandardCharsets.UTF_8);
            String contentType = ex.getRequestHeaders().getFirst("Content-Type");
            // Go's ParseForm: a form body only with its content type, its values before the query's
            Map<String, List<String>> params = new LinkedHashMap<>();
            boolean form = contentType != null && contentType.toLowerCase().startsWith("application/x-www-form-urlencoded");
            if ("POST".equals(ex.getRequestMethod()) && form) {
                parse(body, params);
            }
            parse(query, params);
            String call = path.startsWith("/discovery/") ? path.substring("/discovery/".length()) : path;
            requests.add(new RecordedRequest(ex.getRequestMethod(), call, query, body, Collections.unmodifiableMap(params),
                    contentType, front.clientPort(upstream)));
            String method = path.startsWith("/discovery/") ? ROUTES.get(call) : null;
            if (method == null) {
                text(ex, 404, "404 page not found");
                return;
            }
            if (!method.equals(ex.getRequestMethod())) {
                text(ex, 405, "Method Not Allowed");
                return;
            }
            int status = httpStatus;
            if (status != 0) {
                ex.sendResponseHeaders(status, -1);
                return;
            }
            Answer answer;
            if (serverError) {
                answer = new Answer(json(-500, null));
            } else if (isProtected() && PROTECTED.contains(call)) {
                answer = new Answer(json(-500, null)); // initProtect: errProtected is no ecode, so -500
            } else {
                answer = route(call, params, upstream);
            }
            if (answer == null || life != processLife) {
                return; // the process restarted while handling it: no reply
            }
            pause(slow);
            byte[] out;
            if (malformed) {
                out = "{\"code\":0,\"message\":\"0\",\"data\":{\"instances\":".getBytes(StandardCharsets.UTF_8);
            } else if (answer.json() == null) {
                out = new byte[0];
            } else {
                out = EmulatedRegistry.JSON.writeValueAsBytes(answer.json());
            }
            if (out.length > 0) {
                ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            }
            ex.sendResponseHeaders(200, out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream os = ex.getResponseBody()) {
                    CountDownLatch stalled = stalledBodies;
                    if (stalled != null) {
                        os.flush();
                        stalled.await(30, TimeUnit.SECONDS);
                    }
                    os.write(out);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        } catch (IOException e) {
            // the client went away (or the node went down) mid-reply: nothing to answer
        } finally {
            front.end(upstream);
        }
    }

    private Answer route(String call, Map<String, List<String>> p, int upstream) {
        return switch (call) {
            case "register" -> register(p);
            case "renew" -> new Answer(renew(p));
            case "cancel" -> new Answer(cancel(p));
            case "set" -> new Answer(set(p));
            case "fetch/all" -> new Answer(json(0, registry.fetchAll()));
            case "fetch" -> new Answer(fetch(p));
            case "fetchs" -> new Answer(fetchs(p));
            case "poll" -> poll(p, upstream, true);
            case "polls" -> poll(p, upstream, false);
            case "nodes" -> new Answer(json(0, nodesJson()));
            default -> throw new IllegalStateException(call);
        };
    }

    /**
     * A write replicated from another node, served without the HTTP layer. {@code null} stands for
     * the errors the peer's HTTP client gets (no connection, an HTTP status, an undecodable body).
     */
    private ObjectNode replica(String call, Map<String, List<String>> p) {
        if (isDown() || httpStatus != 0) {
            return null;
        }
        if (serverError) {
            return json(-500, null);
        }
        Answer a = route(call, p, -1);
        return malformed || a == null ? null : a.json();
    }

    // ---- handlers (http/discovery.go) -------------------------------------------------------------

    /** {@code register}, then {@code Discovery.Register}: the registry, then replication unless replicated. */
    private Answer register(Map<String, List<String>> p) {
        Bind b = new Bind(p);
        String region = b.str("region");
        String zone = b.required("zone");
        String env = b.required("env");
        String appid = b.required("appid");
        String hostname = b.required("hostname");
        long status = b.uint32Required("status");
        List<String> addrs = b.nonEmptyList("addrs");
        String version = b.str("version");
        String metadata = b.str("metadata");
        boolean replication = b.bool("replication");
        long latestTimestamp = b.int64("latest_timestamp");
        long dirtyTimestamp = b.int64("dirty_timestamp");
        b.bool("from_zone");
        if (b.failed()) {
            return new Answer(b.error());
        }
        EmulatedRegistry.Instance i = newInstance(env, zone, appid, hostname, addrs, (int) status);
        i.region = region;
        i.version = version;
        if (!metadata.isEmpty()) {
            i.metadata = unmarshalMetadata(metadata);
        }
        if (status == 0 || status > 2) {
            return Answer.EMPTY; // logs "register params status invalid" and writes nothing
        }
        if (!metadata.isEmpty() && !validJson(metadata)) {
            return new Answer(json(-400, null));
        }
        if (dirtyTimestamp > 0) {
            i.dirtyTimestamp = dirtyTimestamp;
        }
        registry.register(i, latestTimestamp);
        if (!replication) {
            replicate("register", i);
        }
        return new Answer(json(0, null));
    }

    /** {@code renew} with {@code Discovery.Renew}: a replicated renew compares dirty timestamps (-404 / -409). */
    private ObjectNode renew(Map<String, List<String>> p) {
        Bind b = new Bind(p);
        String zone = b.required("zone");
        String env = b.required("env");
        String appid = b.required("appid");
        String hostname = b.required("hostname");
        boolean replication = b.bool("replication");
        long dirtyTimestamp = b.int64("dirty_timestamp");
        b.bool("from_zone");
        if (b.failed()) {
            return b.error();
        }
        EmulatedRegistry.Renewed r = registry.renew(zone, env, appid, hostname);
        JsonNode data = r.instance() == null ? NullNode.getInstance() : r.instance().json();
        if (!r.ok()) {
            return json(-404, data);
        }
        if (!replication) {
            replicateRenew(r.instance());
            return json(0, data);
        }
        if (dirtyTimestamp > r.instance().dirtyTimestamp) {
            return json(-404, data);
        }
        if (dirtyTimestamp < r.instance().dirtyTimestamp) {
            return json(-409, data);
        }
        return json(0, data);
    }

    /** {@code cancel} with {@code Discovery.Cancel}. */
    private ObjectNode cancel(Map<String, List<String>> p) {
        Bind b = new Bind(p);
        String zone = b.required("zone");
        String env = b.required("env");
        String appid = b.required("appid");
        String hostname = b.required("hostname");
        b.bool("from_zone");
        boolean replication = b.bool("replication");
        long latestTimestamp = b.int64("latest_timestamp");
        if (b.failed()) {
            return b.error();
        }
        EmulatedRegistry.Instance i = registry.cancel(zone, env, appid, hostname, latestTimestamp);
        if (i == null) {
            return json(-404, null);
        }
        if (!replication) {
            replicate("cancel", i);
        }
        return json(0, null);
    }

    /** {@code set} with {@code Discovery.Set}: replicated whatever the local outcome. */
    private ObjectNode set(Map<String, List<String>> p) {
        Bind b = new Bind(p);
        String region = b.str("region");
        String zone = b.required("zone");
        String env = b.required("env");
        String appid = b.required("appid");
        List<String> hostnames = b.list("hostname");
        List<Long> statuses = b.int64s("status");
        List<String> metadata = b.list("metadata");
        boolean replication = b.bool("replication");
        b.bool("from_zone");
        long setTimestamp = b.int64("set_timestamp");
        if (b.failed()) {
            return b.error();
        }
        if ((hostnames.size() != statuses.size() && !statuses.isEmpty())
                || (hostnames.size() != metadata.size() && !metadata.isEmpty())) {
            return json(-400, null);
        }
        if (setTimestamp == 0) {
            setTimestamp = clock.nanos();
        }
        boolean ok = registry.set(zone, env, appid, hostnames, statuses, metadata, setTimestamp);
        if (!replication) {
            Map<String, List<String>> params = new LinkedHashMap<>();
            put(params, "region", region);
            put(params, "zone", zone);
            put(params, "env", env);
            put(params, "appid", appid);
            put(params, "set_timestamp", Long.toString(setTimestamp));
            put(params, "from_zone", "true");
            put(params, "replication", "true");
            params.put("hostname", hostnames);
            params.put("status", statuses.stream().map(String::valueOf).toList());
            params.put("metadata", metadata);
            for (DiscoveryEmulator peer : peers()) {
                peer.replica("set", params);
            }
        }
        return json(ok ? 0 : -400, null);
    }

    /** {@code fetch}: -404 carries {@code "data":null} (a nil {@code *InstanceInfo}). */
    private ObjectNode fetch(Map<String, List<String>> p) {
        Bind b = new Bind(p);
        String zone = b.str("zone");
        String env = b.required("env");
        String appid = b.required("appid");
        long status = b.uint32Required("status");
        if (b.failed()) {
            return b.error();
        }
        EmulatedRegistry.Fetched f = registry.fetch(zone, env, appid, 0, (int) status);
        return f.found() ? json(0, f.info()) : json(f.code(), NullNode.getInstance());
    }

    /** {@code fetchs} with {@code Discovery.Fetchs}: unknown apps are left out. */
    private ObjectNode fetchs(Map<String, List<String>> p) {
        Bind b = new Bind(p);
        String zone = b.str("zone");
        String env = b.required("env");
        List<String> appids = b.nonEmptyList("appid");
        long status = b.uint32Required("status");
        if (b.failed()) {
            return b.error();
        }
        Map<String, ObjectNode> found = new TreeMap<>();
        for (String appid : appids) {
            EmulatedRegistry.Fetched f = registry.fetch(zone, env, appid, 0, (int) status);
            if (f.found()) {
                found.put(appid, f.info());
            }
        }
        ObjectNode data = EmulatedRegistry.JSON.createObjectNode();
        found.forEach(data::set);
        return json(0, data);
    }

    /**
     * {@code polls} and {@code poll}. The -404 list is the one {@code Polls} computed when the
     * request arrived; a woken request answers with whatever one message its channel gave it, which
     * may be for an app it did not ask for when another request shares its hostname. {@code poll}
     * has no length check ({@code Polls} then takes every timestamp as 0), answers -404 when its
     * first app is missing (leaving the request filed, as the server does), and answers only the
     * first app's info, or null.
     */
    private Answer poll(Map<String, List<String>> p, int upstream, boolean single) {
        Bind b = new Bind(p);
        String zone = b.str("zone");
        String env = b.required("env");
        List<String> appids = b.nonEmptyList("appid");
        String hostname = b.required("hostname");
        List<Long> stamps = b.int64s("latest_timestamp");
        if (b.failed()) {
            return new Answer(b.error());
        }
        if (!single && appids.size() != stamps.size()) {
            return new Answer(json(-400, null));
        }
        EmulatedRegistry registry = this.registry;
        EmulatedRegistry.PollArgs arg = new EmulatedRegistry.PollArgs(zone, env, appids, hostname, stamps);
        EmulatedRegistry.PollsResult r = registry.polls(arg);
        if (single && r.miss().contains(appids.get(0))) {
            ObjectNode notFound = EmulatedRegistry.JSON.createObjectNode();
            notFound.put("code", -404).put("message", appids.get(0) + " not found");
            return new Answer(notFound);
        }
        ObjectNode message = r.isNew() ? r.ch().poll() : await(r.ch(), upstream);
        if (message == KILLED) {
            return null;
        }
        if (message == null) {
            registry.delConns(arg);
            return new Answer(json(-304, null));
        }
        if (!r.isNew()) {
            registry.delConns(arg);
        }
        if (single) {
            JsonNode info = message.get(appids.get(0));
            return new Answer(json(0, info == null ? NullNode.getInstance() : info));
        }
        ObjectNode reply = EmulatedRegistry.JSON.createObjectNode();
        reply.put("code", 0).put("message", "0");
        reply.set("data", message);
        ObjectNode error = reply.putObject("error");
        if (r.miss().isEmpty()) {
            error.putNull("-404");
        } else {
            ArrayNode list = error.putArray("-404");
            r.miss().forEach(list::add);
        }
        return new Answer(reply);
    }

    /** The hold: a message from the channel, null when the hold ended, {@link #KILLED} when the process went. */
    private ObjectNode await(BlockingQueue<ObjectNode> ch, int upstream) {
        Thread me = Thread.currentThread();
        pollHandlers.add(me);
        heldConnections.put(me, upstream);
        try {
            return ch.poll(hold.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            return KILLED; // the flag stays cleared: the thread goes back to the server's pool
        } finally {
            heldConnections.remove(me);
            pollHandlers.remove(me);
        }
    }

    /** {@code Nodes.Nodes}: every node of the zone with this node's view of its status. */
    private ArrayNode nodesJson() {
        ArrayNode list = EmulatedRegistry.JSON.createArrayNode();
        for (DiscoveryEmulator n : nodes) {
            list.addObject().put("addr", n.address()).put("status", nodeStatus.getOrDefault(n, NODE_LOST))
                    .put("zone", n.zone);
        }
        return list;
    }

    // ---- replication (registry/nodes.go, registry/node.go, discovery/syncup.go) -------------------

    private List<DiscoveryEmulator> peers() {
        return nodes.stream().filter(n -> n != this).toList();
    }

    /** {@code Nodes.Replicate} for register and cancel, with the parameters {@code Node.call} sends. */
    private void replicate(String call, EmulatedRegistry.Instance i) {
        for (DiscoveryEmulator peer : peers()) {
            peer.replica(call, replicationParams(call, i));
        }
    }

    /**
     * {@code Node.Renew}: a peer that does not know the instance (or holds an older one) gets it
     * registered; one that holds a newer one (-409) has it registered here. The peer's status in
     * {@code nodes} is lost only when it answered -500: a peer that cannot be reached shows as up.
     */
    private void replicateRenew(EmulatedRegistry.Instance i) {
        for (DiscoveryEmulator peer : peers()) {
            ObjectNode reply = peer.replica("renew", replicationParams("renew", i));
            int code = reply == null ? Integer.MIN_VALUE : reply.path("code").asInt();
            if (code == -500) {
                nodeStatus.put(peer, NODE_LOST);
                continue;
            }
            nodeStatus.put(peer, NODE_UP);
            if (code == -404) {
                peer.replica("register", replicationParams("register", i));
            } else if (code == -409 && reply.path("data").isObject()) {
                replica("register", replicationParams("register", EmulatedRegistry.Instance.fromJson(reply.get("data"))));
            }
        }
    }

    /** {@code Node.call}'s form: several addresses go as one value joined by commas. */
    private static Map<String, List<String>> replicationParams(String call, EmulatedRegistry.Instance i) {
        Map<String, List<String>> p = new LinkedHashMap<>();
        put(p, "region", i.region);
        put(p, "zone", i.zone);
        put(p, "env", i.env);
        put(p, "appid", i.appid);
        put(p, "hostname", i.hostname);
        put(p, "from_zone", "true");
        put(p, "replication", "true");
        switch (call) {
            case "register" -> {
                put(p, "addrs", i.addrs == null ? "" : String.join(",", i.addrs));
                put(p, "status", Integer.toString(i.status));
                put(p, "version", i.version);
                put(p, "metadata", metadataJson(i.metadata));
                put(p, "reg_timestamp", Long.toString(i.regTimestamp));
                put(p, "dirty_timestamp", Long.toString(i.dirtyTimestamp));
                put(p, "latest_timestamp", Long.toString(i.latestTimestamp));
            }
            case "renew" -> put(p, "dirty_timestamp", Long.toString(i.dirtyTimestamp));
            case "cancel" -> put(p, "latest_timestamp", Long.toString(i.latestTimestamp));
            default -> throw new IllegalArgumentException(call);
        }
        return p;
    }

    /**
     * {@code syncUp}: copies every instance of each other node that answers {@code fetch/all} (a
     * node that is down, broken or itself protected does not), and leaves protect mode at the first
     * that does.
     */
    private void syncUp() {
        for (DiscoveryEmulator peer : peers()) {
            if (peer.isDown() || peer.httpStatus != 0 || peer.serverError || peer.isProtected()) {
                continue;
            }
            ObjectNode all = peer.registry.fetchAll();
            protectedUntil = Long.MIN_VALUE;
            for (JsonNode list : all) {
                for (JsonNode instance : list) {
                    EmulatedRegistry.Instance i = EmulatedRegistry.Instance.fromJson(instance);
                    registry.register(i, i.latestTimestamp);
                }
            }
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** {@code model.NewInstance}: every timestamp is now. */
    private EmulatedRegistry.Instance newInstance(String env, String zone, String appid, String hostname,
                                                  List<String> addrs, int status) {
        long now = clock.nanos();
        EmulatedRegistry.Instance i = new EmulatedRegistry.Instance();
        i.env = env;
        i.zone = zone;
        i.appid = appid;
        i.hostname = hostname;
        i.addrs = new ArrayList<>(addrs);
        i.status = status;
        i.regTimestamp = now;
        i.upTimestamp = now;
        i.latestTimestamp = now;
        i.renewTimestamp = now;
        i.dirtyTimestamp = now;
        return i;
    }

    /**
     * {@code json.Unmarshal} of register's metadata into a nil map: an object gives a map whose
     * non-string values are "" (Go records the type error and goes on); anything else leaves it nil.
     */
    static Map<String, String> unmarshalMetadata(String raw) {
        try {
            JsonNode node = EmulatedRegistry.JSON.readTree(raw);
            if (node == null || !node.isObject()) {
                return null;
            }
            Map<String, String> out = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                out.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : "");
            }
            return out;
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean validJson(String raw) {
        try (var parser = EmulatedRegistry.JSON.createParser(raw)) {
            while (parser.nextToken() != null) {
                // reads to the end: trailing garbage is invalid too
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String metadataJson(Map<String, String> metadata) {
        if (metadata == null) {
            return "null";
        }
        ObjectNode m = EmulatedRegistry.JSON.createObjectNode();
        new TreeMap<>(metadata).forEach(m::put);
        return m.toString();
    }

    /**
     * kratos {@code Context.JSON}: {@code code}, {@code message} (the code as text), {@code ttl} 1, and
     * {@code data} unless Go's nil interface ({@code null} here); a nil pointer is {@code "data":null}.
     */
    private static ObjectNode json(int code, JsonNode data) {
        ObjectNode n = EmulatedRegistry.JSON.createObjectNode();
        n.put("code", code).put("message", Integer.toString(code)).put("ttl", 1);
        if (data != null) {
            n.set("data", data);
        }
        return n;
    }

    private static void text(HttpExchange ex, int status, String body) throws IOException {
        byte[] out = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain");
        ex.sendResponseHeaders(status, out.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(out);
        }
    }

    private static void put(Map<String, List<String>> p, String key, String value) {
        p.put(key, List.of(value));
    }

    private static void parse(String encoded, Map<String, List<String>> into) {
        if (encoded == null || encoded.isEmpty()) {
            return;
        }
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq >= 0 ? pair.substring(0, eq) : pair, StandardCharsets.UTF_8);
            String v = eq >= 0 ? URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8) : "";
            into.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
    }

    private static void pause(Duration d) {
        if (!d.isZero()) {
            try {
                Thread.sleep(d.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * kratos form binding with its validator: a string takes the first value, a number "" as 0, a
     * missing {@code validate:"required"} field or an empty {@code gt=0} list fails the request with
     * -400 and the validator's text as the message.
     */
    private static final class Bind {
        private final Map<String, List<String>> p;
        private String failure;

        Bind(Map<String, List<String>> p) {
            this.p = p;
        }

        String str(String key) {
            List<String> v = p.get(key);
            return v == null || v.isEmpty() ? "" : v.get(0);
        }

        String required(String key) {
            String v = str(key);
            if (v.isEmpty()) {
                fail(key, "required");
            }
            return v;
        }

        List<String> list(String key) {
            return p.getOrDefault(key, List.of());
        }

        List<String> nonEmptyList(String key) {
            List<String> v = list(key);
            if (v.isEmpty()) {
                fail(key, "gt");
            }
            return v;
        }

        long int64(String key) {
            return number(key, str(key), Long.MIN_VALUE, Long.MAX_VALUE);
        }

        long uint32Required(String key) {
            long v = number(key, str(key), 0, 0xFFFF_FFFFL);
            if (v == 0) {
                fail(key, "required");
            }
            return v;
        }

        List<Long> int64s(String key) {
            List<Long> out = new ArrayList<>();
            for (String v : list(key)) {
                out.add(number(key, v, Long.MIN_VALUE, Long.MAX_VALUE));
            }
            return out;
        }

        boolean bool(String key) {
            String v = str(key);
            return switch (v) {
                case "", "0", "f", "F", "false", "FALSE", "False" -> false;
                case "1", "t", "T", "true", "TRUE", "True" -> true;
                default -> {
                    fail(key, "bool");
                    yield false;
                }
            };
        }

        boolean failed() {
            return failure != null;
        }

        ObjectNode error() {
            ObjectNode n = EmulatedRegistry.JSON.createObjectNode();
            n.put("code", -400).put("message", failure).put("ttl", 1);
            return n;
        }

        private long number(String key, String raw, long min, long max) {
            if (raw.isEmpty()) {
                return 0;
            }
            try {
                long v = Long.parseLong(raw);
                if (v < min || v > max) {
                    fail(key, "range");
                    return 0;
                }
                return v;
            } catch (NumberFormatException e) {
                fail(key, "number");
                return 0;
            }
        }

        private void fail(String key, String tag) {
            if (failure == null) {
                failure = "Key: '" + key + "' Error:Field validation for '" + key + "' failed on the '" + tag + "' tag";
            }
        }
    }
}
