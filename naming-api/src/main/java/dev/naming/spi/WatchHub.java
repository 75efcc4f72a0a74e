package dev.naming.spi;

import dev.naming.ServiceInstance;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;

/**
 * The per-service cache between one backend watch and its subscribers: it sorts each snapshot by
 * id, drops one equal to the last, keeps the last good list through failures and hands each new
 * list to every subscriber.
 *
 * <p>Through a registry's state loss it holds removals back: once the registry shows a sign of
 * having forgotten (a read after failing, {@link #stateLost()}), instances of the list delivered
 * before the sign stay in the lists it hands on for the grace window, while the registry's
 * additions and updates pass at once. The hold ends early when every held instance is back, and
 * at the end of the window the registry's own list is delivered, real departures included.
 */
final class WatchHub implements WatchSink {

    private static final Logger LOG = NamingLoggers.get(WatchHub.class);
    static final Comparator<ServiceInstance> BY_ID =
            Comparator.comparing(ServiceInstance::id).thenComparing(ServiceInstance::address)
                    .thenComparingInt(ServiceInstance::port);

    private final String service;
    private final Hooks hooks;
    private final List<HubSubscription> subscribers = new CopyOnWriteArrayList<>();
    /** What subscribers and find() see: the registry's list, plus held-back instances during a hold. */
    private volatile List<ServiceInstance> current;
    /** The registry's own last list. */
    private List<ServiceInstance> truth;
    private volatile boolean failing;
    /** {@link RegistryState#returns()} when the current failure run started. */
    private volatile long failedBeforeReturn;
    /** Failures since the last successful read, and whether that run was logged; under this hub's lock. */
    private int failuresInRun;
    private boolean runLogged;
    private volatile Instant confirmedAt;
    /** The instances delivered before the state-loss sign that are held while missing, or null. */
    private Map<String, ServiceInstance> held;
    private ScheduledFuture<?> holdEnd;
    private ServiceWatch watch;
    /** Whether the stored list was asked for (once per hub), and whether what {@link #current} holds is it. */
    private boolean restoreAsked;
    private volatile boolean restored;
    private volatile boolean stopped;

    /** What the hub needs from its {@code Naming}. */
    interface Hooks {
        /** A read succeeded after a failure: the registry may have restarted. */
        void answeredAgain();

        /** Every successful read, before repeats are dropped. */
        void seen(String service, List<ServiceInstance> instances);

        /** How long removals are held back after a state-loss sign; zero for never. */
        Duration grace();

        /** Whether the registry answers, for every watch of the {@code Naming}. */
        RegistryState registry();

        ScheduledExecutorService timer();

        Clock clock();

        /** Who hears this hub's events (confirmations, failures, new lists, holds). */
        NamingObserver observer();

        /** Where the last confirmed lists are kept on disk; {@code null} when they are not. */
        Snapshots snapshots();
    }

    WatchHub(String service, Hooks hooks) {
        this.service = service;
        this.hooks = hooks;
    }

    String service() {
        return service;
    }

    /** The last good list, or {@code null} before the first successful read. */
    List<ServiceInstance> current() {
        return current;
    }

    /** When the registry last answered for this service, if ever. */
    Optional<Instant> confirmedAt() {
        return Optional.ofNullable(confirmedAt);
    }

    /**
     * Whether the registry answers this watch, as far as is known: not while the {@code Naming}
     * finds its registry down, nor while this watch fails — unless the registry came back since
     * the failure, which releases the watch to read again within a moment.
     */
    boolean registryReachable() {
        RegistryState registry = hooks.registry();
        return !restored && registry.reachable() && (!failing || registry.returns() > failedBeforeReturn);
    }

    @Override
    public void snapshot(List<ServiceInstance> instances) {
        synchronized (this) {
            record(instances);
        }
        kick();
    }

    private void record(List<ServiceInstance> instances) {
        List<ServiceInstance> sorted = sorted(instances);
        confirm(hooks.clock().instant());
        hooks.registry().answered();
        if (failing) {
            failing = false;
            // the Naming logs the registry's return once, for every watch
            LOG.debug("watch of '{}': registry answers again ({} instances)", service, sorted.size());
            startHold("the registry answered again after failing");
            hooks.answeredAgain();
        }
        hooks.seen(service, sorted);
        boolean changed = !sorted.equals(truth);
        truth = sorted;
        restored = false;
        publish();
        store(changed);
    }

    @Override
    public void unchanged() {
        confirm(hooks.clock().instant());
        hooks.registry().answered();
        synchronized (this) {
            store(false);
        }
    }

    /** The registry confirmed the list at {@code at} (or, for a stored list, had confirmed it then). */
    private void confirm(Instant at) {
        confirmedAt = at;
        hooks.observer().confirmed(service, at);
    }

    // ---- the list kept on disk (snapshot=) ---------------------------------------------------

    /** Keeps the registry's list, as confirmed now, on disk; under this hub's lock. */
    private void store(boolean changed) {
        Snapshots snapshots = hooks.snapshots();
        if (snapshots != null && truth != null) {
            snapshots.store(service, truth, confirmedAt, changed);
        }
    }

    /**
     * Arms the stored list for a new watch: it is read and delivered if the first read has not
     * answered within {@link Snapshots#FIRST_READ_BOUND}, or fails before.
     */
    void armSnapshot() {
        if (hooks.snapshots() == null) {
            return;
        }
        try {
            hooks.timer().schedule(() -> {
                synchronized (this) {
                    restore();
                }
            }, Snapshots.FIRST_READ_BOUND.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            // closing: nothing to deliver to
        }
    }

    /** Asks for the stored list once, while the registry has not answered; under this hub's lock. */
    private void restore() {
        Snapshots snapshots = hooks.snapshots();
        if (snapshots == null || restoreAsked || truth != null || stopped) {
            return;
        }
        restoreAsked = true;
        snapshots.load(service, this::restored);
    }

    /** The stored list, delivered unless the registry answered meanwhile. */
    private void restored(List<ServiceInstance> instances, Instant storedConfirmation) {
        synchronized (this) {
            if (truth != null || stopped) {
                return;
            }
            List<ServiceInstance> sorted = sorted(instances);
            restored = true;
            confirm(storedConfirmation);
            LOG.debug("watch of '{}': the registry has not answered yet; delivering the {} instances it confirmed at {}"
                    + " (snapshot)", service, sorted.size(), storedConfirmation);
            deliver(sorted);
        }
        kick();
    }

    @Override
    public synchronized void stateLost() {
        startHold("the registry shows signs of having lost its state");
        hooks.answeredAgain();
    }

    @Override
    public void failure(Throwable error) {
        RegistryState registry = hooks.registry();
        synchronized (this) {
            hooks.observer().watchFailed(service, error);
            if (!failing) {
                failing = true;
                failedBeforeReturn = registry.returns();
                failuresInRun = 0;
                runLogged = false;
            }
            failuresInRun++;
            restore();
            // An outage is logged once by the Naming, for every watch. A watch that fails again while
            // the registry answers the Naming's other calls (its check found it there) fails on its
            // own - an ACL denial, a reply over a limit - and says so once per failure run.
            // (from the second failure on: the Naming's check of the registry may answer after it)
            if (failuresInRun >= 2 && !runLogged && registry.answering()) {
                runLogged = true;
                LOG.warn("watch of '{}': its reads fail while the registry answers, keeping the last list ({}): {}",
                        service, current == null ? "none yet" : current.size() + " instances",
                        RegistryState.describe(error));
            } else {
                LOG.debug("watch of '{}': read failed, keeping the last list ({}): {}", service,
                        current == null ? "none yet" : current.size() + " instances", RegistryState.describe(error));
            }
        }
        registry.failed(error, service);
    }

    @Override
    public Retry retryAfter(Duration pause, Runnable retry) {
        return hooks.registry().retryAfter(pause, retry);
    }

    /** Adds a subscription and sets the current list for it, if there is one; the caller kicks it with no lock held. */
    synchronized void add(HubSubscription subscription) {
        subscription.attach(this);
        subscribers.add(subscription);
        if (current != null) {
            subscription.offer(current);
        }
    }

    /** Removes a subscription; {@code true} when none is left. */
    synchronized boolean remove(HubSubscription subscription) {
        subscribers.remove(subscription);
        return subscribers.isEmpty();
    }

    /** The application's subscriptions: the watch a {@code Naming} keeps on a service it registers is not one. */
    synchronized int subscriberCount() {
        return (int) subscribers.stream().filter(s -> s.options() != AbstractNaming.OWN_WATCH).count();
    }

    void watch(ServiceWatch watch) {
        this.watch = watch;
    }

    /** Stops the watch and the subscriptions; a watch whose close throws still leaves them stopped. */
    void stop() {
        stopped = true;
        try {
            ServiceWatch w = watch;
            if (w != null) {
                w.close();
            }
        } finally {
            synchronized (this) {
                endHold();
            }
            for (HubSubscription s : subscribers) {
                s.deactivate();
            }
        }
    }

    // ---- the hold through a state loss (under this hub's lock) --------------------------------

    private void startHold(String why) {
        Duration grace = hooks.grace();
        if (grace.isZero() || current == null || current.isEmpty()) {
            return;
        }
        if (held == null) {
            held = new LinkedHashMap<>();
            current.forEach(i -> held.put(i.id(), i));
            hooks.observer().stateLossHold(service, held.size());
            // debug: after an outage every watch says it, and the Naming said the registry is back
            LOG.debug("watch of '{}': {}; holding its {} instances for up to {} ms while they register again",
                    service, why, held.size(), grace.toMillis());
        }
        if (holdEnd != null) {
            holdEnd.cancel(false);
        }
        try {
            holdEnd = hooks.timer().schedule(this::graceOver, grace.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            held = null;
        }
    }

    private void graceOver() {
        synchronized (this) {
            if (held == null) {
                return;
            }
            int missing = held.size();
            endHold();
            LOG.info("watch of '{}': grace window over, {} instances did not come back", service, missing);
            publish();
        }
        kick();
    }

    /** Starts the deliveries {@link #publish} set, outside this hub's lock. */
    private void kick() {
        for (HubSubscription s : subscribers) {
            s.kick();
        }
    }

    private void endHold() {
        held = null;
        if (holdEnd != null) {
            holdEnd.cancel(false);
            holdEnd = null;
        }
    }

    /** Hands the registry's list, with what is held, to subscribers if it differs from the last. */
    private void publish() {
        if (truth == null) {
            return;
        }
        List<ServiceInstance> next = truth;
        if (held != null) {
            Set<String> present = new HashSet<>();
            truth.forEach(i -> present.add(i.id()));
            held.keySet().removeAll(present);
            if (held.isEmpty()) {
                endHold(); // everything came back
            } else {
                List<ServiceInstance> merged = new ArrayList<>(truth);
                merged.addAll(held.values());
                next = sorted(merged);
            }
        }
        if (!next.equals(current)) {
            deliver(next);
        }
    }

    /** Makes {@code list} the current one and sets it for every subscriber; the caller kicks them. */
    private void deliver(List<ServiceInstance> list) {
        current = list;
        hooks.observer().instances(service, list);
        for (HubSubscription s : subscribers) {
            s.offer(list);
        }
    }

    static List<ServiceInstance> sorted(List<ServiceInstance> instances) {
        List<ServiceInstance> copy = new ArrayList<>(instances);
        copy.sort(BY_ID);
        return List.copyOf(copy);
    }

    static List<ServiceInstance> withTags(List<ServiceInstance> instances, List<String> tags) {
        if (tags.isEmpty()) {
            return instances;
        }
        List<ServiceInstance> out = new ArrayList<>(instances.size());
        for (ServiceInstance i : instances) {
            if (i.hasTags(tags)) {
                out.add(i);
            }
        }
        return List.copyOf(out);
    }
}
