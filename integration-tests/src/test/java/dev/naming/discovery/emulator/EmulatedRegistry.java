package dev.naming.discovery.emulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * One discovery node's registry, following the server: instances keyed by (appid, env, zone,
 * hostname); one nanosecond {@code latest_timestamp} per (appid, env), raised by register, cancel
 * and eviction (to at least previous + 1), not by renew; held polls woken by a change with only
 * the changed app; cancelling an app's last instance deletes the app and wakes no one; eviction of
 * instances silent for more than 90 s at {@link #sweep()}, unless in self-preservation.
 */
final class EmulatedRegistry {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration EVICT_AFTER = Duration.ofSeconds(90);
    static final Duration PRESERVED_EVICT_AFTER = Duration.ofHours(1);

    /** A registered instance; fields mirror the server's JSON. */
    static final class Instance {
        String region = "";
        String zone;
        String env;
        String appid;
        String hostname;
        List<String> addrs = List.of();
        String version = "";
        Map<String, String> metadata = new TreeMap<>();
        int status;
        long regTimestamp;
        long upTimestamp;
        long renewTimestamp;
        long dirtyTimestamp;
        long latestTimestamp;

        Instance copy() {
            Instance i = new Instance();
            i.region = region;
            i.zone = zone;
            i.env = env;
            i.appid = appid;
            i.hostname = hostname;
            i.addrs = List.copyOf(addrs);
            i.version = version;
            i.metadata = new TreeMap<>(metadata);
            i.status = status;
            i.regTimestamp = regTimestamp;
            i.upTimestamp = upTimestamp;
            i.renewTimestamp = renewTimestamp;
            i.dirtyTimestamp = dirtyTimestamp;
            i.latestTimestamp = latestTimestamp;
            return i;
        }

        ObjectNode json() {
            ObjectNode n = JSON.createObjectNode();
            n.put("region", region).put("zone", zone).put("env", env).put("appid", appid).put("hostname", hostname);
            ArrayNode a = n.putArray("addrs");
            addrs.forEach(a::add);
            n.put("version", version);
            ObjectNode m = n.putObject("metadata");
            metadata.forEach(m::put);
            n.put("status", status).put("reg_timestamp", regTimestamp).put("up_timestamp", upTimestamp)
                    .put("renew_timestamp", renewTimestamp).put("dirty_timestamp", dirtyTimestamp)
                    .put("latest_timestamp", latestTimestamp);
            return n;
        }
    }

    private static final class App {
        long latestTimestamp;
        final Map<String, Map<String, Instance>> zones = new TreeMap<>();

        int size() {
            return zones.values().stream().mapToInt(Map::size).sum();
        }
    }

    /** A held poll. */
    static final class Waiter {
        final String env;
        final String zone;
        final String hostname;
        final Set<String> appids;
        final CompletableFuture<ObjectNode> reply = new CompletableFuture<>();

        Waiter(String env, String zone, String hostname, Set<String> appids) {
            this.env = env;
            this.zone = zone;
            this.hostname = hostname;
            this.appids = new HashSet<>(appids);
        }
    }

    /** The outcome of a polls check: an immediate reply, or a waiter to hold. */
    record PollCheck(ObjectNode data, List<String> missing, Waiter waiter) {
    }

    private final EmulatorClock clock;
    private final Map<String, App> apps = new HashMap<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private final Deque<Long> renews = new ArrayDeque<>();
    private long lastStamp;
    private boolean selfPreservation = true;

    EmulatedRegistry(EmulatorClock clock) {
        this.clock = clock;
    }

    synchronized void selfPreservation(boolean enabled) {
        this.selfPreservation = enabled;
    }

    // ---- writes ---------------------------------------------------------------------------------

    synchronized void register(Instance incoming) {
        long now = clock.nanos();
        Instance i = incoming.copy();
        App app = apps.computeIfAbsent(key(i.env, i.appid), k -> new App());
        Map<String, Instance> zone = app.zones.computeIfAbsent(i.zone, z -> new LinkedHashMap<>());
        Instance previous = zone.get(i.hostname);
        i.regTimestamp = now;
        i.upTimestamp = previous != null ? previous.upTimestamp : now;
        i.renewTimestamp = now;
        i.dirtyTimestamp = i.dirtyTimestamp > 0 ? i.dirtyTimestamp : now;
        long stamp = raise(app);
        i.latestTimestamp = stamp;
        zone.put(i.hostname, i);
        broadcast(i.env, i.appid);
    }

    /** The renewed instance, or {@code null} when unknown (-404). */
    synchronized Instance renew(String zone, String env, String appid, String hostname) {
        Instance i = find(zone, env, appid, hostname);
        if (i == null) {
            return null;
        }
        long now = clock.nanos();
        i.renewTimestamp = now;
        renews.addLast(now);
        return i;
    }

    /** {@code false} when unknown (-404). */
    synchronized boolean cancel(String zone, String env, String appid, String hostname) {
        return remove(zone, env, appid, hostname);
    }

    /** The server's {@code set}: merges metadata, may set status; wakes pollers without raising the stamp. */
    synchronized boolean set(String zone, String env, String appid, List<String> hostnames, List<String> statuses,
                             List<String> metadata) {
        App app = apps.get(key(env, appid));
        Map<String, Instance> z = app == null ? null : app.zones.get(zone);
        if (z == null) {
            return false;
        }
        for (String h : hostnames) {
            if (!z.containsKey(h)) {
                return false;
            }
        }
        for (int n = 0; n < hostnames.size(); n++) {
            Instance i = z.get(hostnames.get(n));
            if (!statuses.isEmpty()) {
                i.status = Integer.parseInt(statuses.get(n));
            }
            if (!metadata.isEmpty()) {
                i.metadata.putAll(DiscoveryEmulator.stringMap(metadata.get(n)));
            }
        }
        broadcast(env, appid);
        return true;
    }

    /** The minute sweep: evicts instances silent for more than 90 s (an hour in self-preservation). */
    synchronized int sweep() {
        long now = clock.nanos();
        long minute = Duration.ofMinutes(1).toNanos();
        while (!renews.isEmpty() && renews.peekFirst() < now - minute) {
            renews.removeFirst();
        }
        int count = apps.values().stream().mapToInt(App::size).sum();
        boolean preserving = selfPreservation && count > 0 && renews.size() < 0.85 * 2 * count;
        long limit = (preserving ? PRESERVED_EVICT_AFTER : EVICT_AFTER).toNanos();
        List<Instance> expired = new ArrayList<>();
        for (App app : apps.values()) {
            for (Map<String, Instance> z : app.zones.values()) {
                for (Instance i : z.values()) {
                    if (now - i.renewTimestamp > limit) {
                        expired.add(i);
                    }
                }
            }
        }
        expired.forEach(i -> remove(i.zone, i.env, i.appid, i.hostname));
        return expired.size();
    }

    /** Evicts every instance, as a restart that lost its state followed by eviction would. */
    synchronized void evictAll() {
        List<Instance> all = new ArrayList<>();
        apps.values().forEach(a -> a.zones.values().forEach(z -> all.addAll(z.values())));
        all.forEach(i -> remove(i.zone, i.env, i.appid, i.hostname));
    }

    /** Drops everything at once without waking anyone: a node that restarted empty. */
    synchronized void clear() {
        apps.clear();
    }

    // ---- reads ----------------------------------------------------------------------------------

    /** The app info ({@code instances}, {@code latest_timestamp}), or {@code null} for -404. */
    synchronized ObjectNode fetch(String env, String appid, String zone, int statusMask) {
        App app = apps.get(key(env, appid));
        if (app == null) {
            return null;
        }
        ObjectNode info = JSON.createObjectNode();
        ObjectNode byZone = info.putObject("instances");
        boolean found = false;
        for (Map.Entry<String, Map<String, Instance>> z : app.zones.entrySet()) {
            if (!zone.isEmpty() && !z.getKey().equals(zone)) {
                continue;
            }
            found = true;
            ArrayNode list = byZone.putArray(z.getKey());
            for (Instance i : z.getValue().values()) {
                if ((i.status & statusMask) != 0) {
                    list.add(i.json());
                }
            }
        }
        if (!found) {
            return null;
        }
        info.put("latest_timestamp", app.latestTimestamp);
        return info;
    }

    synchronized List<Instance> instances(String env, String appid) {
        App app = apps.get(key(env, appid));
        List<Instance> out = new ArrayList<>();
        if (app != null) {
            app.zones.values().forEach(z -> z.values().forEach(i -> out.add(i.copy())));
        }
        return out;
    }

    synchronized int instanceCount() {
        return apps.values().stream().mapToInt(App::size).sum();
    }

    /**
     * The polls check: apps newer than the client's timestamp answer at once (with the unknown ones
     * listed); otherwise a waiter is registered for every known app and returned to be held.
     */
    synchronized PollCheck polls(String env, String zone, String hostname, List<String> appids, List<Long> stamps) {
        ObjectNode data = JSON.createObjectNode();
        List<String> missing = new ArrayList<>();
        for (int n = 0; n < appids.size(); n++) {
            String appid = appids.get(n);
            App app = apps.get(key(env, appid));
            ObjectNode info = app == null ? null : fetch(env, appid, zone, 1);
            if (info == null) {
                missing.add(appid);
            } else if (app.latestTimestamp > stamps.get(n)) {
                data.set(appid, info);
            }
        }
        if (data.size() > 0) {
            return new PollCheck(data, missing, null);
        }
        Waiter w = new Waiter(env, zone, hostname, new LinkedHashSet<>(appids));
        waiters.add(w);
        return new PollCheck(null, missing, w);
    }

    synchronized void forget(Waiter w) {
        waiters.remove(w);
    }

    /** Ends every held poll (the node goes down). */
    synchronized void dropWaiters() {
        for (Waiter w : waiters) {
            w.reply.cancel(false);
        }
        waiters.clear();
    }

    // ---- internals ------------------------------------------------------------------------------

    private boolean remove(String zone, String env, String appid, String hostname) {
        App app = apps.get(key(env, appid));
        Map<String, Instance> z = app == null ? null : app.zones.get(zone);
        if (z == null || z.remove(hostname) == null) {
            return false;
        }
        raise(app);
        if (z.isEmpty()) {
            app.zones.remove(zone);
        }
        if (app.zones.isEmpty()) {
            apps.remove(key(env, appid));
        }
        broadcast(env, appid);
        return true;
    }

    /**
     * Wakes the polls held for (env, appid) with that app alone. As in the server, a waiter for
     * which the app cannot be fetched any more (its last instance went) is dropped from that app's
     * list and not woken: it is answered only when its hold ends.
     */
    private void broadcast(String env, String appid) {
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (!w.env.equals(env) || !w.appids.contains(appid)) {
                continue;
            }
            ObjectNode info = fetch(env, appid, w.zone, 1);
            if (info == null) {
                w.appids.remove(appid);
                continue;
            }
            ObjectNode data = JSON.createObjectNode();
            data.set(appid, info);
            w.reply.complete(data);
            it.remove();
        }
    }

    private long raise(App app) {
        long stamp = Math.max(clock.nanos(), Math.max(lastStamp, app.latestTimestamp) + 1);
        lastStamp = stamp;
        app.latestTimestamp = stamp;
        return stamp;
    }

    private Instance find(String zone, String env, String appid, String hostname) {
        App app = apps.get(key(env, appid));
        Map<String, Instance> z = app == null ? null : app.zones.get(zone);
        return z == null ? null : z.get(hostname);
    }

    private static String key(String env, String appid) {
        return env + "\u0000" + appid;
    }
}
