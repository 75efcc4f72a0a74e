package dev.naming.spi;

import dev.naming.RegistrationPendingException;
import dev.naming.ServiceRegistration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Keeps what one {@code Naming} registered alive in its registry, and holds the only record of
 * what that is.
 *
 * <p>One thread ({@code naming-<backend>-keepalive}, started with the first registration) renews
 * each registration at its {@link Registrar#renewInterval}, and registers again one the registry
 * answers it forgot. When a call fails (registry unreachable), renewals stop and a single probe —
 * one renewal, not one per instance — is retried with jittered backoff capped at
 * {@link #PROBE_MAX}; the first probe that succeeds renews everything at once, so instances a
 * restarted registry forgot are back within about half a second of its answering again. A
 * registration made while the registry cannot be reached is kept as pending, and registered the
 * same way. A backend or watch that sees another sign of a registry that forgot
 * ({@link #renewAllNow}) gets the same. Whether each call reached the registry is told to the
 * {@link Outcomes} (the {@code Naming}'s {@link RegistryState}, which logs an outage once for the
 * whole {@code Naming}); the keep-alive itself logs only what happened to a registration.
 *
 * <p>No lock is held across a network call. Instead every write is followed by a check of the
 * record: a writer that finds the record changed while its request was in flight writes the
 * record's current state again. A renewal racing a deregistration can thus register an instance
 * for a moment, but never leaves it registered.
 */
final class KeepAlive {

    private static final Logger LOG = NamingLoggers.get(KeepAlive.class);

    /** The first probe of an unreachable registry, and the cap of the probes' backoff. */
    static final Duration PROBE_MIN = Duration.ofMillis(100);
    static final Duration PROBE_MAX = Duration.ofMillis(500);
    /** An instance missing from a read is renewed early at most this often. */
    static final Duration EARLY_RENEWAL_SPACING = Duration.ofSeconds(1);
    /** How often a writer re-checks the record after racing another writer, at most. */
    private static final int RECONCILE_ROUNDS = 4;
    /**
     * Signs that the registry forgot come in bursts (every watch of a restarted registry reads
     * again within a moment): they renew everything at most this often, the last sign included.
     */
    static final Duration RENEW_ALL_SPACING = Duration.ofMillis(200);

    /** Where the keep-alive tells whether its calls reached the registry. */
    interface Outcomes {
        /** Tells nothing. */
        Outcomes NONE = new Outcomes() {
            @Override
            public void answered() {
            }

            @Override
            public void unreachable(Throwable error) {
            }
        };

        /** A call was answered (a refusal is an answer). */
        void answered();

        /** A call failed as an unreachable registry makes it fail. */
        void unreachable(Throwable error);
    }

    private final String backend;
    private final Supplier<Registrar> registrar;
    private final Outcomes outcomes;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    /** Ids whose removal failed, with what was last sent for them: {@link #removeAll} tries them again. */
    private final Map<String, Optional<ServiceRegistration>> unremoved = new ConcurrentHashMap<>();
    /** Ids of own instances taken out of traffic: drained again after every registration. */
    private final Set<String> drained = ConcurrentHashMap.newKeySet();
    private final ScheduledThreadPoolExecutor scheduler;
    /** Used by the keep-alive thread only. */
    private final Backoff probes = new Backoff(PROBE_MIN, PROBE_MAX);
    /** Written by the keep-alive thread only. */
    private volatile boolean unreachable;
    private ScheduledFuture<?> nextTick;
    private long nextTickAt;
    /** When the last renewal of everything was set to start (nanoTime); guarded by this. */
    private long renewAllAt = Long.MIN_VALUE / 2;
    private volatile boolean stopped;

    KeepAlive(String backend, Supplier<Registrar> registrar) {
        this(backend, registrar, Outcomes.NONE);
    }

    KeepAlive(String backend, Supplier<Registrar> registrar, Outcomes outcomes) {
        this.backend = backend;
        this.registrar = registrar;
        this.outcomes = outcomes;
        this.scheduler = new ScheduledThreadPoolExecutor(1, NamingThreads.factory("naming-" + backend + "-keepalive",
                false));
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.scheduler.setKeepAliveTime(30, TimeUnit.SECONDS);
        this.scheduler.allowCoreThreadTimeOut(true);
    }

    /**
     * Registers (or updates) and keeps the registration alive. The record is made first, so that
     * the registration is the keep-alive's from the first call: when the registry cannot be reached
     * it stays recorded as pending and is registered by the keep-alive once the registry answers
     * (probed every ≤ {@link #PROBE_MAX}), and this throws {@link RegistrationPendingException}.
     * When the registry refuses it, the previous registration of the id, if any, stays as it was
     * and is still kept alive, and the refusal is thrown as it came.
     */
    void register(ServiceRegistration registration) {
        String id = registration.id();
        Entry previous = entries.get(id);
        // what the registry may hold for this id: a pending registration never landed
        ServiceRegistration replaced = previous == null ? null : previous.lastLanded();
        Entry entry = new Entry(registration, System.nanoTime() + interval(registration), replaced);
        previous = entries.put(id, entry);
        try {
            registrar.get().register(registration, replaced);
            outcomes.answered();
        } catch (RegistryUnreachableException e) {
            outcomes.unreachable(e);
            unremoved.remove(id);
            entry.due = System.nanoTime() + PROBE_MIN.toNanos();
            schedule(PROBE_MIN);
            throw new RegistrationPendingException(id, backend + " naming: '" + id + "' of '" + registration.name()
                    + "' is not registered yet, the registry could not be reached (" + e.getMessage()
                    + "); it is kept and registered as soon as the registry answers (probed every ≤ "
                    + PROBE_MAX.toMillis() + " ms), unless deregistered or closed first", e);
        } catch (RuntimeException e) {
            outcomes.answered(); // refused: the registry is there
            if (previous != null) {
                entries.replace(id, entry, previous);
            } else {
                entries.remove(id, entry);
            }
            throw e;
        }
        entry.pending = false;
        unremoved.remove(id);
        reconcile(id, entry);
        keepDrained(registration);
        schedule(Duration.ofNanos(interval(registration)));
    }

    /**
     * Drains or puts back an instance. One registered here stays drained through registrations
     * until put back or deregistered; another one is drained once.
     */
    void drain(String serviceName, String id, boolean drain) {
        Entry own = entries.get(id);
        if (own != null && !own.registration.name().equals(serviceName)) {
            throw new IllegalArgumentException("serviceName: '" + id + "' is registered under '"
                    + own.registration.name() + "', not '" + serviceName + "'");
        }
        registrar.get().drain(serviceName, id, drain);
        if (drain && entries.containsKey(id)) {
            drained.add(id);
        } else {
            drained.remove(id);
        }
    }

    /** Own registrations, drained where they are not yet. Failures are logged, not thrown. */
    void drainAll() {
        for (Entry e : entries.values()) {
            try {
                drain(e.registration.name(), e.registration.id(), true);
            } catch (RuntimeException | Error failure) {
                if (failure instanceof VirtualMachineError) {
                    throw failure;
                }
                LOG.warn("{} naming: could not drain '{}' before closing: {}", backend, e.registration.id(),
                        failure.toString());
            }
        }
    }

    /** Stops keeping {@code id} alive and removes it from the registry; an unknown id is not an error. */
    void deregister(String id) {
        Entry previous = entries.remove(id);
        ServiceRegistration last = previous != null ? previous.registration
                : unremoved.getOrDefault(id, Optional.empty()).orElse(null);
        try {
            registrar.get().deregister(id, last);
        } catch (RuntimeException e) {
            if (!entries.containsKey(id)) {
                unremoved.put(id, Optional.ofNullable(last));
            }
            throw e;
        }
        unremoved.remove(id);
        drained.remove(id);
        reconcile(id, null);
    }

    /** Whether {@code id}, registered here, is taken out of traffic. */
    boolean isDrained(String id) {
        return drained.contains(id);
    }

    /** Whether {@code id} is registered through this keep-alive. */
    boolean isRegistered(String id) {
        return entries.containsKey(id);
    }

    /** How many own instances are drained, for observers. */
    int drainedCount() {
        return drained.size();
    }

    /** What is registered, for checks against what a read shows. */
    List<ServiceRegistration> registrations() {
        List<ServiceRegistration> out = new ArrayList<>(entries.size());
        entries.values().forEach(e -> out.add(e.registration));
        return out;
    }

    /**
     * The registry may have forgotten what it held (it answered again after failing, a watch saw
     * its index go backwards, a node was replaced): renew everything now — or, while it is
     * unreachable, probe it now.
     */
    void renewAllNow() {
        long now = System.nanoTime();
        long at;
        synchronized (this) {
            // a renewal of everything still to come starts after this sign: it covers it
            if (renewAllAt < now) {
                renewAllAt = Math.max(now, renewAllAt + RENEW_ALL_SPACING.toNanos());
            }
            at = renewAllAt;
        }
        entries.values().forEach(e -> e.due = Math.min(e.due, at));
        schedule(Duration.ofNanos(at - now));
    }

    /**
     * Another call found the registry failing: check it now with one renewal (or registration of a
     * pending one); while that fails the keep-alive goes on probing by itself.
     */
    void probeNow() {
        long now = System.nanoTime();
        entries.values().stream().min(Comparator.comparingLong(e -> e.due))
                .ifPresent(e -> e.due = Math.min(e.due, now));
        schedule(Duration.ZERO);
    }

    /**
     * A read of {@code serviceName} lacks {@code missingId}, which this {@code Naming} registered:
     * renew it now (at most once per {@link #EARLY_RENEWAL_SPACING}).
     */
    void renewSoon(String missingId) {
        Entry e = entries.get(missingId);
        long now = System.nanoTime();
        if (e != null && now - e.lastAttempt >= EARLY_RENEWAL_SPACING.toNanos()) {
            e.due = now;
            schedule(Duration.ZERO);
        }
    }

    /** Stops renewing; what is registered stays recorded for {@link #removeAll}. */
    void stop() {
        synchronized (this) {
            stopped = true;
        }
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(2, TimeUnit.SECONDS)) {
                LOG.debug("{} naming: a renewal did not end within 2 s of close()", backend);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Removes everything recorded from the registry (after {@link #stop}); failures are logged. */
    void removeAll() {
        Map<String, ServiceRegistration> toRemove = new LinkedHashMap<>();
        entries.forEach((id, e) -> toRemove.put(id, e.registration));
        unremoved.forEach((id, last) -> toRemove.putIfAbsent(id, last.orElse(null)));
        entries.clear();
        unremoved.clear();
        toRemove.forEach((id, last) -> {
            try {
                registrar.get().deregister(id, last);
            } catch (RuntimeException e) {
                LOG.warn("{} naming: could not deregister '{}': {}", backend, id, e.toString());
            }
        });
    }

    // ---- the keep-alive thread ------------------------------------------------------------------

    private void tick() {
        synchronized (this) {
            nextTick = null;
        }
        if (stopped) {
            return;
        }
        if (unreachable && entries.isEmpty()) {
            unreachable = false; // nothing left to probe for
            probes.reset();
            return;
        }
        long now = System.nanoTime();
        List<Entry> due = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (e.due <= now) {
                due.add(e);
            }
        }
        if (unreachable && due.isEmpty() && !entries.isEmpty()) {
            due.add(entries.values().iterator().next());
        }
        due.sort(Comparator.comparingLong(e -> e.due));
        if (unreachable && due.size() > 1) {
            due = due.subList(0, 1); // one probe, not one request per instance
        }
        for (Entry e : due) {
            if (stopped) {
                return;
            }
            if (!renew(e)) {
                scheduleAfterFailure();
                return;
            }
        }
        if (unreachable) {
            unreachable = false;
            probes.reset();
            LOG.debug("{} naming: the registry answers again, renewing all {} registrations now", backend,
                    entries.size());
            renewAllNow();
            return;
        }
        scheduleNextDue();
    }

    /** One renewal, and registration again if forgotten; {@code false} when the registry failed. */
    private boolean renew(Entry e) {
        String id = e.registration.id();
        e.lastAttempt = System.nanoTime();
        try {
            if (entries.get(id) != e) {
                return true; // replaced or removed meanwhile
            }
            if (e.pending) {
                registrar.get().register(e.registration, e.replaced);
                e.pending = false;
                LOG.info("{} naming: registered '{}' of '{}', pending since the registry could not be reached",
                        backend, id, e.registration.name());
                reconcile(id, e);
                keepDrained(e.registration);
            } else if (registrar.get().renew(e.registration) == Registrar.Renewal.FORGOTTEN && entries.get(id) == e) {
                registrar.get().register(e.registration, null);
                LOG.info("{} naming: registered '{}' of '{}' again: the registry had forgotten it", backend, id,
                        e.registration.name());
                reconcile(id, e);
                keepDrained(e.registration);
            }
            e.due = System.nanoTime() + interval(e.registration);
            outcomes.answered();
            return true;
        } catch (RuntimeException failure) {
            if (stopped) {
                return true; // interrupted by close(), not the registry's fault
            }
            if (failure instanceof RegistryUnreachableException) {
                outcomes.unreachable(failure);
            } else {
                outcomes.answered(); // refused: the registry is there, this registration is not right with it
            }
            // the Naming logs an unreachable registry once; a refusal is this registration's own
            if (!unreachable) {
                unreachable = true;
                String line = "{} naming: could not renew '{}', probing the registry every ≤ {} ms until it answers: {}";
                if (failure instanceof RegistryUnreachableException) {
                    LOG.debug(line, backend, id, PROBE_MAX.toMillis(), failure.toString());
                } else {
                    LOG.warn(line, backend, id, PROBE_MAX.toMillis(), failure.toString());
                }
            } else {
                LOG.debug("{} naming: registry still failing: {}", backend, failure.toString());
            }
            return false;
        }
    }

    /**
     * After writing {@code written} (or removing, when {@code null}) for {@code id}: if the record
     * changed while the request was in flight, the registry may now hold the older write, so the
     * record's current state is written again.
     */
    private void reconcile(String id, Entry written) {
        Entry wrote = written;
        for (int round = 0; round < RECONCILE_ROUNDS; round++) {
            Entry current = entries.get(id);
            if (current == wrote) {
                return;
            }
            try {
                if (current == null) {
                    registrar.get().deregister(id, wrote.registration);
                } else {
                    registrar.get().register(current.registration, wrote == null ? null : wrote.registration);
                    current.pending = false;
                }
            } catch (RuntimeException e) {
                // the registry failed: renewals register a recorded entry again; a removal is retried by close()
                if (current == null && !entries.containsKey(id)) {
                    unremoved.put(id, Optional.of(wrote.registration));
                }
                LOG.debug("{} naming: could not repair '{}' after a concurrent change: {}", backend, id, e.toString());
                return;
            }
            wrote = current;
        }
    }

    /** A drained instance registered (again) is drained again: a registration puts it back in traffic. */
    private void keepDrained(ServiceRegistration registration) {
        if (drained.contains(registration.id())) {
            registrar.get().drain(registration.name(), registration.id(), true);
        }
    }

    private void scheduleAfterFailure() {
        Duration delay = probes.next();
        synchronized (this) {
            if (nextTick != null) {
                nextTick.cancel(false);
                nextTick = null;
            }
        }
        schedule(delay);
    }

    private void scheduleNextDue() {
        long earliest = Long.MAX_VALUE;
        for (Entry e : entries.values()) {
            earliest = Math.min(earliest, e.due);
        }
        if (earliest != Long.MAX_VALUE) {
            schedule(Duration.ofNanos(Math.max(0, earliest - System.nanoTime())));
        }
    }

    /** Runs a tick after {@code delay}, unless one is already due sooner. */
    private synchronized void schedule(Duration delay) {
        if (stopped) {
            return;
        }
        long at = System.nanoTime() + delay.toNanos();
        if (nextTick != null) {
            if (nextTickAt <= at) {
                return;
            }
            nextTick.cancel(false);
        }
        try {
            nextTick = scheduler.schedule(this::tick, delay.toNanos(), TimeUnit.NANOSECONDS);
            nextTickAt = at;
        } catch (RejectedExecutionException closing) {
            nextTick = null;
        }
    }

    private long interval(ServiceRegistration registration) {
        return registrar.get().renewInterval(registration).toNanos();
    }

    /**
     * One registration; {@code due} and {@code lastAttempt} are nanoTime instants. A pending one
     * has not reached the registry yet: the keep-alive registers it (replacing {@code replaced},
     * what the registry may hold for the id) instead of renewing it.
     */
    private static final class Entry {
        final ServiceRegistration registration;
        final ServiceRegistration replaced;
        volatile boolean pending = true;
        volatile long due;
        volatile long lastAttempt;

        Entry(ServiceRegistration registration, long due, ServiceRegistration replaced) {
            this.registration = registration;
            this.replaced = replaced;
            this.due = due;
            this.lastAttempt = System.nanoTime();
        }

        /** What this entry last put in the registry, as far as is known. */
        ServiceRegistration lastLanded() {
            return pending ? replaced : registration;
        }
    }
}
