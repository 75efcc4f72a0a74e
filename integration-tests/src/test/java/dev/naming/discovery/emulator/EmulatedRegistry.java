package dev.naming.discovery.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One discovery node's registry, ported from {@code registry/registry.go} (the {@code Registry}),
 * {@code model/instance.go} ({@code Apps}, {@code App}, {@code Instance}) and {@code registry/guard.go}
 * ({@code Guard}) of bilibili/discovery at 1e12d5c. Method names follow the Go functions they port;
 * {@code docs/DISCOVERY.md} has the table.
 *
 * <p>Held polls live in {@code conns}, keyed by {@code env.appid} and then by the request's
 * {@code hostname}: requests with the same hostname share one {@link Conn} per app, its
 * {@code count} and its channel, exactly as on the server. A broadcast is computed under the
 * registry's lock and its channel sends (each given up after 500 ms, as on the server) happen after
 * the lock is released.
 */
final class EmulatedRegistry {

    static final ObjectMapper JSON = new ObjectMapper();

    /** {@code model.InstanceStatusUP}. */
    static final int STATUS_UP = 1;
    /** {@code model.InstancestatusWating}. */
    static final int STATUS_WAITING = 2;

    /** {@code _evictThreshold}. */
    static final long EVICT_THRESHOLD = Duration.ofSeconds(90).toNanos();
    /** {@code _evictCeiling}. */
    static final long EVICT_CEILING = Duration.ofHours(1).toNanos();
    /** {@code _percentThreshold}. */
    static final double PERCENT_THRESHOLD = 0.85;
    /** The buffer of a held poll's channel ({@code make(chan …, 5)} in {@code Polls}). */
    static final int CHANNEL_CAPACITY = 5;
    /** {@code broadcast} gives up a send to a full channel after this long. */
    static final Duration SEND_GIVE_UP = Duration.ofMillis(500);

    // ---- model ----------------------------------------------------------------------------------

    /** {@code model.Instance}; {@code addrs} and {@code metadata} may be null, as Go's nil slice and map. */
    static final class Instance {
        String region = "";
        String zone = "";
        String env = "";
        String appid = "";
        String hostname = "";
        List<String> addrs;
        String version = "";
        Map<String, String> metadata;
        int status;
        long regTimestamp;
        long upTimestamp;
        long renewTimestamp;
        long dirtyTimestamp;
        long latestTimestamp;

        /** {@code copyInstance}. */
        Instance copy() {
            Instance i = new Instance();
            i.region = region;
            i.zone = zone;
            i.env = env;
            i.appid = appid;
            i.hostname = hostname;
            i.addrs = addrs == null ? null : new ArrayList<>(addrs);
            i.version = version;
            i.metadata = metadata == null ? null : new TreeMap<>(metadata);
            i.status = status;
            i.regTimestamp = regTimestamp;
            i.upTimestamp = upTimestamp;
            i.renewTimestamp = renewTimestamp;
            i.dirtyTimestamp = dirtyTimestamp;
            i.latestTimestamp = latestTimestamp;
            return i;
        }

        /** {@code filter}: the status query parameter is a bit mask. */
        boolean filter(int statusMask) {
            return (statusMask & status) > 0;
        }

        /** The JSON of the Go struct: field order as declared, nil as null, map keys sorted. */
        ObjectNode json() {
            ObjectNode n = JSON.createObjectNode();
            n.put("region", region).put("zone", zone).put("env", env).put("appid", appid).put("hostname", hostname);
            if (addrs == null) {
                n.putNull("addrs");
            } else {
                ArrayNode a = n.putArray("addrs");
                addrs.forEach(a::add);
            }
            n.put("version", version);
            if (metadata == null) {
                n.putNull("metadata");
            } else {
                ObjectNode m = n.putObject("metadata");
                new TreeMap<>(metadata).forEach(m::put);
            }
            n.put("status", status).put("reg_timestamp", regTimestamp).put("up_timestamp", upTimestamp)
                    .put("renew_timestamp", renewTimestamp).put("dirty_timestamp", dirtyTimestamp)
                    .put("latest_timestamp", latestTimestamp);
            return n;
        }

        static Instance fromJson(JsonNode n) {
            Instance i = new Instance();
            i.region = n.path("region").asText("");
            i.zone = n.path("zone").asText("");
            i.env = n.path("env").asText("");
            i.appid = n.path("appid").asText("");
            i.hostname = n.path("hostname").asText("");
            if (n.path("addrs").isArray()) {
                i.addrs = new ArrayList<>();
                n.get("addrs").forEach(a -> i.addrs.add(a.asText()));
            }
            i.version = n.path("version").asText("");
            if (n.path("metadata").isObject()) {
                i.metadata = new TreeMap<>();
                n.get("metadata").properties().forEach(e -> i.metadata.put(e.getKey(), e.getValue().asText()));
            }
            i.status = n.path("status").asInt();
            i.regTimestamp = n.path("reg_timestamp").asLong();
            i.upTimestamp = n.path("up_timestamp").asLong();
            i.renewTimestamp = n.path("renew_timestamp").asLong();
            i.dirtyTimestamp = n.path("dirty_timestamp").asLong();
            i.latestTimestamp = n.path("latest_timestamp").asLong();
            return i;
        }
    }

    /** {@code model.App}: the instances of one app in one zone, by hostname. */
    private static final class App {
        final Map<String, Instance> instances = new LinkedHashMap<>();
        long latestTimestamp;

        /** {@code App.NewInstance}: true when the hostname was not there before. */
        boolean newInstance(Instance ni, long latestTime) {
            Instance oi = instances.get(ni.hostname);
            Instance stored = ni;
            if (oi != null) {
                ni.upTimestamp = oi.upTimestamp;
                if (ni.dirtyTimestamp < oi.dirtyTimestamp) {
                    stored = oi; // "register exist dirty timestamp over than caller": the newer one stays
                }
            }
            instances.put(ni.hostname, stored);
            updateLatest(latestTime);
            return oi == null;
        }

        void updateLatest(long latestTime) {
            latestTimestamp = latestTime <= latestTimestamp ? latestTimestamp + 1 : latestTime;
        }
    }

    /** {@code model.Apps}: the zones of one (appid, env), with the one {@code latest_timestamp} they share. */
    private static final class Apps {
        final Map<String, App> apps = new TreeMap<>();
        long latestTimestamp;

        /** {@code Apps.NewApp}: raises the shared timestamp to {@code lts}, or by 1 when that is not newer. */
        App newApp(String zone, long lts) {
            App a = apps.computeIfAbsent(zone, z -> new App());
            latestTimestamp = lts <= latestTimestamp ? latestTimestamp + 1 : lts;
            return a;
        }

        /** {@code Apps.UpdateLatest}. */
        void updateLatest(long latestTime) {
            latestTimestamp = latestTime <= latestTimestamp ? latestTimestamp + 1 : latestTime;
        }
    }

    /** {@code Guard}: counts renewals against the expected two per instance per minute. */
    private static final class Guard {
        long expPerMin;
        long expThreshold;
        long facInMin;
        long facLastMin;

        void setExp(long count) {
            expPerMin = count * 2;
            expThreshold = (long) (expPerMin * PERCENT_THRESHOLD);
        }

        void incrExp() {
            expPerMin += 2;
            expThreshold = (long) (expPerMin * PERCENT_THRESHOLD);
        }

        void decrExp() {
            if (expPerMin > 0) {
                expPerMin -= 2;
                expThreshold = (long) (expPerMin * PERCENT_THRESHOLD);
            }
        }

        void incrFac() {
            facInMin++;
        }

        void updateFac() {
            facLastMin = facInMin;
            facInMin = 0;
        }

        /** {@code ok}: true means protected (self-preservation), so only the ceiling evicts. */
        boolean ok() {
            return facLastMin < expThreshold;
        }
    }

    /** {@code model.ArgPolls} as the registry uses it. */
    record PollArgs(String zone, String env, List<String> appids, String hostname, List<Long> latestTimestamps) {
    }

    /** {@code conn}: a held poll's channel, shared by every request filed under the same hostname. */
    private static final class Conn {
        final BlockingQueue<ObjectNode> ch;
        final PollArgs arg;
        int count = 1;

        Conn(BlockingQueue<ObjectNode> ch, PollArgs arg) {
            this.ch = ch;
            this.arg = arg;
        }
    }

    /** What {@code Polls} returns: the channel to wait on, whether it already holds an answer, the -404 list. */
    record PollsResult(BlockingQueue<ObjectNode> ch, boolean isNew, List<String> miss) {
    }

    /** The outcome of {@code Fetch}: the info, or {@code NothingFound} (-404) / {@code NotModified} (-304). */
    record Fetched(ObjectNode info, int code) {
        static final int NOTHING_FOUND = -404;
        static final int NOT_MODIFIED = -304;

        boolean found() {
            return info != null;
        }
    }

    /** The result of {@code Renew}: the instance (Go may return an empty one, or nil) and ok. */
    record Renewed(Instance instance, boolean ok) {
    }

    /** One channel send a broadcast owes, made after the lock is released. */
    private record Send(BlockingQueue<ObjectNode> ch, ObjectNode message) {
    }

    private final EmulatorClock clock;
    private final Map<String, Apps> appm = new HashMap<>();
    private final Map<String, Map<String, Conn>> conns = new HashMap<>();
    private final Guard gd = new Guard();
    private final Random random = new Random();
    private boolean selfPreservation = true;
    private int minutes;

    EmulatedRegistry(EmulatorClock clock) {
        this.clock = clock;
    }

    /** Not in the server: lets a test turn the guard off, so eviction is never held back. */
    synchronized void selfPreservation(boolean enabled) {
        this.selfPreservation = enabled;
    }

    // ---- writes ---------------------------------------------------------------------------------

    /** {@code Registry.Register}. */
    void register(Instance ins, long latestTime) {
        List<Send> sends;
        synchronized (this) {
            Apps as = appm.computeIfAbsent(appsKey(ins.appid, ins.env), k -> new Apps());
            App a = as.newApp(ins.zone, ins.latestTimestamp);
            if (a.newInstance(ins, latestTime)) {
                gd.incrExp();
            }
            sends = broadcast(ins.env, ins.appid);
        }
        send(sends);
    }

    /** {@code Registry.Renew}: counts the renewal for the guard when the instance is known. */
    synchronized Renewed renew(String zone, String env, String appid, String hostname) {
        Apps as = appm.get(appsKey(appid, env));
        App a = as == null ? null : as.apps.get(zone);
        if (a == null) {
            return new Renewed(null, false);
        }
        Instance oi = a.instances.get(hostname);
        if (oi == null) {
            return new Renewed(new Instance(), false); // App.Renew returns a zero Instance, not nil
        }
        oi.renewTimestamp = clock.nanos();
        gd.incrFac();
        return new Renewed(oi.copy(), true);
    }

    /** {@code Registry.Cancel}: the cancelled instance, or {@code null} (-404). */
    Instance cancel(String zone, String env, String appid, String hostname, long latestTime) {
        Instance i;
        List<Send> sends = new ArrayList<>();
        synchronized (this) {
            i = cancelLocked(zone, env, appid, hostname, latestTime, sends);
            if (i != null) {
                gd.decrExp();
            }
        }
        send(sends);
        return i;
    }

    /** {@code Registry.Set} with {@code App.Set}: false answers -400. */
    boolean set(String zone, String env, String appid, List<String> hostnames, List<Long> statuses,
                List<String> metadata, long setTime) {
        List<Send> sends;
        synchronized (this) {
            Apps as = appm.get(appsKey(appid, env));
            App a = as == null ? null : as.apps.get(zone);
            if (a == null) {
                return false;
            }
            boolean ok = false;
            for (int n = 0; n < hostnames.size(); n++) {
                Instance dst = a.instances.get(hostnames.get(n));
                if (dst == null) {
                    return false;
                }
                ok = true;
                if (!statuses.isEmpty()) {
                    long s = statuses.get(n);
                    if (s != STATUS_UP && s != STATUS_WAITING) {
                        return false;
                    }
                    dst.status = (int) s;
                    if (dst.status == STATUS_UP) {
                        dst.upTimestamp = setTime;
                    }
                }
                if (!metadata.isEmpty() && !mergeMetadata(dst, metadata.get(n))) {
                    return false;
                }
                dst.latestTimestamp = setTime;
                dst.dirtyTimestamp = setTime;
            }
            a.updateLatest(setTime); // App's own stamp: Apps.latestTimestamp, which polls compare, stays
            if (!ok) {
                return false;
            }
            sends = broadcast(env, appid);
        }
        send(sends);
        return true;
    }

    /**
     * One tick of {@code Registry.proc}'s minute timer ({@code gd.updateFac} then {@code evict}); every
     * fifteenth also runs the 15-minute {@code resetExp}. Returns how many instances went.
     */
    int minuteTick() {
        List<Send> sends = new ArrayList<>();
        int evicted;
        synchronized (this) {
            gd.updateFac();
            evicted = evict(sends);
            if (++minutes % 15 == 0) {
                resetExp();
            }
        }
        send(sends);
        return evicted;
    }

    /** Not in the server: cancels every instance as eviction does, without its limits. */
    void evictAll() {
        List<Send> sends = new ArrayList<>();
        synchronized (this) {
            for (Instance i : all()) {
                cancelLocked(i.zone, i.env, i.appid, i.hostname, clock.nanos(), sends);
            }
        }
        send(sends);
    }

    // ---- reads ----------------------------------------------------------------------------------

    /** {@code Registry.Fetch} over {@code Apps.InstanceInfo}. */
    synchronized Fetched fetch(String zone, String env, String appid, long latestTime, int status) {
        Apps as = appm.get(appsKey(appid, env));
        if (as == null) {
            return new Fetched(null, Fetched.NOTHING_FOUND);
        }
        if (latestTime >= as.latestTimestamp) {
            return new Fetched(null, Fetched.NOT_MODIFIED);
        }
        ObjectNode info = JSON.createObjectNode();
        ObjectNode byZone = info.putObject("instances");
        boolean ok = false;
        for (Map.Entry<String, App> z : as.apps.entrySet()) {
            if (zone.isEmpty() || z.getKey().equals(zone)) {
                ok = true;
                ArrayNode list = byZone.putArray(z.getKey());
                for (Instance i : z.getValue().instances.values()) {
                    if (i.filter(status)) {
                        list.add(i.json());
                    }
                }
            }
        }
        if (!ok) {
            return new Fetched(null, Fetched.NOTHING_FOUND);
        }
        info.put("latest_timestamp", as.latestTimestamp);
        return new Fetched(info, 0);
    }

    /** {@code Registry.FetchAll}: every instance of every env and status, by appid. */
    synchronized ObjectNode fetchAll() {
        Map<String, List<Instance>> byApp = new TreeMap<>();
        for (Instance i : all()) {
            byApp.computeIfAbsent(i.appid, k -> new ArrayList<>()).add(i);
        }
        ObjectNode out = JSON.createObjectNode();
        byApp.forEach((appid, list) -> {
            ArrayNode a = out.putArray(appid);
            list.forEach(i -> a.add(i.json()));
        });
        return out;
    }

    /**
     * {@code Registry.Polls}. When any app is newer than the client's timestamp the answer is
     * already in the returned channel; otherwise the request is filed under its hostname for every
     * app it names (unknown apps included), sharing the channel of a request already filed there.
     * The -404 list is computed now, before any hold.
     */
    synchronized PollsResult polls(PollArgs arg) {
        List<Long> stamps = arg.latestTimestamps();
        if (stamps.size() != arg.appids().size()) {
            stamps = new ArrayList<>();
            for (int n = 0; n < arg.appids().size(); n++) {
                stamps.add(0L);
            }
            arg = new PollArgs(arg.zone(), arg.env(), arg.appids(), arg.hostname(), stamps);
        }
        ObjectNode ins = JSON.createObjectNode();
        Map<String, ObjectNode> found = new TreeMap<>();
        List<String> miss = new ArrayList<>();
        boolean isNew = false;
        for (int n = 0; n < arg.appids().size(); n++) {
            Fetched f = fetch(arg.zone(), arg.env(), arg.appids().get(n), stamps.get(n), STATUS_UP);
            if (f.code() == Fetched.NOTHING_FOUND) {
                miss.add(arg.appids().get(n));
                continue;
            }
            if (f.found()) {
                found.put(arg.appids().get(n), f.info());
                isNew = true;
            }
        }
        if (isNew) {
            found.forEach(ins::set);
            BlockingQueue<ObjectNode> ch = new ArrayBlockingQueue<>(1);
            ch.add(ins);
            return new PollsResult(ch, true, miss);
        }
        BlockingQueue<ObjectNode> ch = null;
        for (int n = 0; n < arg.appids().size(); n++) {
            Map<String, Conn> hosts = conns.computeIfAbsent(pollKey(arg.env(), arg.appids().get(n)),
                    k -> new HashMap<>());
            Conn connection = hosts.get(arg.hostname());
            if (connection == null) {
                if (ch == null) {
                    ch = new ArrayBlockingQueue<>(CHANNEL_CAPACITY);
                }
                connection = new Conn(ch, arg);
            } else {
                // "there maybe have more than one connection on the same hostname"
                connection.count++;
                if (ch == null) {
                    ch = connection.ch;
                }
            }
            hosts.put(arg.hostname(), connection);
        }
        return new PollsResult(ch, false, miss);
    }

    /** {@code Registry.DelConns}: the hold ended; a shared entry only loses one from its count. */
    synchronized void delConns(PollArgs arg) {
        for (String appid : arg.appids()) {
            Map<String, Conn> hosts = conns.get(pollKey(arg.env(), appid));
            if (hosts == null) {
                continue;
            }
            Conn connection = hosts.get(arg.hostname());
            if (connection != null) {
                if (connection.count > 1) {
                    connection.count--;
                } else {
                    hosts.remove(arg.hostname());
                }
            }
        }
    }

    synchronized List<Instance> instances(String env, String appid) {
        List<Instance> out = new ArrayList<>();
        Apps as = appm.get(appsKey(appid, env));
        if (as != null) {
            as.apps.values().forEach(a -> a.instances.values().forEach(i -> out.add(i.copy())));
        }
        return out;
    }

    synchronized int instanceCount() {
        return all().size();
    }

    /** Not in the server: the instances of every other app. */
    synchronized int instanceCountExcept(String appid) {
        return (int) all().stream().filter(i -> !i.appid.equals(appid)).count();
    }

    /** Whether the guard would hold eviction back at the next sweep, given the renewals of the last minute. */
    synchronized boolean protectedByGuard() {
        return selfPreservation && gd.ok();
    }

    // ---- internals ------------------------------------------------------------------------------

    /** {@code Registry.cancel}: also used by eviction, which does not touch the guard's expectation. */
    private Instance cancelLocked(String zone, String env, String appid, String hostname, long latestTime,
                                  List<Send> sends) {
        Apps as = appm.get(appsKey(appid, env));
        App a = as == null ? null : as.apps.get(zone);
        if (a == null) {
            return null;
        }
        Instance oi = a.instances.remove(hostname);
        if (oi == null) {
            return null;
        }
        oi.latestTimestamp = latestTime;
        a.updateLatest(latestTime);
        as.updateLatest(latestTime);
        if (a.instances.isEmpty()) {
            as.apps.remove(zone);
        }
        if (as.apps.isEmpty()) {
            appm.remove(appsKey(appid, env));
        }
        sends.addAll(broadcast(env, appid));
        return oi.copy();
    }

    /**
     * {@code Registry.broadcast}: takes every request filed for (env, appid) off the list and owes
     * each {@code count} messages carrying that app alone. A request for which the app cannot be
     * fetched any more (its last instance went, or its zone has none) gets nothing: it is answered
     * only when its hold ends.
     */
    private List<Send> broadcast(String env, String appid) {
        Map<String, Conn> hosts = conns.remove(pollKey(env, appid));
        if (hosts == null) {
            return List.of();
        }
        List<Send> sends = new ArrayList<>();
        for (Conn c : hosts.values()) {
            Fetched f = fetch(c.arg.zone(), env, appid, 0, STATUS_UP);
            if (!f.found()) {
                continue;
            }
            for (int n = 0; n < c.count; n++) {
                ObjectNode message = JSON.createObjectNode();
                message.set(appid, f.info().deepCopy());
                sends.add(new Send(c.ch, message));
            }
        }
        return sends;
    }

    /** The channel sends of a broadcast, each given up after 500 ms on a full channel. */
    private static void send(List<Send> sends) {
        for (Send s : sends) {
            try {
                s.ch().offer(s.message(), SEND_GIVE_UP.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** {@code Registry.evict}: expired instances in random order, at most 15 % of the registry per tick. */
    private int evict(List<Send> sends) {
        boolean protect = selfPreservation && gd.ok();
        long now = clock.nanos();
        List<Instance> eis = new ArrayList<>();
        List<Instance> everything = all();
        int registrySize = everything.size();
        for (Instance i : everything) {
            long delta = now - i.renewTimestamp;
            if ((!protect && delta > EVICT_THRESHOLD) || delta > EVICT_CEILING) {
                eis.add(i);
            }
        }
        int eCnt = eis.size();
        int evictionLimit = registrySize - (int) (registrySize * PERCENT_THRESHOLD);
        if (eCnt > evictionLimit) {
            eCnt = evictionLimit;
        }
        for (int n = 0; n < eCnt; n++) {
            int next = n + random.nextInt(eis.size() - n);
            Instance picked = eis.get(next);
            eis.set(next, eis.get(n));
            eis.set(n, picked);
            cancelLocked(picked.zone, picked.env, picked.appid, picked.hostname, clock.nanos(), sends);
        }
        return eCnt;
    }

    /** {@code Registry.resetExp}. */
    private void resetExp() {
        gd.setExp(all().size());
    }

    /**
     * {@code json.Unmarshal(metadata, &dst.Metadata)}: merges into the existing map; a value that is
     * not a string is stored as "" and fails the call; {@code null} clears the map.
     */
    private static boolean mergeMetadata(Instance dst, String raw) {
        JsonNode parsed;
        try {
            parsed = JSON.readTree(raw);
        } catch (IOException e) {
            return false;
        }
        if (parsed == null) {
            return false;
        }
        if (parsed.isNull()) {
            dst.metadata = null;
            return true;
        }
        if (!parsed.isObject()) {
            return false;
        }
        if (dst.metadata == null) {
            dst.metadata = new TreeMap<>();
        }
        boolean allStrings = true;
        for (Map.Entry<String, JsonNode> e : parsed.properties()) {
            allStrings &= e.getValue().isTextual();
            dst.metadata.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : "");
        }
        return allStrings;
    }

    private List<Instance> all() {
        List<Instance> out = new ArrayList<>();
        appm.values().forEach(as -> as.apps.values().forEach(a -> out.addAll(a.instances.values())));
        return out;
    }

    private static String appsKey(String appid, String env) {
        return appid + "-" + env;
    }

    private static String pollKey(String env, String appid) {
        return env + "." + appid;
    }
}
