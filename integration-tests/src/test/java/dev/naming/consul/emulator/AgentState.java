package dev.naming.consul.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * What one Consul agent holds — its local services and checks, TTL expiry, the deregister-critical
 * reaper — and, for this emulator, the catalog its servers hold with the Raft-like index. The agent
 * syncs its local state to the catalog asynchronously, as Consul's anti-entropy does
 * ({@code ae.StateSyncer}, agent/ae/ae.go; {@code local.State.SyncChanges}, agent/local/state.go):
 * a change triggers a sync that runs {@code syncDelay} later, so health reads (which read the
 * catalog) and blocking queries see it only then, while the agent endpoints show it at once.
 * Every method is synchronized on this object; blocking queries wait on it and are woken by syncs.
 */
final class AgentState {

    static final String NODE = "consul-emulator";
    static final String NODE_ADDRESS = "127.0.0.1";
    static final String DATACENTER = "dc1";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Pattern META_KEY = Pattern.compile("^[a-zA-Z0-9_-]+$");

    /** A request the agent refuses with 400 and Consul's message. */
    static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }

    /** What a check update came to. */
    enum CheckUpdate { OK, UNKNOWN, NOT_TTL }

    static final class Service {
        String id;
        String name;
        List<String> tags = new ArrayList<>();
        String address = "";
        int port;
        Map<String, String> meta = new TreeMap<>();
        int weightPassing = 1;
        int weightWarning = 1;
        boolean enableTagOverride;
        long createIndex;
        long modifyIndex;

        Service copy() {
            Service c = new Service();
            c.id = id;
            c.name = name;
            c.tags = new ArrayList<>(tags);
            c.address = address;
            c.port = port;
            c.meta = new TreeMap<>(meta);
            c.weightPassing = weightPassing;
            c.weightWarning = weightWarning;
            c.enableTagOverride = enableTagOverride;
            c.createIndex = createIndex;
            c.modifyIndex = modifyIndex;
            return c;
        }

        String fingerprint() {
            return String.join("|", id, name, String.valueOf(tags), address, String.valueOf(port),
                    String.valueOf(meta), String.valueOf(weightPassing), String.valueOf(weightWarning),
                    String.valueOf(enableTagOverride));
        }
    }

    static final class Check {
        String id;
        String name;
        String serviceId = "";
        String serviceName = "";
        List<String> serviceTags = new ArrayList<>();
        String status = "critical";
        String notes = "";
        String output = "";
        String type = "";
        Duration ttl;
        Instant ttlDeadline;
        String http;
        String tcp;
        Duration interval;
        Duration timeout;
        Duration deregisterAfter;
        Instant criticalSince;
        Instant nextRun;
        boolean running;
        long createIndex;
        long modifyIndex;

        /** What the catalog keeps of the check (the agent's timers stay with the agent). */
        Check copy() {
            Check c = new Check();
            c.id = id;
            c.name = name;
            c.serviceId = serviceId;
            c.serviceName = serviceName;
            c.serviceTags = new ArrayList<>(serviceTags);
            c.status = status;
            c.notes = notes;
            c.output = output;
            c.type = type;
            c.ttl = ttl;
            c.http = http;
            c.tcp = tcp;
            c.interval = interval;
            c.timeout = timeout;
            c.deregisterAfter = deregisterAfter;
            c.createIndex = createIndex;
            c.modifyIndex = modifyIndex;
            return c;
        }

        String fingerprint() {
            return String.join("|", id, name, serviceId, status, type, String.valueOf(ttl), String.valueOf(http),
                    String.valueOf(tcp), String.valueOf(interval), String.valueOf(deregisterAfter));
        }
    }

    private final String nodeId = UUID.randomUUID().toString();
    private final Map<String, Service> services = new TreeMap<>();
    private final Map<String, Check> checks = new LinkedHashMap<>();
    private final Map<String, Long> serviceIndex = new TreeMap<>();
    private long index = 10;
    /** Snapshot restores so far: each one wakes the blocked queries (the abandon channel). */
    private long restores;
    private final long nodeIndex = 5;
    private volatile Clock clock;
    private final Duration reapFloor;
    private final Duration reapInterval;
    private Instant lastReap;
    /**
     * The catalog as of the last sync, replaced whole and never changed in place: health reads and
     * blocked queries read it without this state's lock, each from one snapshot, as Consul's reads
     * each see one MVCC snapshot of its state store (memdb) and run side by side.
     */
    private volatile Catalog catalog = new Catalog(new TreeMap<>(), new LinkedHashMap<>(), new TreeMap<>(), index, 0);
    /**
     * Completed and replaced by every sync. Consul's blocked queries wait on memdb watch channels
     * ({@code ws.WatchCtx} in {@code blockingQuery}); a commit closes them, which readies every
     * waiter at once. Waiting on this state's monitor instead would wake them one after the other,
     * each retaking the lock first, and the first woken would always answer first.
     */
    private volatile CompletableFuture<Void> changedSignal = new CompletableFuture<>();
    private final Duration syncDelay;
    private final ScheduledExecutorService syncTimer;
    private boolean syncScheduled;
    private boolean unsynced;

    /**
     * @param syncDelay how long after a change of the agent's state the catalog shows it (zero: at
     *                  once, within the call that made the change)
     * @param syncTimer where delayed syncs run
     */
    AgentState(Clock clock, Duration reapFloor, Duration reapInterval, Duration syncDelay,
               ScheduledExecutorService syncTimer) {
        this.clock = clock;
        this.reapFloor = reapFloor;
        this.reapInterval = reapInterval;
        this.lastReap = clock.instant();
        this.syncDelay = syncDelay;
        this.syncTimer = syncTimer;
    }

    synchronized void clock(Clock clock) {
        this.clock = clock;
    }

    private Instant now() {
        return clock.instant();
    }

    // ---- index -------------------------------------------------------------------------------

    private long bump(String serviceName) {
        index++;
        if (serviceName != null) {
            serviceIndex.put(serviceName, index);
        }
        changed();
        return index;
    }

    /**
     * The agent's state changed: trigger a sync, as {@code local.State.TriggerSyncChanges} does.
     * Changes made while a sync is pending go with it (the trigger holds one pending signal).
     */
    private void changed() {
        if (syncDelay.isZero() || syncTimer == null) {
            // synced when the call that changed it is done (settle), never halfway through
            unsynced = true;
            return;
        }
        if (!syncScheduled) {
            syncScheduled = true;
            try {
                syncTimer.schedule(this::sync, syncDelay.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closed) {
                syncScheduled = false;
            }
        }
    }

    /** With no sync delay: syncs the changes of the call ending now. */
    private void settle() {
        if (unsynced) {
            syncNow();
        }
    }

    /** Runs the pending sync ({@code StateSyncer}'s partial sync, {@code SyncChanges}). */
    synchronized void sync() {
        syncScheduled = false;
        syncNow();
    }

    /** The catalog's contents at one sync; {@code restores} counts the snapshot restores before it. */
    private record Catalog(Map<String, Service> services, Map<String, Check> checks, Map<String, Long> serviceIndex,
                           long index, long restores) {

        /** The index a read of {@code serviceName} reports: its last change in the catalog, else the whole table's. */
        long indexFor(String serviceName) {
            Long i = serviceIndex.get(serviceName);
            return i != null ? i : index;
        }
    }

    /** The catalog becomes what the agent holds now; blocked queries look again. */
    private void syncNow() {
        unsynced = false;
        Map<String, Service> s = new TreeMap<>();
        services.forEach((id, service) -> s.put(id, service.copy()));
        Map<String, Check> c = new LinkedHashMap<>();
        checks.forEach((id, check) -> c.put(id, check.copy()));
        catalog = new Catalog(s, c, new TreeMap<>(serviceIndex), index, restores);
        signalChange();
    }

    /** Readies every blocked query at once (closes the watch channel); called under this state's lock. */
    private void signalChange() {
        CompletableFuture<Void> closing = changedSignal;
        changedSignal = new CompletableFuture<>();
        closing.complete(null);
    }

    /** The index a read of {@code serviceName} reports: its last change in the catalog, else the whole table's. */
    long indexFor(String serviceName) {
        return catalog.indexFor(serviceName);
    }

    /**
     * Makes every index go back to {@code to}, as a snapshot restore does: the restored state store
     * replaces the old one, whose abandon channel wakes every blocked query
     * ({@code state.Store.Abandon}, agent/consul/fsm; {@code blockingQuery}, agent/consul/rpc.go).
     */
    synchronized void indexBackTo(long to) {
        index = to;
        serviceIndex.replaceAll((k, v) -> Math.min(v, to));
        restores++;
        syncNow();
    }

    /**
     * Blocks while {@code serviceName}'s index is at most {@code minIndex}, until {@code deadlineNanos}
     * (System.nanoTime) passes or {@code abort} says so, as Consul's {@code blockingQuery}
     * (agent/consul/rpc.go) does: {@code if minQueryIndex > 0 && queryMeta.GetIndex() <= minQueryIndex}
     * it watches and runs the query again. A {@code minIndex} beyond the current index (a client
     * that kept the index of an agent that restarted) is therefore held until the index passes it or
     * the wait ends; only a snapshot restore ({@link #indexBackTo}, the state store's abandon channel)
     * ends the wait early with a lower index.
     */
    void awaitChange(String serviceName, long minIndex, long deadlineNanos, BooleanSupplier abort)
            throws InterruptedException {
        long restore = catalog.restores();
        while (true) {
            // the signal before the catalog: a sync that lands between them completes this signal
            CompletableFuture<Void> signal = changedSignal;
            Catalog now = catalog;
            if (now.indexFor(serviceName) > minIndex || now.restores() != restore || abort.getAsBoolean()) {
                return;
            }
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                // at most 100 ms at a time, so that an abort is noticed without a signal
                signal.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
            } catch (TimeoutException again) {
                // look again
            } catch (ExecutionException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
    }

    /** Wakes every blocked query (so they can notice a fault switch). */
    synchronized void wakeAll() {
        signalChange();
    }

    // ---- writes ------------------------------------------------------------------------------

    /** {@code PUT /v1/agent/service/register}. */
    synchronized void register(JsonNode body, boolean replaceExistingChecks) {
        try {
            registerUnsynced(body, replaceExistingChecks);
        } finally {
            settle();
        }
    }

    private void registerUnsynced(JsonNode body, boolean replaceExistingChecks) {
        if (body == null || !body.isObject()) {
            throw new BadRequest("Request decode failed: body must be a JSON object");
        }
        Map<String, JsonNode> f = fields(body);
        String name = text(f.get("name"));
        if (name == null || name.isEmpty()) {
            throw new BadRequest("Missing service name");
        }
        String id = text(f.get("id"));
        if (id == null || id.isEmpty()) {
            id = name;
        }
        Service s = new Service();
        s.id = id;
        s.name = name;
        JsonNode tags = f.get("tags");
        if (tags != null && tags.isArray()) {
            for (JsonNode t : tags) {
                s.tags.add(t.asText());
            }
        }
        String address = text(f.get("address"));
        s.address = address == null ? "" : address;
        JsonNode port = f.get("port");
        s.port = port == null || port.isNull() ? 0 : port.asInt();
        if (s.port < 0 || s.port > 65535) {
            throw new BadRequest("Invalid Service Port: " + s.port);
        }
        JsonNode meta = f.get("meta");
        if (meta != null && meta.isObject()) {
            for (Map.Entry<String, JsonNode> e : meta.properties()) {
                s.meta.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText());
            }
        }
        validateMeta(s.meta);
        JsonNode weights = f.get("weights");
        if (weights != null && weights.isObject()) {
            Map<String, JsonNode> w = fields(weights);
            s.weightPassing = w.containsKey("passing") ? w.get("passing").asInt(1) : 1;
            s.weightWarning = w.containsKey("warning") ? w.get("warning").asInt(1) : 1;
        }
        JsonNode eto = f.get("enabletagoverride");
        s.enableTagOverride = eto != null && eto.asBoolean(false);

        List<JsonNode> checkDefs = new ArrayList<>();
        JsonNode check = f.get("check");
        if (check != null && check.isObject() && check.size() > 0) {
            checkDefs.add(check);
        }
        JsonNode list = f.get("checks");
        if (list != null && list.isArray()) {
            list.forEach(checkDefs::add);
        }
        List<Check> newChecks = new ArrayList<>();
        for (int i = 0; i < checkDefs.size(); i++) {
            String defaultId = checkDefs.size() == 1 ? "service:" + id : "service:" + id + ":" + (i + 1);
            newChecks.add(check(s, fields(checkDefs.get(i)), defaultId));
        }

        String before = fingerprint(id);
        Service old = services.get(id);
        if (old != null && !old.name.equals(name)) {
            bump(old.name);
        }
        s.createIndex = old != null ? old.createIndex : index + 1;
        s.modifyIndex = old != null ? old.modifyIndex : index + 1;
        services.put(id, s);
        if (replaceExistingChecks) {
            checks.values().removeIf(c -> c.serviceId.equals(s.id)
                    && newChecks.stream().noneMatch(n -> n.id.equals(c.id)));
        }
        for (Check c : newChecks) {
            Check existing = checks.get(c.id);
            if (existing != null) {
                c.createIndex = existing.createIndex;
                if (c.status == null) {
                    c.status = existing.status;
                    c.criticalSince = existing.criticalSince;
                }
            }
            if (c.status == null) {
                c.status = "critical";
            }
            if (c.status.equals("critical") && c.criticalSince == null) {
                c.criticalSince = now();
            }
            checks.put(c.id, c);
        }
        for (Check c : checks.values()) {
            if (c.serviceId.equals(s.id)) {
                c.serviceName = s.name;
                c.serviceTags = new ArrayList<>(s.tags);
            }
        }
        if (!before.equals(fingerprint(id))) {
            long i = bump(name);
            s.modifyIndex = i;
            if (old == null) {
                s.createIndex = i;
            }
            for (Check c : checks.values()) {
                if (c.serviceId.equals(s.id) && c.createIndex == 0) {
                    c.createIndex = i;
                    c.modifyIndex = i;
                }
            }
        }
    }

    private Check check(Service s, Map<String, JsonNode> f, String defaultId) {
        Check c = new Check();
        String id = text(f.containsKey("checkid") ? f.get("checkid") : f.get("id"));
        c.id = id == null || id.isEmpty() ? defaultId : id;
        String name = text(f.get("name"));
        c.name = name == null || name.isEmpty() ? "Service '" + s.name + "' check" : name;
        c.serviceId = s.id;
        c.serviceName = s.name;
        c.serviceTags = new ArrayList<>(s.tags);
        String notes = text(f.get("notes"));
        c.notes = notes == null ? "" : notes;
        String status = text(f.get("status"));
        if (status != null && !status.isEmpty()) {
            if (!List.of("passing", "warning", "critical").contains(status)) {
                throw new BadRequest("Invalid check: Status must be one of passing, warning, critical");
            }
            c.status = status;
        } else {
            c.status = null;
        }
        c.ttl = duration(f.get("ttl"), "TTL");
        c.http = text(f.get("http"));
        c.tcp = text(f.get("tcp"));
        c.interval = duration(f.get("interval"), "Interval");
        c.timeout = duration(f.get("timeout"), "Timeout");
        c.deregisterAfter = duration(f.get("deregistercriticalserviceafter"), "DeregisterCriticalServiceAfter");
        int kinds = (c.ttl != null ? 1 : 0) + (c.http != null && !c.http.isEmpty() ? 1 : 0)
                + (c.tcp != null && !c.tcp.isEmpty() ? 1 : 0);
        if (kinds != 1) {
            throw new BadRequest("Invalid check: TTL must be > 0 for TTL checks, or one of HTTP, TCP with an Interval");
        }
        if (c.ttl != null) {
            c.type = "ttl";
            c.ttlDeadline = now().plus(c.ttl);
        } else {
            if (c.interval == null || c.interval.compareTo(Duration.ofSeconds(1)) < 0) {
                c.interval = Duration.ofSeconds(10);
            }
            if (c.timeout == null) {
                c.timeout = Duration.ofSeconds(10);
            }
            c.type = c.http != null && !c.http.isEmpty() ? "http" : "tcp";
            c.nextRun = now();
        }
        if (c.status != null && c.status.equals("passing")) {
            c.output = "";
        }
        return c;
    }

    private static void validateMeta(Map<String, String> meta) {
        if (meta.size() > 64) {
            throw new BadRequest("Invalid Service Meta: Node metadata cannot contain more than 64 key/value pairs");
        }
        for (Map.Entry<String, String> e : meta.entrySet()) {
            String key = e.getKey();
            String prefix = "Invalid Service Meta: Couldn't load metadata pair ('" + key + "', '" + e.getValue() + "'): ";
            if (key.isEmpty()) {
                throw new BadRequest(prefix + "Key cannot be blank");
            }
            if (!META_KEY.matcher(key).matches()) {
                throw new BadRequest(prefix + "Key contains invalid characters");
            }
            if (key.length() > 128) {
                throw new BadRequest(prefix + "Key is too long (limit: 128 characters)");
            }
            if (key.startsWith("consul-")) {
                throw new BadRequest(prefix + "Key prefix 'consul-' is reserved for internal use");
            }
            if (e.getValue().length() > 512) {
                throw new BadRequest(prefix + "Value is too long (limit: 512 characters)");
            }
        }
    }

    /** Consul's {@code structs.ServiceMaintPrefix}: the maintenance check of service X is {@code _service_maintenance:X}. */
    static final String MAINTENANCE_PREFIX = "_service_maintenance:";
    /** Consul's {@code defaultServiceMaintReason}. */
    static final String DEFAULT_MAINTENANCE_REASON =
            "Maintenance mode is enabled for this service, but no reason was provided. This is a default message.";

    /**
     * {@code PUT /v1/agent/service/maintenance/:id} ({@code agent.EnableServiceMaintenance} /
     * {@code DisableServiceMaintenance}): a critical check bound to the service, so health reads
     * with {@code passing} leave it out; enabling twice keeps the first. {@code false} when the
     * service is unknown (Consul: "No service registered with ID", HTTP 404).
     */
    synchronized boolean maintenance(String serviceId, boolean enable, String reason) {
        try {
            return maintenanceUnsynced(serviceId, enable, reason);
        } finally {
            settle();
        }
    }

    private boolean maintenanceUnsynced(String serviceId, boolean enable, String reason) {
        Service s = services.get(serviceId);
        if (s == null) {
            return false;
        }
        String checkId = MAINTENANCE_PREFIX + serviceId;
        if (enable && !checks.containsKey(checkId)) {
            Check c = new Check();
            c.id = checkId;
            c.name = "Service Maintenance Mode";
            c.notes = reason == null || reason.isEmpty() ? DEFAULT_MAINTENANCE_REASON : reason;
            c.serviceId = s.id;
            c.serviceName = s.name;
            c.serviceTags = new ArrayList<>(s.tags);
            c.status = "critical";
            long i = bump(s.name);
            c.createIndex = i;
            c.modifyIndex = i;
            checks.put(checkId, c);
        } else if (!enable && checks.remove(checkId) != null) {
            bump(s.name);
        }
        return true;
    }

    /**
     * An agent restarted without persisted state (a dev agent): every service and check is gone
     * and its index starts again from a low value, so readers see the index go backwards.
     */
    synchronized void restart() {
        services.clear();
        checks.clear();
        serviceIndex.clear();
        index = 1;
        // a dev agent is its own server: its catalog went with it
        syncNow();
    }

    /** {@code PUT /v1/agent/service/deregister/:id}; {@code false} when unknown. */
    synchronized boolean deregister(String id) {
        try {
            return deregisterUnsynced(id);
        } finally {
            settle();
        }
    }

    private boolean deregisterUnsynced(String id) {
        Service s = services.remove(id);
        if (s == null) {
            return false;
        }
        checks.values().removeIf(c -> c.serviceId.equals(id));
        bump(s.name);
        return true;
    }

    /** {@code PUT /v1/agent/check/(pass|warn|fail|update)/:id}. */
    synchronized CheckUpdate updateTtl(String checkId, String status, String output) {
        try {
            return updateTtlUnsynced(checkId, status, output);
        } finally {
            settle();
        }
    }

    private CheckUpdate updateTtlUnsynced(String checkId, String status, String output) {
        Check c = checks.get(checkId);
        if (c == null) {
            return CheckUpdate.UNKNOWN;
        }
        if (c.ttl == null) {
            return CheckUpdate.NOT_TTL;
        }
        c.ttlDeadline = now().plus(c.ttl);
        setStatus(c, status, output == null ? "" : output);
        return CheckUpdate.OK;
    }

    private void setStatus(Check c, String status, String output) {
        boolean changed = !c.status.equals(status);
        c.output = output;
        if (!changed) {
            // output-only changes reach the catalog lazily (check_update_interval): no new index
            return;
        }
        c.status = status;
        c.criticalSince = status.equals("critical") ? now() : null;
        c.modifyIndex = bump(c.serviceName.isEmpty() ? null : c.serviceName);
    }

    // ---- time ----------------------------------------------------------------------------------

    /**
     * Applies the passage of time: expired TTLs turn critical, and every reap interval services
     * critical for longer than max(DeregisterCriticalServiceAfter, floor) are removed. Returns the
     * HTTP/TCP checks due to run now (marked as running).
     */
    synchronized List<Check> tick() {
        try {
            return tickUnsynced();
        } finally {
            settle();
        }
    }

    private List<Check> tickUnsynced() {
        Instant now = now();
        for (Check c : checks.values()) {
            if (c.ttl != null && c.ttlDeadline != null && now.isAfter(c.ttlDeadline) && !c.status.equals("critical")) {
                setStatus(c, "critical", "TTL expired");
            }
        }
        if (!now.isBefore(lastReap.plus(reapInterval))) {
            lastReap = now;
            List<String> reap = new ArrayList<>();
            for (Check c : checks.values()) {
                if (c.deregisterAfter != null && c.criticalSince != null && c.status.equals("critical")
                        && !c.serviceId.isEmpty()) {
                    Duration timeout = c.deregisterAfter.compareTo(reapFloor) < 0 ? reapFloor : c.deregisterAfter;
                    if (!now.isBefore(c.criticalSince.plus(timeout))) {
                        reap.add(c.serviceId);
                    }
                }
            }
            reap.stream().distinct().forEach(this::deregisterUnsynced);
        }
        List<Check> due = new ArrayList<>();
        for (Check c : checks.values()) {
            if (c.nextRun != null && !c.running && !now.isBefore(c.nextRun)) {
                c.running = true;
                due.add(c);
            }
        }
        return due;
    }

    /** The result of an HTTP/TCP check run. */
    synchronized void checkRan(Check c, String status, String output) {
        try {
            checkRanUnsynced(c, status, output);
        } finally {
            settle();
        }
    }

    private void checkRanUnsynced(Check c, String status, String output) {
        c.running = false;
        c.nextRun = now().plus(c.interval);
        if (checks.get(c.id) == c) {
            setStatus(c, status, output);
        }
    }

    // ---- reads -----------------------------------------------------------------------------------

    /**
     * One health read as Consul answers it from one state-store snapshot: the entries (with
     * {@code ?passing}, the passing ones), whether any entry existed before the agent dropped the
     * non-passing ones (the server filters by ACL first, the agent by status after:
     * agent/health_endpoint.go), and the index, all from one catalog snapshot so a sync cannot land
     * between them.
     */
    record HealthRead(ArrayNode entries, boolean anyBeforeStatusFilter, long index) {
    }

    HealthRead healthRead(String serviceName, boolean passingOnly, List<String> tags) {
        Catalog snapshot = catalog;
        ArrayNode entries = health(snapshot, serviceName, passingOnly, tags);
        boolean any = !entries.isEmpty() || (passingOnly && !health(snapshot, serviceName, false, tags).isEmpty());
        return new HealthRead(entries, any, snapshot.indexFor(serviceName));
    }

    /**
     * The entries of {@code GET /v1/health/service/:name}, from the catalog, in no particular order. Consul's own
     * order is its state store's (node, then service id) or, with {@code ?near}, by round-trip time
     * ({@code Health.ServiceNodes}, agent/consul/health_endpoint.go, ends in
     * {@code sortNodesByDistanceFrom}): across nodes it is not the id order. The emulator shuffles,
     * never leaving two or more entries sorted by id, so a client that relied on the order shows.
     */
    ArrayNode health(String serviceName, boolean passingOnly, List<String> tags) {
        return health(catalog, serviceName, passingOnly, tags);
    }

    private ArrayNode health(Catalog snapshot, String serviceName, boolean passingOnly, List<String> tags) {
        List<ObjectNode> entries = new ArrayList<>();
        for (Service s : snapshot.services().values()) {
            if (!s.name.equals(serviceName) || !s.tags.containsAll(tags)) {
                continue;
            }
            List<Check> own = new ArrayList<>();
            for (Check c : snapshot.checks().values()) {
                if (c.serviceId.equals(s.id)) {
                    own.add(c);
                }
            }
            if (passingOnly && own.stream().anyMatch(c -> !c.status.equals("passing"))) {
                continue;
            }
            ObjectNode entry = JSON.objectNode();
            entry.set("Node", nodeJson());
            entry.set("Service", serviceJson(s, true));
            ArrayNode checkArray = entry.putArray("Checks");
            checkArray.add(serfHealthJson());
            own.forEach(c -> checkArray.add(checkJson(c)));
            entries.add(entry);
        }
        List<ObjectNode> byId = List.copyOf(entries); // services is sorted by id
        Collections.shuffle(entries, ThreadLocalRandom.current());
        if (entries.size() > 1 && entries.equals(byId)) {
            Collections.rotate(entries, 1);
        }
        ArrayNode out = JSON.arrayNode();
        entries.forEach(out::add);
        return out;
    }

    /** {@code GET /v1/agent/services}. */
    synchronized ObjectNode agentServices() {
        ObjectNode out = JSON.objectNode();
        for (Service s : services.values()) {
            ObjectNode j = serviceJson(s, false);
            j.put("Datacenter", DATACENTER);
            out.set(s.id, j);
        }
        return out;
    }

    /** {@code GET /v1/agent/checks}. */
    synchronized ObjectNode agentChecks() {
        ObjectNode out = JSON.objectNode();
        for (Check c : checks.values()) {
            out.set(c.id, checkJson(c));
        }
        return out;
    }

    /** {@code GET /v1/agent/self}, the parts clients look at. */
    synchronized ObjectNode self() {
        ObjectNode out = JSON.objectNode();
        ObjectNode config = out.putObject("Config");
        config.put("Datacenter", DATACENTER);
        config.put("NodeName", NODE);
        config.put("NodeID", nodeId);
        config.put("Server", true);
        config.put("Revision", "emulator");
        config.put("Version", "1.15.4");
        ObjectNode member = out.putObject("Member");
        member.put("Name", NODE);
        member.put("Addr", NODE_ADDRESS);
        member.put("Port", 8301);
        member.putObject("Tags").put("dc", DATACENTER).put("role", "consul");
        member.put("Status", 1);
        return out;
    }

    synchronized Map<String, Service> services() {
        return new TreeMap<>(services);
    }

    synchronized Map<String, Check> checks() {
        return new LinkedHashMap<>(checks);
    }

    private ObjectNode nodeJson() {
        ObjectNode n = JSON.objectNode();
        n.put("ID", nodeId);
        n.put("Node", NODE);
        n.put("Address", NODE_ADDRESS);
        n.put("Datacenter", DATACENTER);
        ObjectNode tagged = n.putObject("TaggedAddresses");
        tagged.put("lan", NODE_ADDRESS);
        tagged.put("lan_ipv4", NODE_ADDRESS);
        tagged.put("wan", NODE_ADDRESS);
        tagged.put("wan_ipv4", NODE_ADDRESS);
        n.putObject("Meta").put("consul-network-segment", "");
        n.put("CreateIndex", nodeIndex);
        n.put("ModifyIndex", nodeIndex);
        return n;
    }

    private ObjectNode serviceJson(Service s, boolean withIndexes) {
        ObjectNode j = JSON.objectNode();
        j.put("ID", s.id);
        j.put("Service", s.name);
        ArrayNode tags = j.putArray("Tags");
        s.tags.forEach(tags::add);
        j.put("Address", s.address);
        ObjectNode meta = j.putObject("Meta");
        s.meta.forEach(meta::put);
        j.put("Port", s.port);
        ObjectNode weights = j.putObject("Weights");
        weights.put("Passing", s.weightPassing);
        weights.put("Warning", s.weightWarning);
        j.put("EnableTagOverride", s.enableTagOverride);
        if (withIndexes) {
            ObjectNode proxy = j.putObject("Proxy");
            proxy.put("Mode", "");
            proxy.putObject("MeshGateway");
            proxy.putObject("Expose");
            j.putObject("Connect");
            j.put("CreateIndex", s.createIndex);
            j.put("ModifyIndex", s.modifyIndex);
        }
        return j;
    }

    private ObjectNode serfHealthJson() {
        ObjectNode j = JSON.objectNode();
        j.put("Node", NODE);
        j.put("CheckID", "serfHealth");
        j.put("Name", "Serf Health Status");
        j.put("Status", "passing");
        j.put("Notes", "");
        j.put("Output", "Agent alive and reachable");
        j.put("ServiceID", "");
        j.put("ServiceName", "");
        j.putArray("ServiceTags");
        j.put("Type", "");
        j.put("Interval", "");
        j.put("Timeout", "");
        j.put("ExposedPort", 0);
        j.putObject("Definition");
        j.put("CreateIndex", nodeIndex);
        j.put("ModifyIndex", nodeIndex);
        return j;
    }

    private ObjectNode checkJson(Check c) {
        ObjectNode j = JSON.objectNode();
        j.put("Node", NODE);
        j.put("CheckID", c.id);
        j.put("Name", c.name);
        j.put("Status", c.status);
        j.put("Notes", c.notes);
        j.put("Output", c.output);
        j.put("ServiceID", c.serviceId);
        j.put("ServiceName", c.serviceName);
        ArrayNode tags = j.putArray("ServiceTags");
        c.serviceTags.forEach(tags::add);
        j.put("Type", c.type);
        j.put("Interval", c.interval == null ? "" : goString(c.interval));
        j.put("Timeout", c.timeout == null ? "" : goString(c.timeout));
        j.put("ExposedPort", 0);
        ObjectNode def = j.putObject("Definition");
        if (c.http != null) {
            def.put("HTTP", c.http);
        }
        if (c.tcp != null) {
            def.put("TCP", c.tcp);
        }
        if (c.deregisterAfter != null) {
            def.put("DeregisterCriticalServiceAfter", goString(c.deregisterAfter));
        }
        j.put("CreateIndex", c.createIndex);
        j.put("ModifyIndex", c.modifyIndex);
        return j;
    }

    static String goString(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        return s >= 60 ? (s / 60) + "m" + (s % 60) + "s" : s + "s";
    }

    private String fingerprint(String serviceId) {
        StringBuilder sb = new StringBuilder();
        Service s = services.get(serviceId);
        sb.append(s == null ? "-" : s.fingerprint());
        for (Check c : checks.values()) {
            if (c.serviceId.equals(serviceId)) {
                sb.append('#').append(c.fingerprint());
            }
        }
        return sb.toString();
    }

    /**
     * Field names folded as Consul's decoder does: case-insensitive, and snake_case accepted
     * ({@code deregister_critical_service_after}).
     */
    private static Map<String, JsonNode> fields(JsonNode object) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : object.properties()) {
            out.put(e.getKey().toLowerCase(Locale.ROOT).replace("_", ""), e.getValue());
        }
        return out;
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    private static Duration duration(JsonNode n, String field) {
        String s = text(n);
        if (s == null || s.isEmpty()) {
            return null;
        }
        try {
            Duration d = GoDuration.parse(s);
            return d.isZero() ? null : d;
        } catch (IllegalArgumentException e) {
            throw new BadRequest("Request decode failed: " + field + ": " + e.getMessage());
        }
    }

    @Override
    public synchronized String toString() {
        return "AgentState[index=" + index + ", services=" + services.keySet() + "]";
    }
}
