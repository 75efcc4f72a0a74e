package dev.naming.spi;

import dev.naming.Naming;
import dev.naming.NamingException;
import dev.naming.OnShutdown;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.SubscribeOptions;
import dev.naming.Subscription;
import dev.naming.internal.Validation;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * The part of every backend's {@link Naming} that is the same everywhere: input checks, one
 * shared watch per service with fan-out to subscribers, find-from-watch, last-known-good lists,
 * warm-up, tag filtering, and the keep-alive of what this {@code Naming} registered — renewals,
 * registering again what the registry forgot, probing an unreachable registry, and removing
 * everything at {@link #close()}.
 *
 * <p>A backend supplies {@link #fetch}, {@link #watch}, its {@link #registrar()} and optionally
 * {@link #checkRegistration}, plus its shutdown hooks {@link #stopBackground()} and
 * {@link #release()}; it tells the keep-alive of signs that the registry lost its state with
 * {@link #registryMayHaveForgotten()}. Input reaching a backend has been validated.
 *
 * <p>Threads: listener calls run on a small dispatcher pool ({@value #DISPATCH_THREADS} threads at
 * most, started on demand, named {@code naming-<backend>-dispatch-N}) and warm-up timers on one
 * {@code naming-<backend>-timer} thread (which also ends the pauses of watches backing off), renewals
 * on one {@code naming-<backend>-keepalive} thread started by the first registration, checks of a
 * registry that may be unreachable ({@link #probe}) on one {@code naming-<backend>-probe} thread
 * started when one is needed; all end at {@link #close()}. A listener that blocks holds
 * one dispatcher thread and delays only its own subscription.
 */
public abstract class AbstractNaming implements Naming {

    private static final Logger LOG = NamingLoggers.get(AbstractNaming.class);
    static final int DISPATCH_THREADS = 16;
    /** The options of the watches a {@code Naming} keeps on its own services: told apart by identity (not counted as subscriptions). */
    static final SubscribeOptions OWN_WATCH = SubscribeOptions.defaults().withExecutor(Runnable::run);

    private final String backend;
    private final Object hubLock = new Object();
    private final Map<String, WatchHub> hubs = new ConcurrentHashMap<>();
    private final KeepAlive keepAlive;
    private final RegistryState registry;
    /** What {@link #closeOnShutdown} arranged, cancelled by {@link #close()}. */
    private final List<OnShutdown> shutdownHooks = new CopyOnWriteArrayList<>();
    /** The watch of each service this Naming registers, by name; guarded by itself. */
    private final Map<String, Subscription> ownWatches = new LinkedHashMap<>();
    /** Which service the next probe reads, round robin. */
    private int probeRound;
    private final Duration stateLossGrace;
    private final Clock clock = Clock.systemUTC();
    private final HubHooks hubHooks = new HubHooks();
    private final Observers observers = new Observers();
    /** The backend's registrar as everything here calls it: timed and watched for re-registrations. */
    private final Registrar observedRegistrar = new ObservedRegistrar(this::registrar, observers);
    /** Held shared by register and deregister, exclusively by close() once closed is set. */
    private final ReentrantReadWriteLock operations = new ReentrantReadWriteLock();
    private final ThreadPoolExecutor dispatcher;
    /** Set on this naming's dispatcher threads: close() called by a listener must not wait for itself. */
    private final ThreadLocal<Boolean> onDispatcher = new ThreadLocal<>();
    private final ScheduledThreadPoolExecutor timer;
    /** The last confirmed lists on disk, or {@code null}. */
    private final Snapshots snapshots;
    private volatile boolean closed;

    /**
     * @param backend        short backend name used in thread names and messages, e.g. {@code consul}
     * @param stateLossGrace how long removals are held back after the registry shows a sign of
     *                       having lost its state (zero: never), see {@link WatchSink#stateLost()}
     */
    protected AbstractNaming(String backend, Duration stateLossGrace) {
        this(backend, stateLossGrace, null);
    }

    /**
     * @param backend        short backend name used in thread names and messages, e.g. {@code consul}
     * @param stateLossGrace how long removals are held back after the registry shows a sign of
     *                       having lost its state (zero: never), see {@link WatchSink#stateLost()}
     * @param snapshots      the directory where each watched service's last confirmed list is kept
     *                       and read back when the registry does not answer a watch's first read
     *                       ({@link UriParameter#snapshot()}); {@code null} for none
     */
    protected AbstractNaming(String backend, Duration stateLossGrace, java.nio.file.Path snapshots) {
        this.backend = Validation.identifier("backend", backend);
        this.stateLossGrace = Validation.notNegative("stateLossGrace", stateLossGrace);
        ThreadFactory dispatchThreads = NamingThreads.factory("naming-" + backend + "-dispatch", true);
        this.dispatcher = new ThreadPoolExecutor(DISPATCH_THREADS, DISPATCH_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), task -> dispatchThreads.newThread(() -> {
                    onDispatcher.set(Boolean.TRUE);
                    task.run();
                }));
        this.dispatcher.allowCoreThreadTimeOut(true);
        this.timer = new ScheduledThreadPoolExecutor(1, NamingThreads.factory("naming-" + backend + "-timer", false));
        this.timer.setKeepAliveTime(30, TimeUnit.SECONDS);
        this.timer.allowCoreThreadTimeOut(true);
        this.timer.setRemoveOnCancelPolicy(true);
        this.registry = new RegistryState(backend, timer, new RegistryState.Prober() {
            @Override
            public boolean handOver() {
                if (closed || keepAlive.registrations().isEmpty()) {
                    return false;
                }
                keepAlive.probeNow();
                return true;
            }

            @Override
            public boolean probe(String suspect) {
                return !closed && AbstractNaming.this.probe(suspect);
            }
        }, this::renewAllNow);
        this.keepAlive = new KeepAlive(backend, () -> observedRegistrar, registry);
        this.snapshots = snapshots == null ? null : new Snapshots(snapshots, backend, timer);
    }

    // ---- what a backend provides -------------------------------------------------------------

    /**
     * Reads the healthy instances of a service once. The result is sorted and filtered by tags
     * here again, so a backend may pass the tags to its registry or not.
     *
     * @throws NamingException when the registry cannot answer
     */
    protected abstract List<ServiceInstance> fetch(String serviceName, List<String> tags);

    /**
     * Starts watching a service: report every read to {@code sink}, retry failures with
     * {@link Backoff}. Must not block; the first report may come from another thread at any time.
     */
    protected abstract ServiceWatch watch(String serviceName, WatchSink sink);

    /**
     * The backend's registration calls. Called whenever one is needed, from any thread, after
     * construction; return the same object each time. Scheduling, renewal, registering again
     * and the record of what is registered are done here, once, for every backend.
     */
    protected abstract Registrar registrar();

    /**
     * Rejects a registration this backend cannot carry, before any I/O, with an
     * {@link IllegalArgumentException} naming the field. The default accepts everything.
     */
    protected void checkRegistration(ServiceRegistration registration) {
    }

    /**
     * Rejects a service id this backend cannot carry in a deregistration, before any I/O, with an
     * {@link IllegalArgumentException} naming the field. The default accepts every valid id.
     */
    protected void checkServiceId(String serviceId) {
    }

    /** Stops a backend's own background work; called by {@link #close()} before deregistering. */
    protected void stopBackground() {
    }

    /** Releases connections and threads; called last by {@link #close()}. */
    protected void release() {
    }

    // ---- the API --------------------------------------------------------------------------------

    @Override
    public final List<ServiceInstance> find(String serviceName, String... tags) {
        List<String> required = Validation.tags(tags);
        // the hot path: a subscribed name was validated when it was subscribed
        WatchHub hub = serviceName == null ? null : hubs.get(serviceName);
        List<ServiceInstance> cached = hub == null ? null : hub.current();
        if (cached != null && !closed) {
            return WatchHub.withTags(cached, required);
        }
        Validation.serviceName(serviceName);
        ensureOpen();
        List<ServiceInstance> instances = observers.timed(NamingObserver.Operation.FIND,
                () -> read(serviceName, required));
        return WatchHub.withTags(WatchHub.sorted(instances), required);
    }

    /** One read, its outcome told to the registry state: a find, or a probe. */
    private List<ServiceInstance> read(String serviceName, List<String> tags) {
        List<ServiceInstance> instances;
        try {
            instances = fetch(serviceName, tags);
        } catch (RegistryUnreachableException e) {
            registry.failed(e, serviceName);
            throw e;
        } catch (NamingException e) {
            registry.answered(); // refused: the registry is there
            throw e;
        }
        registry.answered();
        return instances;
    }

    /**
     * One cheap request to learn whether the registry answers, made on a thread of its own when a
     * read failed (it may be that read's own failure) and, while the registry stays unreachable and
     * this {@code Naming} holds no registration (whose keep-alive checks by itself), again with
     * jittered backoff up to a second: its success releases every watch backing off at once. The
     * default reads a watched or registered service (round robin, another than {@code suspect}
     * when there is one); a backend with a cheaper call that involves no service (a status
     * endpoint) overrides it.
     *
     * @param suspect the service whose read failed, or {@code null}
     * @return {@code false} when there is nothing to ask
     * @throws RegistryUnreachableException when the registry did not answer; any other exception
     *     counts as an answer
     */
    protected boolean probe(String suspect) {
        Set<String> names = new LinkedHashSet<>(hubs.keySet());
        keepAlive.registrations().forEach(r -> names.add(r.name()));
        if (names.size() > 1) {
            names.remove(suspect);
        }
        if (names.isEmpty()) {
            return false;
        }
        List<String> targets = new ArrayList<>(names);
        fetch(targets.get(Math.floorMod(probeRound++, targets.size())), List.of());
        return true;
    }

    @Override
    public final Subscription subscribe(String serviceName, SubscribeOptions options,
                                        Consumer<List<ServiceInstance>> listener) {
        Validation.serviceName(serviceName);
        Validation.notNull("options", options);
        Validation.notNull("listener", listener);
        // the watch a Naming keeps on a service it registers delivers to no one: not counted
        Consumer<List<ServiceInstance>> counted = options == OWN_WATCH ? listener : list -> {
            observers.delivered(serviceName);
            listener.accept(list);
        };
        // a backend may report from within watch(), under this lock: its listener calls start after it
        HubSubscription subscription = WatchSink.deferListeners(() -> {
            synchronized (hubLock) {
                ensureOpen();
                HubSubscription added = new HubSubscription(serviceName, options, counted, dispatcher, timer,
                        this::unsubscribed);
                WatchHub hub = hubs.get(serviceName);
                if (hub == null) {
                    hub = new WatchHub(serviceName, hubHooks);
                    hubs.put(serviceName, hub);
                    hub.add(added);
                    // told before the watch starts: a backend may report its first list from within watch()
                    observers.subscriptions(serviceName, 1);
                    try {
                        hub.watch(watch(serviceName, hub));
                    } catch (RuntimeException e) {
                        hubs.remove(serviceName);
                        added.deactivate();
                        observers.subscriptions(serviceName, 0);
                        throw e;
                    }
                    hub.armSnapshot();
                } else {
                    hub.add(added);
                    observers.subscriptions(serviceName, hub.subscriberCount());
                }
                return added;
            }
        });
        // the list the hub already has, delivered outside the lock (a caller's executor may run it here)
        subscription.kick();
        return subscription;
    }

    @Override
    public final void register(ServiceRegistration registration) {
        Validation.notNull("registration", registration);
        checkRegistration(registration);
        try {
            whileOpen(() -> keepAlive.register(registration));
        } finally {
            watchOwnServices(); // a pending registration is watched too: the watch sees the registry return
        }
    }

    @Override
    public final void deregister(String serviceId) {
        Validation.serviceId(serviceId);
        checkServiceId(serviceId);
        try {
            whileOpen(() -> keepAlive.deregister(serviceId));
        } finally {
            watchOwnServices();
        }
    }

    /**
     * Keeps one watch on each service this {@code Naming} registers, and none on the others: a
     * process that only registers must still notice at once that its registry restarted or
     * dropped its instance (a watch fails, sees the index go back, or reads a list without the
     * instance), instead of at its next heartbeat, up to a TTL/3 or a renewal interval later. The
     * watch is the one subscriptions share: one long poll per registered service name (Consul: a
     * blocking query on its health; discovery: one more app in the one poll), none more when the
     * application watches that service anyway.
     */
    private void watchOwnServices() {
        synchronized (ownWatches) {
            if (closed) {
                return;
            }
            Set<String> names = new LinkedHashSet<>();
            keepAlive.registrations().forEach(r -> names.add(r.name()));
            ownWatches.entrySet().removeIf(e -> {
                if (names.contains(e.getKey())) {
                    return false;
                }
                e.getValue().close();
                return true;
            });
            for (String name : names) {
                if (!ownWatches.containsKey(name)) {
                    try {
                        ownWatches.put(name, subscribe(name, OWN_WATCH, list -> { }));
                    } catch (RuntimeException e) {
                        // closing meanwhile, or the backend cannot watch now: renewals go on regardless
                        LOG.debug("{} naming: could not watch own service '{}': {}", backend, name, e.toString());
                    }
                }
            }
        }
    }

    @Override
    public final void drain(String serviceName, String serviceId) {
        drain(serviceName, serviceId, true);
    }

    @Override
    public final void undrain(String serviceName, String serviceId) {
        drain(serviceName, serviceId, false);
    }

    private void drain(String serviceName, String serviceId, boolean drain) {
        Validation.serviceName(serviceName);
        Validation.serviceId(serviceId);
        checkServiceId(serviceId);
        whileOpen(() -> keepAlive.drain(serviceName, serviceId, drain));
    }

    @Override
    public final void close(Duration drainFor) {
        Validation.notNegative("drainFor", drainFor);
        if (!closed && !drainFor.isZero()) {
            keepAlive.drainAll();
            tellRegistrations();
            try {
                // clients need this long to see the instances leave and to finish what they sent
                TimeUnit.NANOSECONDS.sleep(drainFor.toNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        close();
    }

    /**
     * As {@link Naming#closeOnShutdown}; {@link #close()} cancels it, so that a closed
     * {@code Naming} is not kept until the JVM ends.
     *
     * @throws NamingException when this {@code Naming} is closed
     */
    @Override
    public final OnShutdown closeOnShutdown(Duration drain) {
        ensureOpen();
        OnShutdown hook = Naming.super.closeOnShutdown(drain);
        OnShutdown handle = new OnShutdown() {
            @Override
            public void cancel() {
                shutdownHooks.remove(this);
                hook.cancel();
            }
        };
        shutdownHooks.add(handle);
        return handle;
    }

    @Override
    public final void close() {
        synchronized (hubLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        // during the JVM's shutdown (this may be the hook) there is nothing to cancel: it just says so
        shutdownHooks.forEach(OnShutdown::cancel);
        // a register already past ensureOpen() finishes first, so that it is deregistered below
        operations.writeLock().lock();
        operations.writeLock().unlock();
        for (WatchHub hub : new ArrayList<>(hubs.values())) {
            stopQuietly(hub);
        }
        hubs.clear();
        registry.close();
        keepAlive.stop();
        runQuietly("stop background work", this::stopBackground);
        keepAlive.removeAll();
        tellRegistrations();
        runQuietly("release", this::release);
        if (snapshots != null) {
            runQuietly("write the snapshots", snapshots::close);
        }
        timer.shutdownNow();
        dispatcher.shutdown();
        if (onDispatcher.get() != null) {
            return; // called by a listener: its own thread ends once the listener returns
        }
        try {
            if (!dispatcher.awaitTermination(1, TimeUnit.SECONDS)) {
                dispatcher.shutdownNow();
            }
        } catch (InterruptedException e) {
            dispatcher.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    // ---- for backends -----------------------------------------------------------------------------

    /**
     * Tells the keep-alive that the registry may have lost what it held — a watch saw its index go
     * backwards, a node was replaced, a node answered after being unreachable: every registration
     * is renewed now (and registered again where forgotten) instead of at its next period, and
     * every watched service holds removals back for the grace window. A watch that sees the sign
     * itself reports {@link WatchSink#stateLost()} instead; one that reports a failure and then a
     * snapshot need not report anything more: that is seen here.
     */
    protected final void registryMayHaveForgotten() {
        if (!closed) {
            keepAlive.renewAllNow();
            hubs.values().forEach(WatchHub::stateLost);
        }
    }

    /**
     * Adds an observer of this {@code Naming}'s events — watches, registry calls, registrations —
     * for metrics (naming-micrometer's binder is one). It is first told the present state: the
     * subscriptions and list of every watched service, when each was last confirmed, and the
     * registrations; then every change, until {@link #removeObserver}. See {@link NamingObserver}
     * for the threads it is called on.
     *
     * @throws IllegalArgumentException if {@code observer} is null
     */
    public final void addObserver(NamingObserver observer) {
        Validation.notNull("observer", observer);
        Observers replay = new Observers();
        replay.add(observer);
        synchronized (hubLock) {
            observers.add(observer);
            for (WatchHub hub : hubs.values()) {
                replay.subscriptions(hub.service(), hub.subscriberCount());
                List<ServiceInstance> current = hub.current();
                if (current != null) {
                    replay.instances(hub.service(), current);
                }
                hub.confirmedAt().ifPresent(at -> replay.confirmed(hub.service(), at));
            }
        }
        replay.registrations(keepAlive.registrations().size(), keepAlive.drainedCount());
    }

    /** Stops telling {@code observer} anything; one not added is ignored. */
    public final void removeObserver(NamingObserver observer) {
        observers.remove(observer);
    }

    /** The last confirmed lists on disk, or {@code null}: for tests. */
    final Snapshots snapshotStore() {
        return snapshots;
    }

    /** Whether {@link #close()} has been called. */
    protected final boolean isClosed() {
        return closed;
    }

    /** The backend name given at construction. */
    protected final String backend() {
        return backend;
    }

    /** @throws NamingException when this {@code Naming} is closed */
    protected final void ensureOpen() {
        if (closed) {
            throw new NamingException("this " + backend + " naming is closed");
        }
    }

    // ---- internals --------------------------------------------------------------------------------

    /**
     * Runs a registration call unless closed; close() waits for calls already past this check, so
     * that what they registered is deregistered too.
     */
    private void whileOpen(Runnable call) {
        try {
            whileOpenUntold(call);
        } finally {
            tellRegistrations();
        }
    }

    private void tellRegistrations() {
        observers.registrations(keepAlive.registrations().size(), keepAlive.drainedCount());
    }

    private void whileOpenUntold(Runnable call) {
        // a backend may report a change from within the call (the in-memory registry does): its
        // listener calls start once this lock is released, so that one of them may close()
        WatchSink.deferListeners(() -> {
            Lock inFlight = operations.readLock();
            inFlight.lock();
            try {
                ensureOpen();
                call.run();
            } finally {
                inFlight.unlock();
            }
            return null;
        });
    }

    /** The registry answers again after being down: what it held may be gone. */
    private void renewAllNow() {
        if (!closed) {
            keepAlive.renewAllNow();
        }
    }

    private final class HubHooks implements WatchHub.Hooks {
        @Override
        public void answeredAgain() {
            if (!closed) {
                keepAlive.renewAllNow();
            }
        }

        /** An own instance missing from a read is renewed early (a drained one is missing by design). */
        @Override
        public void seen(String service, List<ServiceInstance> instances) {
            for (ServiceRegistration own : keepAlive.registrations()) {
                if (own.name().equals(service) && !contains(instances, own.id()) && !keepAlive.isDrained(own.id())) {
                    keepAlive.renewSoon(own.id());
                }
            }
        }

        @Override
        public Duration grace() {
            return stateLossGrace;
        }

        @Override
        public RegistryState registry() {
            return registry;
        }

        @Override
        public ScheduledExecutorService timer() {
            return timer;
        }

        @Override
        public Clock clock() {
            return clock;
        }

        @Override
        public NamingObserver observer() {
            return observers;
        }

        @Override
        public Snapshots snapshots() {
            return snapshots;
        }
    }

    private static boolean contains(List<ServiceInstance> instances, String id) {
        for (ServiceInstance i : instances) {
            if (i.id().equals(id)) {
                return true;
            }
        }
        return false;
    }

    private void unsubscribed(HubSubscription subscription) {
        WatchHub stopped = null;
        synchronized (hubLock) {
            WatchHub hub = hubs.get(subscription.serviceName());
            if (hub != null && hub.remove(subscription)) {
                hubs.remove(subscription.serviceName());
                stopped = hub;
            } else if (hub != null) {
                observers.subscriptions(hub.service(), hub.subscriberCount());
            }
        }
        if (stopped != null) {
            stopQuietly(stopped);
        }
    }

    private void stopQuietly(WatchHub hub) {
        runQuietly("stop watch of '" + hub.service() + "'", hub::stop);
        observers.subscriptions(hub.service(), 0);
    }

    private void runQuietly(String what, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.warn("{} naming: could not {}: {}", backend, what, e.toString());
        }
    }

    // ---- description --------------------------------------------------------------------------

    /**
     * The backend class and its registry with secrets shown as {@code ****}, e.g.
     * {@code ConsulNaming[consul://127.0.0.1:8500?token=****]}, followed by
     * {@code , closed} once closed.
     */
    @Override
    public final String toString() {
        return getClass().getSimpleName() + "[" + describeRegistry() + (closed ? ", closed" : "") + "]";
    }

    /**
     * The registry this {@code Naming} talks to, for {@link #toString()}: a URI with every secret
     * (token, password) replaced by {@code ****}. The default is the backend name as a scheme.
     */
    protected String describeRegistry() {
        return backend + ":";
    }
}
