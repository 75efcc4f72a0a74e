package dev.naming.inmemory;

import dev.naming.HealthCheck;
import dev.naming.NamingException;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.spi.InputChecks;
import dev.naming.spi.RegistryUnreachableException;
import dev.naming.spi.ServiceWatch;
import dev.naming.spi.WatchSink;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;

/**
 * A registry held in this JVM's memory: the reference semantics of the naming contract.
 *
 * <p>{@code inmemory:} gives each {@code Naming} a private registry; {@code inmemory://NAME} shares
 * the registry {@link #named(String) named} NAME between every {@code Naming} of the JVM that uses
 * it, which is how tests simulate several processes.
 *
 * <p>Health: an instance with a TTL check is healthy while its owner reports it within the TTL
 * (the owning {@code Naming} does so every 250 ms); one not reported for TTL is hidden, and one not
 * reported for TTL + deregister-critical-after is removed. HTTP and TCP checks are not probed in
 * memory: such an instance is healthy while registered.
 *
 * <p>For tests of code built on the library, {@link #setReachable(boolean)} simulates a registry
 * outage, {@link #forgetAll()} a registry that lost its state, and {@link #requestCount()} and
 * {@link #requests()} show what the {@code Naming}s asked of it, as a server's access log would.
 *
 * <p>Reads and watches list instances in an order of the registry's own, as a remote registry's
 * replies do: shuffled on every change, and never already sorted by id. The library sorts them; a
 * test that sees them sorted sees the library's work.
 *
 * <p><b>Lifetime of a named registry.</b> It is kept while it is in use: while a {@code Naming}
 * that names it is open (not yet closed), while it holds an instance, or while it is set
 * unreachable. Out of use, it is held only weakly: it stays the same object as long as someone
 * holds a reference to it (a test that called {@link #named(String)}), and is released once nobody
 * does. A registry is released only when it is empty and reachable, so that the next
 * {@code named(NAME)} starts from exactly the state the released one was in: the release is never
 * visible, and a JVM that used many names does not keep them all.
 *
 * <p>Reads are lock-free: each service keeps an immutable list of its healthy instances, rebuilt
 * on every change.
 *
 * <p>Watchers are told of a change under the locks of the write that made it, so that they see the
 * lists in the order they were made; a listener that runs on the changing thread
 * ({@code SubscribeOptions.withExecutor(Runnable::run)}) is called once those locks are released
 * ({@link WatchSink#deferListeners}).
 */
public final class InMemoryRegistry {

    /** How many of the latest requests {@link #requests()} keeps. */
    public static final int REQUESTS_KEPT = 10_000;

    private static final Map<String, Slot> NAMED = new ConcurrentHashMap<>();
    private static final ReferenceQueue<InMemoryRegistry> RELEASED = new ReferenceQueue<>();

    private final String name;
    private final LongSupplier nanoClock;
    private final Map<String, ServiceTable> services = new ConcurrentHashMap<>();
    private final Map<String, String> serviceOfId = new ConcurrentHashMap<>();
    private volatile boolean reachable = true;
    private final AtomicLong requestCount = new AtomicLong();
    /** The latest requests, request n at n % REQUESTS_KEPT: a ring, so that reads stay lock-free. */
    private final AtomicReferenceArray<Request> latestRequests = new AtomicReferenceArray<>(REQUESTS_KEPT);
    /** Where this registry is listed in {@link #NAMED}; {@code null} for a private registry. */
    private Slot slot;
    /** Open {@code Naming}s on this registry. */
    private int users;

    InMemoryRegistry(String name, LongSupplier nanoClock) {
        this.name = name;
        this.nanoClock = nanoClock;
    }

    /** The registry shared under {@code name} in this JVM, created on first use. */
    public static InMemoryRegistry named(String name) {
        InputChecks.identifier("registry name", name);
        expungeReleased();
        while (true) {
            Slot slot = NAMED.get(name);
            InMemoryRegistry registry = slot == null ? null : slot.get();
            if (registry != null) {
                return registry;
            }
            InMemoryRegistry created = new InMemoryRegistry(name, System::nanoTime);
            Slot fresh = new Slot(created);
            created.slot = fresh;
            if (slot == null ? NAMED.putIfAbsent(name, fresh) == null : NAMED.replace(name, slot, fresh)) {
                return created;
            }
        }
    }

    /** Whether a registry is listed under {@code name} (in use, or not yet collected): for tests. */
    static boolean isListed(String name) {
        expungeReleased();
        return NAMED.containsKey(name);
    }

    private static void expungeReleased() {
        for (Reference<?> released; (released = RELEASED.poll()) != null; ) {
            Slot slot = (Slot) released;
            NAMED.remove(slot.name, slot);
        }
    }

    /** A registry of its own, for {@code inmemory:}. */
    static InMemoryRegistry anonymous() {
        return new InMemoryRegistry("", System::nanoTime);
    }

    /** The name it is shared under; empty for a private registry. */
    public String name() {
        return name;
    }

    /**
     * Simulates an outage: while unreachable, reads and writes throw
     * {@link RegistryUnreachableException} (a {@link NamingException}) and
     * watches report failures (subscribers keep their last lists); when reachable again, watches
     * report the current state.
     */
    public void setReachable(boolean reachable) {
        reporting(() -> reachable(reachable));
    }

    private void reachable(boolean reachable) {
        if (this.reachable == reachable) {
            return;
        }
        this.reachable = reachable;
        for (ServiceTable table : services.values()) {
            table.reachabilityChanged(reachable);
        }
        keepWhileInUse();
    }

    /**
     * Forgets every registration, as a registry restarted without its data would. Watches are told
     * of the loss first, so subscribers keep the forgotten instances for the grace window while
     * owners register them again (at once if they watch, else at their next heartbeat).
     */
    public void forgetAll() {
        reporting(this::forgetAllLocked);
    }

    private synchronized void forgetAllLocked() {
        serviceOfId.clear();
        for (ServiceTable table : services.values()) {
            table.clear();
        }
        keepWhileInUse();
    }

    /** Registered instances, healthy or not, of every service: for tests and diagnostics. */
    public int size() {
        return serviceOfId.size();
    }

    /**
     * Requests the {@code Naming}s on this registry have made so far: every register, deregister,
     * heartbeat, drain, undrain, find (a read, not one answered from a subscription) and watch
     * started, those refused during a simulated outage included. The registry's own sweeping of
     * expired instances is no request. For tests: that invalid input sends nothing, that a
     * subscribed {@code find} reads nothing, that a closed {@code Naming} stays quiet.
     */
    public long requestCount() {
        return requestCount.get();
    }

    /**
     * The latest requests (at most {@value #REQUESTS_KEPT}), oldest first, one line each: the call
     * and its arguments, e.g. {@code register chat.logic logic-1}, {@code heartbeat logic-1},
     * {@code find chat.logic}, {@code watch chat.logic}.
     */
    public List<String> requests() {
        long end = requestCount.get();
        List<String> lines = new ArrayList<>();
        for (long n = Math.max(0, end - REQUESTS_KEPT); n < end; n++) {
            Request request = latestRequests.get((int) (n % REQUESTS_KEPT));
            if (request != null && request.number() == n) {
                lines.add(request.line());
            }
        }
        return lines;
    }

    private void received(String call, String... arguments) {
        long n = requestCount.getAndIncrement();
        latestRequests.set((int) (n % REQUESTS_KEPT), new Request(n, call, arguments));
    }

    // ---- used by InMemoryNaming -------------------------------------------------------------------

    /** An open {@code Naming} uses this registry: it is kept until {@link #detach()}. */
    synchronized void attach() {
        users++;
        keepWhileInUse();
    }

    /** A {@code Naming} that {@link #attach() attached} is closed. */
    synchronized void detach() {
        users--;
        keepWhileInUse();
    }

    // writes of one id touch two maps and up to two tables: one at a time, so that concurrent
    // registrations of an id under two names cannot leave it in both (reads stay lock-free)
    void register(ServiceRegistration registration) {
        reporting(() -> registerLocked(registration));
    }

    private synchronized void registerLocked(ServiceRegistration registration) {
        received("register", registration.name(), registration.id());
        ensureReachable();
        String previous = serviceOfId.put(registration.id(), registration.name());
        if (previous != null && !previous.equals(registration.name())) {
            table(previous).remove(registration.id());
        }
        table(registration.name()).put(new Entry(registration, nanoClock.getAsLong(), false));
        keepWhileInUse();
    }

    void deregister(String id) {
        reporting(() -> deregisterLocked(id));
    }

    private synchronized void deregisterLocked(String id) {
        received("deregister", id);
        ensureReachable();
        String service = serviceOfId.remove(id);
        if (service != null) {
            table(service).remove(id);
            keepWhileInUse();
        }
    }

    /** Reports an instance alive; {@code false} when the registry does not know it (any more). */
    boolean heartbeat(String id) {
        received("heartbeat", id);
        ensureReachable();
        String service = serviceOfId.get(id);
        return service != null && WatchSink.deferListeners(() -> table(service).pass(id, nanoClock.getAsLong()));
    }

    /** Takes an instance out of reads ({@code drained}) or puts it back; a registration clears it. */
    void drain(String service, String id, boolean drained) {
        reporting(() -> drainLocked(service, id, drained));
    }

    private synchronized void drainLocked(String service, String id, boolean drained) {
        received(drained ? "drain" : "undrain", service, id);
        ensureReachable();
        if (!service.equals(serviceOfId.get(id))) {
            throw new NamingException("in-memory registry '" + name + "' has no instance '" + id + "' of '" + service
                    + "'");
        }
        table(service).drain(id, drained);
    }

    List<ServiceInstance> find(String service) {
        received("find", service);
        ensureReachable();
        ServiceTable table = services.get(service);
        // a read may find a lapsed instance and tell the watchers
        return table == null ? List.of() : WatchSink.deferListeners(table::healthy);
    }

    ServiceWatch watch(String service, WatchSink sink) {
        received("watch", service);
        ServiceTable table = table(service);
        reporting(() -> table.addWatcher(sink, reachable));
        return () -> table.removeWatcher(sink);
    }

    /** Hides instances past their TTL and removes those past TTL + deregister-critical-after. */
    void sweep() {
        reporting(this::sweepNow);
    }

    private void sweepNow() {
        long now = nanoClock.getAsLong();
        boolean removedAny = false;
        for (ServiceTable table : services.values()) {
            for (String removed : table.expire(now)) {
                removedAny |= serviceOfId.remove(removed, table.service);
            }
        }
        if (removedAny) {
            keepWhileInUse();
        }
    }

    /** Runs a write whose reports to watchers start their listeners only after its locks are released. */
    private static void reporting(Runnable write) {
        WatchSink.deferListeners(() -> {
            write.run();
            return null;
        });
    }

    private ServiceTable table(String service) {
        return services.computeIfAbsent(service, ServiceTable::new);
    }

    /**
     * Holds this named registry strongly while it is in use or holds state, weakly otherwise.
     * Synchronized: the last call sees every change made before it, so the hold cannot be stale.
     */
    private synchronized void keepWhileInUse() {
        if (slot != null) {
            slot.strong = users > 0 || !serviceOfId.isEmpty() || !reachable ? this : null;
        }
    }

    private void ensureReachable() {
        if (!reachable) {
            throw outage();
        }
    }

    /** What every call meets during a simulated outage: a failure that trying later cures. */
    private RegistryUnreachableException outage() {
        return new RegistryUnreachableException("in-memory registry '" + name + "' is unreachable (simulated outage)");
    }

    /** The entry of a named registry: weak, and strong while the registry is in use. */
    private static final class Slot extends WeakReference<InMemoryRegistry> {
        final String name;
        volatile InMemoryRegistry strong;

        Slot(InMemoryRegistry registry) {
            super(registry, RELEASED);
            this.name = registry.name;
        }
    }

    /** {@code byId} shuffled, and never left sorted when it has two instances or more. */
    private static List<ServiceInstance> unsorted(List<ServiceInstance> byId) {
        List<ServiceInstance> shuffled = new ArrayList<>(byId);
        Collections.shuffle(shuffled, ThreadLocalRandom.current());
        if (shuffled.size() > 1 && shuffled.equals(byId)) {
            Collections.rotate(shuffled, 1);
        }
        return List.copyOf(shuffled);
    }

    /** The {@code n}-th request, as {@link #requests()} prints it. */
    private record Request(long number, String call, String[] arguments) {

        String line() {
            return arguments.length == 0 ? call : call + " " + String.join(" ", arguments);
        }
    }

    /** One registered instance, when its owner last reported it alive, and whether it is drained. */
    private record Entry(ServiceRegistration registration, long lastPass, boolean drained) {

        Entry passed(long now) {
            return new Entry(registration, now, drained);
        }

        /** Alive (TTL not lapsed): kept registered, whether drained or not. */
        boolean alive(long now) {
            HealthCheck check = registration.check();
            return check.kind() != HealthCheck.Kind.TTL || now - lastPass <= check.ttl().toNanos();
        }

        boolean healthy(long now) {
            return !drained && alive(now);
        }

        boolean expired(long now) {
            HealthCheck check = registration.check();
            return check.kind() == HealthCheck.Kind.TTL
                    && now - lastPass > check.ttl().toNanos() + registration.deregisterCriticalAfter().toNanos();
        }
    }

    /**
     * The instances of one service. Every change and its notification happen under this table's
     * monitor, so watchers see the lists in the order they were made.
     */
    private final class ServiceTable {
        private final String service;
        private final Map<String, Entry> entries = new ConcurrentHashMap<>();
        private final List<WatchSink> watchers = new CopyOnWriteArrayList<>();
        /** The healthy instances in the registry's own order; {@link #sorted} the same, by id. */
        private volatile List<ServiceInstance> healthy = List.of();
        private List<ServiceInstance> sorted = List.of();
        /**
         * When the first healthy TTL instance lapses unless reported again; {@code Long.MAX_VALUE}
         * when none can. Lets a read hide an instance whose owner died without waiting for some
         * other live {@code Naming}'s sweep: a registry of readers only must not serve the dead.
         */
        private volatile long staleAt = Long.MAX_VALUE;

        ServiceTable(String service) {
            this.service = service;
        }

        List<ServiceInstance> healthy() {
            long lapse = staleAt;
            if (lapse != Long.MAX_VALUE && nanoClock.getAsLong() - lapse > 0) {
                refresh();
            }
            return healthy;
        }

        private synchronized void refresh() {
            rebuild(nanoClock.getAsLong());
        }

        synchronized void put(Entry entry) {
            entries.put(entry.registration().id(), entry);
            rebuild(nanoClock.getAsLong());
        }

        synchronized void remove(String id) {
            if (entries.remove(id) != null) {
                rebuild(nanoClock.getAsLong());
            }
        }

        synchronized void clear() {
            if (reachable) {
                // what a watch of a restarted registry sees: a sign of the loss, then the empty list
                watchers.forEach(WatchSink::stateLost);
            }
            entries.clear();
            rebuild(nanoClock.getAsLong());
        }

        synchronized void drain(String id, boolean drained) {
            Entry entry = entries.get(id);
            if (entry != null && entry.drained() != drained) {
                entries.put(id, new Entry(entry.registration(), entry.lastPass(), drained));
                rebuild(nanoClock.getAsLong());
            }
        }

        synchronized boolean pass(String id, long now) {
            Entry entry = entries.get(id);
            if (entry == null) {
                return false;
            }
            entries.put(id, entry.passed(now));
            if (!entry.alive(now)) {
                rebuild(now);
            }
            return true;
        }

        synchronized List<String> expire(long now) {
            List<String> removed = new ArrayList<>();
            entries.values().removeIf(e -> {
                if (e.expired(now)) {
                    removed.add(e.registration().id());
                    return true;
                }
                return false;
            });
            rebuild(now);
            return removed;
        }

        synchronized void addWatcher(WatchSink sink, boolean reachable) {
            watchers.add(sink);
            if (reachable) {
                sink.snapshot(healthy);
            } else {
                sink.failure(outage());
            }
        }

        void removeWatcher(WatchSink sink) {
            watchers.remove(sink);
        }

        synchronized void reachabilityChanged(boolean nowReachable) {
            for (WatchSink sink : watchers) {
                if (nowReachable) {
                    sink.snapshot(healthy);
                } else {
                    sink.failure(outage());
                }
            }
        }

        /** Recomputes the healthy list; tells watchers when it changed and the registry is reachable. */
        private void rebuild(long now) {
            List<ServiceInstance> list = new ArrayList<>();
            long lapse = Long.MAX_VALUE;
            for (Entry e : entries.values()) {
                if (e.healthy(now)) {
                    list.add(e.registration().instance());
                    if (e.registration().check().kind() == HealthCheck.Kind.TTL) {
                        long at = e.lastPass() + e.registration().check().ttl().toNanos();
                        lapse = lapse == Long.MAX_VALUE || at - lapse < 0 ? at : lapse;
                    }
                }
            }
            staleAt = lapse;
            list.sort(Comparator.comparing(ServiceInstance::id));
            if (list.equals(sorted)) {
                return;
            }
            sorted = List.copyOf(list);
            List<ServiceInstance> next = unsorted(list);
            healthy = next;
            if (reachable) {
                for (WatchSink sink : watchers) {
                    sink.snapshot(next);
                }
            }
        }
    }
}
