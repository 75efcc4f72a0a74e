package dev.naming.spi;

import dev.naming.ServiceInstance;
import dev.naming.SubscribeOptions;
import dev.naming.Subscription;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * One listener's view of a service: filters by tags, holds back warming instances, and delivers on
 * the shared dispatcher (or the executor its options name) one call at a time, in order. A
 * listener slower than the changes sees only the newest list (intermediate ones are skipped,
 * never reordered).
 *
 * <p>A new list is set under the locks that order the lists ({@link #offer}, the hub's), and the
 * delivery is started after they are released ({@link #kick}): an executor that runs the listener
 * on the calling thread must not run it under a lock of the library.
 */
final class HubSubscription implements Subscription {

    private static final Logger LOG = NamingLoggers.get(HubSubscription.class);
    /** Subscriptions kicked on this thread inside {@link #deferListeners}: kicked when the outermost returns. */
    private static final ThreadLocal<Set<HubSubscription>> DEFERRED = new ThreadLocal<>();
    /**
     * {@link #DEFERRED} inside its scope before anything is noted (compared by identity): the set
     * is made only when something is, as most scopes note nothing (an in-memory find defers every
     * call).
     */
    private static final Set<HubSubscription> NOTHING_NOTED = Collections.unmodifiableSet(new LinkedHashSet<>());

    private final String service;
    private final SubscribeOptions options;
    private final Consumer<List<ServiceInstance>> listener;
    private final Executor dispatcher;
    private final ScheduledExecutorService timer;
    private final Consumer<HubSubscription> onClose;

    private final Object lock = new Object();
    private List<ServiceInstance> source;
    private final Map<String, Long> firstSeen = new HashMap<>();
    private boolean initialised;
    private ScheduledFuture<?> maturity;

    private final AtomicReference<List<ServiceInstance>> pending = new AtomicReference<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private List<ServiceInstance> delivered;
    private volatile boolean active = true;
    private volatile WatchHub hub;

    HubSubscription(String service, SubscribeOptions options, Consumer<List<ServiceInstance>> listener,
                    Executor dispatcher, ScheduledExecutorService timer, Consumer<HubSubscription> onClose) {
        this.service = service;
        this.options = options;
        this.listener = listener;
        this.dispatcher = options.executor() != null ? options.executor() : dispatcher;
        this.timer = timer;
        this.onClose = onClose;
    }

    @Override
    public String serviceName() {
        return service;
    }

    @Override
    public boolean isActive() {
        return active;
    }

    @Override
    public Optional<Instant> lastConfirmed() {
        WatchHub h = hub;
        return h == null ? Optional.empty() : h.confirmedAt();
    }

    @Override
    public boolean registryReachable() {
        WatchHub h = hub;
        return h == null || h.registryReachable();
    }

    /** The hub this subscription is fed by; its freshness is the hub's. */
    void attach(WatchHub hub) {
        this.hub = hub;
    }

    @Override
    public void close() {
        if (deactivate()) {
            onClose.accept(this);
        }
    }

    /** Stops deliveries without telling the hub; {@code true} the first time. */
    boolean deactivate() {
        synchronized (lock) {
            if (!active) {
                return false;
            }
            active = false;
            if (maturity != null) {
                maturity.cancel(false);
            }
            return true;
        }
    }

    /** A new list of the service from the hub; delivered by the {@link #kick} that follows. */
    void offer(List<ServiceInstance> snapshot) {
        synchronized (lock) {
            if (!active) {
                return;
            }
            source = snapshot;
            publish();
        }
    }

    private void publish() {
        List<ServiceInstance> matching = WatchHub.withTags(source, options.tags());
        List<ServiceInstance> visible = options.warmup().isZero() ? matching : adults(matching);
        pending.set(visible);
    }

    /** Starts delivering a list set by {@link #offer}, if one is waiting; called with no lock held. */
    void kick() {
        if (pending.get() == null) {
            return;
        }
        if (deferred()) {
            return;
        }
        scheduleDrain();
    }

    /** Notes this subscription if this thread is inside {@link #deferListeners}; {@code false} if not. */
    private boolean deferred() {
        Set<HubSubscription> kicked = DEFERRED.get();
        if (kicked == null) {
            return false;
        }
        if (kicked == NOTHING_NOTED) {
            kicked = new LinkedHashSet<>();
            DEFERRED.set(kicked);
        }
        kicked.add(this);
        return true;
    }

    /** See {@link WatchSink#deferListeners}. */
    static <T> T deferListeners(Supplier<T> reports) {
        if (DEFERRED.get() != null) {
            return reports.get();
        }
        DEFERRED.set(NOTHING_NOTED);
        try {
            return reports.get();
        } finally {
            Set<HubSubscription> deferred = DEFERRED.get();
            DEFERRED.remove();
            // after the locks the reports were made under: a listener kicked here may defer again
            for (HubSubscription s : deferred) {
                s.kick();
            }
        }
    }

    /** The instances that have been seen for at least the warm-up; schedules the next coming of age. */
    private List<ServiceInstance> adults(List<ServiceInstance> matching) {
        long now = System.nanoTime();
        long warmup = options.warmup().toNanos();
        Set<String> present = new HashSet<>();
        List<ServiceInstance> adults = new ArrayList<>(matching.size());
        long nextAdult = Long.MAX_VALUE;
        for (ServiceInstance instance : matching) {
            present.add(instance.id());
            long seen = firstSeen.computeIfAbsent(instance.id(), id -> initialised ? now : now - warmup);
            long age = now - seen;
            if (age >= warmup) {
                adults.add(instance);
            } else {
                nextAdult = Math.min(nextAdult, warmup - age);
            }
        }
        firstSeen.keySet().retainAll(present);
        initialised = true;
        if (maturity != null) {
            maturity.cancel(false);
            maturity = null;
        }
        if (nextAdult != Long.MAX_VALUE) {
            try {
                maturity = timer.schedule(this::comeOfAge, nextAdult, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closing) {
                LOG.debug("subscription to '{}': naming is closing, warm-up not scheduled", service);
            }
        }
        return List.copyOf(adults);
    }

    private void comeOfAge() {
        synchronized (lock) {
            if (active && source != null) {
                publish();
            }
        }
        kick();
    }

    void scheduleDrain() {
        if (draining.compareAndSet(false, true)) {
            try {
                dispatcher.execute(this::drain);
            } catch (RejectedExecutionException rejected) {
                draining.set(false);
                if (options.executor() != null && active) {
                    // the Naming's own pool rejects only when closing; a caller's executor may refuse any time
                    LOG.warn("subscription to '{}': its executor refused the listener call ({}); the list is"
                            + " delivered with the next change", service, rejected.toString());
                }
            }
        }
    }

    private void drain() {
        while (true) {
            List<ServiceInstance> next = pending.getAndSet(null);
            if (next == null) {
                draining.set(false);
                if (pending.get() == null || !draining.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            if (!active || next.equals(delivered)) {
                continue;
            }
            delivered = next;
            try {
                listener.accept(next);
            } catch (RuntimeException | Error e) {
                if (e instanceof VirtualMachineError) {
                    throw e;
                }
                LOG.warn("subscription to '{}': listener threw; it stays subscribed", service, e);
            }
        }
    }

    SubscribeOptions options() {
        return options;
    }

    @Override
    public String toString() {
        return "Subscription[" + service + (active ? "" : ", closed") + "]";
    }
}
