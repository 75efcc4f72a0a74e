package dev.naming.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;

/**
 * Whether one {@code Naming}'s registry answers, from what all of its calls meet — watches, the
 * keep-alive's renewals, {@code find} — and the one signal every watch backing off waits on.
 *
 * <p>Three phases. <b>Up</b>: calls succeed. A failed read (a watch's, a {@code find}) makes it
 * <b>suspect</b>: it may be that read's own failure (a reply over a limit for one service), so one
 * check decides — a renewal by the keep-alive when this {@code Naming} holds registrations (the
 * keep-alive then checks on its own while the registry fails), else a probe, one cheap request
 * ({@link AbstractNaming#probe}) on a thread of its own. A failed check, or a failed renewal (a
 * call about the registry as a whole), makes it <b>down</b>: logged once; the keep-alive or the
 * probe (jittered backoff from {@link #PROBE_MIN} to {@link #PROBE_MAX}) keeps checking. The first
 * call that succeeds afterwards, check or not, brings it back <b>up</b>: logged once, every watch
 * waiting in {@link #retryAfter} is released at a random moment within {@link #SPREAD} (all at
 * once would be a thundering herd on a registry that just started), and {@code onBack} renews the
 * registrations. One log line per outage and per {@code Naming}, however many watches it has.
 *
 * <p>A suspicion cleared by a success (the failure was that one read's) releases nobody: a watch
 * that keeps failing on its own waits out its own backoff instead of retrying at every answer of
 * the others.
 */
final class RegistryState implements KeepAlive.Outcomes {

    private static final Logger LOG = NamingLoggers.get(RegistryState.class);

    /** Watches released by the registry's return retry within this long of it, at random. */
    static final Duration SPREAD = Duration.ofMillis(250);
    static final Duration PROBE_MIN = Duration.ofMillis(250);
    /**
     * The longest pause between probes of an unreachable registry, for a {@code Naming} that holds
     * no registration (the keep-alive checks more often for one that does): a watch backing off
     * for up to {@code retryMax} then resumes within this plus {@link #SPREAD} of the registry's return.
     */
    static final Duration PROBE_MAX = Duration.ofSeconds(1);

    /** How the registry is checked. */
    interface Prober {
        /**
         * When the keep-alive holds registrations, asks it to check the registry now (it reports the
         * outcome, and goes on checking while the registry fails) and returns {@code true}.
         */
        boolean handOver();

        /**
         * One cheap request, avoiding a read of {@code suspect} (the service whose read failed)
         * when it can; {@code false} when there is nothing to ask.
         *
         * @throws RegistryUnreachableException when the registry did not answer
         */
        boolean probe(String suspect);
    }

    private enum Phase { UP, SUSPECT, DOWN }

    private final String backend;
    private final ScheduledExecutorService timer;
    private final Prober prober;
    private final Runnable onBack;
    private final ScheduledThreadPoolExecutor probes;
    private final Set<Waiter> waiting = ConcurrentHashMap.newKeySet();
    /** Guarded by this. */
    private final Backoff probeBackoff = new Backoff(PROBE_MIN, PROBE_MAX);
    private volatile Phase phase = Phase.UP;
    /** How many times the registry came back after being down: a failure older than a return is over. */
    private volatile long returns;
    /** Guarded by this. */
    private long downSince;
    private String suspect;
    private Throwable firstError;
    private ScheduledFuture<?> nextProbe;
    private boolean closed;

    /**
     * @param timer  where released and paused watches retry (a thread that does not block)
     * @param prober the read that decides a suspicion, run on a {@code naming-<backend>-probe} thread
     * @param onBack run when the registry answers after being down
     */
    RegistryState(String backend, ScheduledExecutorService timer, Prober prober, Runnable onBack) {
        this.backend = backend;
        this.timer = timer;
        this.prober = prober;
        this.onBack = onBack;
        this.probes = new ScheduledThreadPoolExecutor(1, NamingThreads.factory("naming-" + backend + "-probe", false));
        this.probes.setKeepAliveTime(30, TimeUnit.SECONDS);
        this.probes.allowCoreThreadTimeOut(true);
        this.probes.setRemoveOnCancelPolicy(true);
    }

    /** Whether the registry is not known to be down (a suspicion is not enough). */
    boolean reachable() {
        return phase != Phase.DOWN;
    }

    /** Whether the last calls found the registry answering (no failure since, not even a suspect one). */
    boolean answering() {
        return phase == Phase.UP;
    }

    /** How many times the registry came back after being down. */
    long returns() {
        return returns;
    }

    /** A call answered. Cheap while the registry is up: every watch reply comes here. */
    @Override
    public void answered() {
        if (phase == Phase.UP) {
            return;
        }
        List<Waiter> released;
        long downFor;
        synchronized (this) {
            Phase was = phase;
            if (was == Phase.UP) {
                return;
            }
            phase = Phase.UP;
            probeBackoff.reset();
            cancelProbe();
            if (was != Phase.DOWN) {
                return; // that failure was the call's own
            }
            returns++;
            released = new ArrayList<>(waiting);
            downFor = System.nanoTime() - downSince;
        }
        LOG.info("{} naming: the registry answers again after {} ms; {} waiting watches retry now, registrations are "
                + "renewed", backend, TimeUnit.NANOSECONDS.toMillis(downFor), released.size());
        for (Waiter w : released) {
            w.releaseWithin(SPREAD);
        }
        onBack.run();
    }

    /**
     * A read failed as an unreachable registry makes it fail: the registry is checked.
     *
     * @param service the service the read was about, or {@code null}
     */
    void failed(Throwable error, String service) {
        if (phase != Phase.UP) {
            return;
        }
        synchronized (this) {
            if (phase != Phase.UP || closed) {
                return;
            }
            phase = Phase.SUSPECT;
            suspect = service;
            firstError = error;
        }
        LOG.debug("{} naming: a read failed, checking the registry: {}", backend, describe(error));
        if (!prober.handOver()) {
            synchronized (this) {
                scheduleProbe(Duration.ZERO);
            }
        }
    }

    /** A call about the registry as a whole (a renewal) failed: it is down, no check needed. */
    @Override
    public void unreachable(Throwable error) {
        if (phase == Phase.DOWN) {
            return;
        }
        synchronized (this) {
            if (phase == Phase.DOWN || closed) {
                return;
            }
            if (firstError == null || phase == Phase.UP) {
                firstError = error;
            }
        }
        down(error, true);
    }

    /**
     * Runs {@code retry} once after {@code pause}, or sooner when the registry answers after being
     * down (see the class comment). The handle cancels it.
     */
    WatchSink.Retry retryAfter(Duration pause, Runnable retry) {
        Waiter w = new Waiter(retry);
        waiting.add(w);
        w.schedule(pause);
        return w;
    }

    /** Stops probing and forgets the waiting watches (their {@code Naming} is closing). */
    void close() {
        synchronized (this) {
            closed = true;
            cancelProbe();
        }
        waiting.forEach(Waiter::cancel);
        probes.shutdownNow(); // interrupts a probe waiting for its reply
        try {
            if (!probes.awaitTermination(500, TimeUnit.MILLISECONDS)) {
                LOG.debug("{} naming: a probe did not end within 500 ms of close()", backend);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the probe thread -------------------------------------------------------------------------

    private void probe() {
        String avoid;
        synchronized (this) {
            nextProbe = null;
            if (phase == Phase.UP || closed) {
                return;
            }
            avoid = suspect;
        }
        boolean probed;
        try {
            probed = prober.probe(avoid);
        } catch (RegistryUnreachableException e) {
            down(e, false);
            if (!prober.handOver()) {
                synchronized (this) {
                    if (phase == Phase.DOWN) {
                        scheduleProbe(probeBackoff.next());
                    }
                }
            }
            return;
        } catch (RuntimeException e) {
            // an answer, if not the one hoped for: the registry is there
            LOG.debug("{} naming: the probe was answered with an error: {}", backend, describe(e));
            answered();
            return;
        }
        if (probed) {
            answered();
        }
        // nothing to read: the next call that succeeds or fails decides
    }

    /**
     * A check failed: the registry is down (logged when it was not yet).
     *
     * @param evenIfUp a renewal failed, which no earlier success clears; a probe's failure does
     *                 not undo a success of another call that came meanwhile
     */
    private void down(Throwable error, boolean evenIfUp) {
        boolean first;
        synchronized (this) {
            if (closed || phase == Phase.UP && !evenIfUp) {
                return;
            }
            first = phase != Phase.DOWN;
            if (first) {
                phase = Phase.DOWN;
                downSince = System.nanoTime();
            }
        }
        if (first) {
            LOG.warn("{} naming: registry unreachable, keeping every list and registration, checking it until it "
                    + "answers: {}", backend, describe(firstError == null ? error : firstError));
        } else {
            LOG.debug("{} naming: registry still unreachable: {}", backend, describe(error));
        }
    }

    /** Under this lock. */
    private void scheduleProbe(Duration delay) {
        if (closed || nextProbe != null) {
            return;
        }
        try {
            nextProbe = probes.schedule(this::probe, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            nextProbe = null;
        }
    }

    /** Under this lock. */
    private void cancelProbe() {
        if (nextProbe != null) {
            nextProbe.cancel(false);
            nextProbe = null;
        }
    }

    static String describe(Throwable error) {
        String message = error.getMessage();
        return message == null ? error.getClass().getSimpleName() : error.getClass().getSimpleName() + ": " + message;
    }

    /** A watch's pause after a failure: ends after its time, or when the registry is back. */
    private final class Waiter implements WatchSink.Retry {
        private final Runnable retry;
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile ScheduledFuture<?> timeout;

        Waiter(Runnable retry) {
            this.retry = retry;
        }

        void schedule(Duration pause) {
            try {
                timeout = timer.schedule(this::fire, Math.max(0, pause.toNanos()), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closing) {
                cancel();
            }
        }

        void releaseWithin(Duration spread) {
            long at = ThreadLocalRandom.current().nextLong(spread.toNanos() + 1);
            try {
                timer.schedule(this::fire, at, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closing) {
                cancel();
            }
        }

        private void fire() {
            if (done.compareAndSet(false, true)) {
                waiting.remove(this);
                ScheduledFuture<?> t = timeout;
                if (t != null) {
                    t.cancel(false);
                }
                try {
                    retry.run();
                } catch (RuntimeException e) {
                    LOG.warn("{} naming: a watch's retry failed to start: {}", backend, e.toString());
                }
            }
        }

        @Override
        public void cancel() {
            if (done.compareAndSet(false, true)) {
                waiting.remove(this);
                ScheduledFuture<?> t = timeout;
                if (t != null) {
                    t.cancel(false);
                }
            }
        }
    }
}
