package dev.naming.discovery.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One bilibili/discovery node over HTTP, on 127.0.0.1 and an ephemeral port, following
 * {@code protocols/discovery.md}: routes under {@code /discovery}, writes as form POSTs (the body is
 * read only with {@code Content-Type: application/x-www-form-urlencoded}), reads as GETs, HTTP 405
 * for a wrong method and 404 for an unknown path, every answer HTTP 200 with the
 * {@code {"code","message","ttl","data"}} envelope, required parameters answered -400, held polls
 * answered -304 after the hold (30 s unless set), protect mode answering -500 to reads.
 *
 * <p>Nodes of a {@link DiscoveryCluster} replicate writes to each other (a multi-address instance
 * arrives on a peer with its addresses joined by commas, as the server's replication does). Fault
 * switches: {@link #down()}/{@link #up()}, {@link #malformed(boolean)}, {@link #slow(Duration)},
 * {@link #protect(boolean)}, {@link #serverError(boolean)}, {@link #httpStatus(int)}. Every request is
 * recorded, with the client port that identifies its connection; clients connect through a
 * {@link ConnectionFront} that counts connections and closes idle keep-alive connections as the Go
 * server does; a held poll whose client hangs up ends, as on the server.
 *
 * <p>Not emulated: nodes do not register themselves as {@code infra.discovery} (clients here learn
 * nodes from {@code /discovery/nodes}); the polls check and the hold are atomic, so the server's
 * "change between the check and the hold shows only after -304" window does not occur; eviction
 * runs when a test calls {@link #sweep()}, on the node's controllable {@link EmulatorClock}.
 */
public final class DiscoveryEmulator implements AutoCloseable {

    static {
        // HttpServer writes a reply's headers and body separately; with Nagle on its sockets each
        // reply waits for a delayed ACK (~40 ms). Read once, when the first HttpServer starts.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static final Set<String> READS = Set.of("fetch", "fetchs", "poll", "polls", "nodes");
    private static final Map<String, String> METHODS = Map.of("register", "POST", "renew", "POST", "cancel", "POST",
            "set", "POST", "fetch", "GET", "fetchs", "GET", "poll", "GET", "polls", "GET", "nodes", "GET");

    private final EmulatorClock clock;
    private final EmulatedRegistry registry;
    private final String zone;
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final List<DiscoveryEmulator> peers = new CopyOnWriteArrayList<>();
    private final AtomicInteger held = new AtomicInteger();
    private final Map<Integer, EmulatedRegistry.Waiter> holding = new java.util.concurrent.ConcurrentHashMap<>();
    private final ExecutorService executor;
    private final HttpServer server;
    private final ConnectionFront front;
    private volatile Duration hold = Duration.ofSeconds(30);
    private volatile Duration slow = Duration.ZERO;
    private volatile java.util.concurrent.CountDownLatch stalledBodies;
    private volatile boolean malformed;
    private volatile boolean protect;
    private volatile boolean serverError;
    private volatile int httpStatus;

    /** A single node with its own clock. */
    public static DiscoveryEmulator start() {
        return new DiscoveryEmulator(new EmulatorClock(), "sh001");
    }

    DiscoveryEmulator(EmulatorClock clock, String zone) {
        this.clock = clock;
        this.zone = zone;
        this.registry = new EmulatedRegistry(clock);
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "discovery-emulator-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.server = listen();
        this.front = new ConnectionFront(server.getAddress().getPort(), "discovery-emulator", this::disconnected);
    }

    // ---- test controls --------------------------------------------------------------------------

    public int port() {
        return front.port();
    }

    /** {@code 127.0.0.1:port}. */
    public String address() {
        return "127.0.0.1:" + front.port();
    }

    /** How long a keep-alive connection may carry no request before the node closes it (40 s by default). */
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

    /** How long polls are held before -304. */
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
            stalledBodies = new java.util.concurrent.CountDownLatch(1);
        } else {
            java.util.concurrent.CountDownLatch stalled = stalledBodies;
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

    /** Protect mode: reads answer -500, writes work. */
    public void protect(boolean on) {
        this.protect = on;
    }

    /** Every call answers -500, writes included (a broken node). */
    public void serverError(boolean on) {
        this.serverError = on;
    }

    /** Every request answers this HTTP status with no body (a proxy in front: 429, 503 …); 0 turns it off. */
    public void httpStatus(int status) {
        this.httpStatus = status;
    }

    /** Stops listening and drops every connection, held polls included. */
    public void down() {
        front.down();
        registry.dropWaiters();
    }

    /** Listens again on the same port, with the registry as it was. */
    public void up() {
        front.up();
    }

    public boolean isDown() {
        return !front.isUp();
    }

    /** Disables self-preservation, so {@link #sweep()} evicts every instance silent for 90 s. */
    public void selfPreservation(boolean enabled) {
        registry.selfPreservation(enabled);
    }

    /** The minute eviction sweep; returns how many instances went. */
    public int sweep() {
        return registry.sweep();
    }

    /** Evicts every instance on this node (pollers are woken as eviction does). */
    public void evictAll() {
        registry.evictAll();
    }

    /** Registers directly (no replication), as another client would have. */
    public void register(String env, String zone, String appid, String hostname, List<String> addrs,
                         Map<String, String> metadata) {
        registry.register(instance(env, zone, appid, hostname, addrs, metadata, 1));
    }

    public boolean cancel(String env, String zone, String appid, String hostname) {
        return registry.cancel(zone, env, appid, hostname);
    }

    /** The instances of an app as stored, any status. */
    public List<StoredInstance> instances(String env, String appid) {
        return registry.instances(env, appid).stream().map(i -> new StoredInstance(i.env, i.zone, i.appid, i.hostname,
                List.copyOf(i.addrs), Map.copyOf(i.metadata), i.status, i.latestTimestamp)).toList();
    }

    public int instanceCount() {
        return registry.instanceCount();
    }

    /** Polls held right now. */
    public int heldPolls() {
        return held.get();
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

    void peer(DiscoveryEmulator other) {
        if (other != this) {
            peers.add(other);
        }
    }

    @Override
    public void close() {
        front.close();
        registry.dropWaiters();
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
            Map<String, List<String>> params = new LinkedHashMap<>();
            parse(query, params);
            boolean form = contentType != null && contentType.toLowerCase().startsWith("application/x-www-form-urlencoded");
            if ("POST".equals(ex.getRequestMethod()) && form) {
                parse(body, params);
            }
            String call = path.startsWith("/discovery/") ? path.substring("/discovery/".length()) : path;
            requests.add(new RecordedRequest(ex.getRequestMethod(), call, query, body, Collections.unmodifiableMap(params),
                    contentType, front.clientPort(upstream)));
            String method = METHODS.get(call);
            if (!path.startsWith("/discovery/") || method == null) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            if (!method.equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            int status = httpStatus;
            if (status != 0) {
                ex.sendResponseHeaders(status, -1);
                return;
            }
            ObjectNode reply = serverError || (protect && READS.contains(call)) ? envelope(-500, null)
                    : route(call, params, upstream);
            if (reply == null) {
                return; // the node went down while holding
            }
            pause(slow);
            byte[] out = malformed
                    ? "{\"code\":0,\"message\":\"0\",\"data\":{\"instances\":".getBytes(StandardCharsets.UTF_8)
                    : EmulatedRegistry.JSON.writeValueAsBytes(reply);
            ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            ex.sendResponseHeaders(200, out.length);
            try (OutputStream os = ex.getResponseBody()) {
                java.util.concurrent.CountDownLatch stalled = stalledBodies;
                if (stalled != null) {
                    os.flush();
                    stalled.await(30, java.util.concurrent.TimeUnit.SECONDS);
                }
                os.write(out);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } catch (IOException e) {
            // the client went away (or the node went down) mid-reply: nothing to answer
        } finally {
            front.end(upstream);
        }
    }

    private ObjectNode route(String call, Map<String, List<String>> p, int upstream) {
        return switch (call) {
            case "register" -> register(p);
            case "renew" -> renew(p);
            case "cancel" -> cancel(p);
            case "set" -> set(p);
            case "fetch" -> fetch(p);
            case "fetchs" -> fetchs(p);
            case "polls" -> polls(p, false, upstream);
            case "poll" -> polls(p, true, upstream);
            case "nodes" -> nodes();
            default -> envelope(-404, null);
        };
    }

    private ObjectNode register(Map<String, List<String>> p) {
        if (missing(p, "zone", "env", "appid", "hostname", "status", "addrs")) {
            return envelope(-400, null);
        }
        int status;
        try {
            status = Integer.parseInt(first(p, "status"));
        } catch (NumberFormatException e) {
            return envelope(-400, null);
        }
        if (status == 0) {
            return envelope(-400, null);
        }
        Map<String, String> metadata = Map.of();
        String meta = first(p, "metadata");
        if (meta != null && !meta.isEmpty()) {
            try {
                JsonNode parsed = EmulatedRegistry.JSON.readTree(meta);
                if (parsed == null || !parsed.isObject()) {
                    return envelope(-400, null);
                }
                metadata = stringMap(meta);
            } catch (IOException e) {
                return envelope(-400, null);
            }
        }
        EmulatedRegistry.Instance i = instance(first(p, "env"), first(p, "zone"), first(p, "appid"),
                first(p, "hostname"), p.get("addrs"), metadata, status);
        i.region = orEmpty(first(p, "region"));
        i.version = orEmpty(first(p, "version"));
        registry.register(i);
        for (DiscoveryEmulator peer : peers) {
            if (!peer.isDown()) {
                EmulatedRegistry.Instance replica = i.copy();
                if (replica.addrs.size() > 1) {
                    replica.addrs = List.of(String.join(",", replica.addrs));
                }
                peer.registry.register(replica);
            }
        }
        return envelope(0, null);
    }

    private ObjectNode renew(Map<String, List<String>> p) {
        if (missing(p, "zone", "env", "appid", "hostname")) {
            return envelope(-400, null);
        }
        EmulatedRegistry.Instance i = registry.renew(first(p, "zone"), first(p, "env"), first(p, "appid"),
                first(p, "hostname"));
        if (i == null) {
            return envelope(-404, null);
        }
        for (DiscoveryEmulator peer : peers) {
            if (!peer.isDown() && peer.registry.renew(i.zone, i.env, i.appid, i.hostname) == null) {
                peer.registry.register(i);
            }
        }
        return envelope(0, i.json());
    }

    private ObjectNode cancel(Map<String, List<String>> p) {
        if (missing(p, "zone", "env", "appid", "hostname")) {
            return envelope(-400, null);
        }
        boolean found = registry.cancel(first(p, "zone"), first(p, "env"), first(p, "appid"), first(p, "hostname"));
        for (DiscoveryEmulator peer : peers) {
            if (!peer.isDown()) {
                peer.registry.cancel(first(p, "zone"), first(p, "env"), first(p, "appid"), first(p, "hostname"));
            }
        }
        return envelope(found ? 0 : -404, null);
    }

    private ObjectNode set(Map<String, List<String>> p) {
        if (missing(p, "zone", "env", "appid")) {
            return envelope(-400, null);
        }
        List<String> hosts = p.getOrDefault("hostname", List.of());
        List<String> statuses = p.getOrDefault("status", List.of());
        List<String> metadata = p.getOrDefault("metadata", List.of());
        if ((!statuses.isEmpty() && statuses.size() != hosts.size())
                || (!metadata.isEmpty() && metadata.size() != hosts.size())) {
            return envelope(-400, null);
        }
        for (String s : statuses) {
            if (!s.equals("1") && !s.equals("2")) {
                return envelope(-400, null);
            }
        }
        boolean ok = registry.set(first(p, "zone"), first(p, "env"), first(p, "appid"), hosts, statuses, metadata);
        return envelope(ok ? 0 : -400, null);
    }

    private ObjectNode fetch(Map<String, List<String>> p) {
        if (missing(p, "env", "appid", "status")) {
            return envelope(-400, null);
        }
        Integer mask = intOrNull(first(p, "status"));
        if (mask == null) {
            return envelope(-400, null);
        }
        ObjectNode info = registry.fetch(first(p, "env"), first(p, "appid"), orEmpty(first(p, "zone")), mask);
        return info == null ? envelope(-404, null) : envelope(0, info);
    }

    private ObjectNode fetchs(Map<String, List<String>> p) {
        if (missing(p, "env", "appid", "status")) {
            return envelope(-400, null);
        }
        Integer mask = intOrNull(first(p, "status"));
        if (mask == null) {
            return envelope(-400, null);
        }
        ObjectNode data = EmulatedRegistry.JSON.createObjectNode();
        for (String appid : p.get("appid")) {
            ObjectNode info = registry.fetch(first(p, "env"), appid, orEmpty(first(p, "zone")), mask);
            if (info != null) {
                data.set(appid, info);
            }
        }
        return envelope(0, data);
    }

    private ObjectNode polls(Map<String, List<String>> p, boolean single, int upstream) {
        if (missing(p, "env", "hostname", "appid")) {
            return envelope(-400, null);
        }
        List<String> appids = p.get("appid");
        List<String> rawStamps = p.getOrDefault("latest_timestamp", List.of());
        if (rawStamps.size() != appids.size()) {
            return envelope(-400, null);
        }
        List<Long> stamps = new ArrayList<>();
        for (String s : rawStamps) {
            try {
                stamps.add(Long.parseLong(s));
            } catch (NumberFormatException e) {
                return envelope(-400, null);
            }
        }
        if (single) {
            appids = appids.subList(0, 1);
            stamps = stamps.subList(0, 1);
        }
        EmulatedRegistry.PollCheck check = registry.polls(first(p, "env"), orEmpty(first(p, "zone")),
                first(p, "hostname"), appids, stamps);
        if (single && !check.missing().isEmpty()) {
            registry.forget(check.waiter());
            ObjectNode r = envelope(-404, null);
            r.put("message", appids.get(0) + " not found");
            return r;
        }
        if (check.waiter() == null) {
            return single ? envelope(0, check.data().get(appids.get(0))) : withErrors(envelope(0, check.data()), check.missing());
        }
        held.incrementAndGet();
        holding.put(upstream, check.waiter());
        try {
            ObjectNode woken = check.waiter().reply.get(hold.toNanos(), TimeUnit.NANOSECONDS);
            return single ? envelope(0, woken.get(appids.get(0))) : envelope(0, woken);
        } catch (TimeoutException e) {
            return envelope(-304, null);
        } catch (CancellationException | ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            holding.remove(upstream, check.waiter());
            held.decrementAndGet();
            registry.forget(check.waiter());
        }
    }

    private ObjectNode nodes() {
        ArrayNode list = EmulatedRegistry.JSON.createArrayNode();
        List<DiscoveryEmulator> all = new ArrayList<>();
        all.add(this);
        all.addAll(peers);
        all.sort((a, b) -> Integer.compare(a.port(), b.port()));
        for (DiscoveryEmulator n : all) {
            list.addObject().put("addr", n.address()).put("status", n.isDown() ? 1 : 0).put("zone", n.zone);
        }
        return envelope(0, list);
    }

    /** A client connection ended: a poll it held ends too, as the server's close notification does. */
    private void disconnected(int upstream) {
        EmulatedRegistry.Waiter w = holding.remove(upstream);
        if (w != null) {
            w.reply.cancel(false);
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    static EmulatedRegistry.Instance instance(String env, String zone, String appid, String hostname,
                                              List<String> addrs, Map<String, String> metadata, int status) {
        EmulatedRegistry.Instance i = new EmulatedRegistry.Instance();
        i.env = env;
        i.zone = zone;
        i.appid = appid;
        i.hostname = hostname;
        i.addrs = List.copyOf(addrs);
        i.metadata = new TreeMap<>(metadata);
        i.status = status;
        return i;
    }

    /** Metadata as the server stores it: string values kept, any other value stored as "". */
    static Map<String, String> stringMap(String json) {
        Map<String, String> out = new TreeMap<>();
        try {
            JsonNode node = EmulatedRegistry.JSON.readTree(json);
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                out.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : "");
            }
        } catch (IOException e) {
            // validated by the caller
        }
        return out;
    }

    private static ObjectNode envelope(int code, JsonNode data) {
        ObjectNode n = EmulatedRegistry.JSON.createObjectNode();
        n.put("code", code).put("message", Integer.toString(code)).put("ttl", 1);
        if (data != null) {
            n.set("data", data);
        }
        return n;
    }

    private static ObjectNode withErrors(ObjectNode reply, List<String> missing) {
        if (!missing.isEmpty()) {
            ArrayNode list = reply.putObject("error").putArray("-404");
            new TreeSet<>(missing).forEach(list::add);
        }
        return reply;
    }

    private static boolean missing(Map<String, List<String>> p, String... keys) {
        for (String k : keys) {
            List<String> v = p.get(k);
            if (v == null || v.isEmpty() || v.get(0).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private static String first(Map<String, List<String>> p, String key) {
        List<String> v = p.get(key);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static Integer intOrNull(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
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
}
