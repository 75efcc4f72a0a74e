package dev.naming.inmemory;

import dev.naming.HealthCheck;
import dev.naming.NamingException;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.spi.ServiceWatch;
import dev.naming.spi.Validation;
import dev.naming.spi.WatchSink;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * outage and {@link #forgetAll()} a registry that lost its state.
 *
 * <p>Reads are lock-free: each service keeps an immutable list of its healthy instances, rebuilt
 * on every change.
 */
public final class InMemoryRegistry {

    private static final Map<String, InMemoryRegistry> NAMED = new ConcurrentHashMap<>();

    private final String name;
    private final LongSupplier nanoClock;
    private final Map<String, ServiceTable> services = new ConcurrentHashMap<>();
    private final Map<String, String> serviceOfId = new ConcurrentHashMap<>();
    private volatile boolean reachable = true;

    InMemoryRegistry(String name, LongSupplier nanoClock) {
        this.name = name;
        this.nanoClock = nanoClock;
    }

    /** The registry shared under {@code name} in this JVM, created on first use. */
    public static InMemoryRegistry named(String name) {
        Validation.identifier("registry name", name);
        return NAMED.computeIfAbsent(name, n -> new InMemoryRegistry(n, System::nanoTime));
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
     * Simulates an outage: while unreachable, reads and writes throw {@link NamingException} and
     * watches report failures (subscribers keep their last lists); when reachable again, watches
     * report the current state.
     */
    public void setReachable(boolean reachable) {
        if (this.reachable == reachable) {
            return;
        }
        this.reachable = reachable;
        for (ServiceTable table : services.values()) {
            table.reachabilityChanged(reachable);
        }
    }

    /**
     * Forgets every registration, as a registry restarted without its data would. Watches are told
     * of the loss first, so subscribers keep the forgotten instances for the grace window while
     * owners register them again (at once if they watch, else at their next heartbeat).
     */
    public synchronized void forgetAll() {
        serviceOfId.clear();
        for (ServiceTable table : services.values()) {
            table.clear();
        }
    }

    /** Registered instances, healthy or not, of every service: for tests and diagnostics. */
    public int size() {
        return serviceOfId.size();
    }

    // ---- used by InMemoryNaming -------------------------------------------------------------------

    // writes of one id touch two maps and up to two tables: one at a time, so that concurrent
    // registrations of an id under two names cannot leave it in both (reads stay lock-free)
    synchronized void register(ServiceRegistration registration) {
        ensureReachable();
        String previous = serviceOfId.put(registration.id(), registration.name());
        if (previous != null && !previous.equals(registration.name())) {
            table(previous).remove(registration.id());
        }
        table(registration.name()).put(new Entry(registration, nanoClock.getAsLong()));
    }

    synchronized void deregister(String id) {
        ensureReachable();
        String service = serviceOfId.remove(id);
        if (service != null) {
            table(service).remove(id);
        }
    }

    /** Reports an instance alive; {@code false} when the registry does not know it (any more). */
    boolean heartbeat(String id) {
        ensureReachable();
        String service = serviceOfId.get(id);
        return service != null && table(service).pass(id, nanoClock.getAsLong());
    }

    List<ServiceInstance> find(String service) {
        ensureReachable();
        ServiceTable table = services.get(service);
        return table == null ? List.of() : table.healthy();
    }

    ServiceWatch watch(String service, WatchSink sink) {
        ServiceTable table = table(service);
        table.addWatcher(sink, reachable);
        return () -> table.removeWatcher(sink);
    }

    /** Hides instances past their TTL and removes those past TTL + deregister-critical-after. */
    void sweep() {
        long now = nanoClock.getAsLong();
        for (ServiceTable table : services.values()) {
            for (String removed : table.expire(now)) {
                serviceOfId.remove(removed, table.service);
            }
        }
    }

    private ServiceTable table(String service) {
        return services.computeIfAbsent(service, ServiceTable::new);
    }

    private void ensureReachable() {
        if (!reachable) {
            throw new NamingException("in-memory registry '" + name + "' is unreachable (simulated outage)");
        }
    }

    /** One registered instance and when its owner last reported it alive. */
    private record Entry(ServiceRegistration registration, long lastPass) {

        Entry passed(long now) {
            return new Entry(registration, now);
        }

        boolean healthy(long now) {
            HealthCheck check = registration.check();
            return check.kind() != HealthCheck.Kind.TTL || now - lastPass <= check.ttl().toNanos();
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
        private volatile List<ServiceInstance> healthy = List.of();
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

        synchronized boolean pass(String id, long now) {
            Entry entry = entries.get(id);
            if (entry == null) {
                return false;
            }
            entries.put(id, entry.passed(now));
            if (!entry.healthy(now)) {
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
                sink.failure(new NamingException("in-memory registry '" + name + "' is unreachable (simulated outage)"));
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
                    sink.failure(new NamingException("in-memory registry '" + name + "' is unreachable (simulated outage)"));
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
            List<ServiceInstance> next = List.copyOf(list);
            if (next.equals(healthy)) {
                return;
            }
            healthy = next;
            if (reachable) {
                for (WatchSink sink : watchers) {
                    sink.snapshot(next);
                }
            }
        }
    }
}
