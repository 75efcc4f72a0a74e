package dev.naming.discovery.emulator;

import dev.naming.Naming;
import dev.naming.tck.RegistryFixture;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The TCK's registry: a two-node emulated discovery cluster, reached through
 * {@code discovery://node1,node2?…} with short timings (renew 500 ms, hold 600 ms, backoff 50 ms-1 s).
 * An outage cuts both nodes off; state loss restarts both nodes' processes at once
 * ({@link DiscoveryCluster#restart()}: held polls dropped, everything forgotten), after which
 * renewals answer -404 and the library registers again. The server's minute tick (guard, eviction)
 * runs on a clock 40 times faster than real time, with self-preservation off.
 */
public final class DiscoveryEmulatorFixture implements RegistryFixture {

    private static final Set<String> CALLS = Set.of("register", "renew", "cancel", "fetch", "fetch/all", "fetchs", "poll", "polls",
            "nodes", "set");
    private static final Set<String> PARAMS = Set.of("env", "zone", "region", "appid", "hostname", "status", "addrs",
            "metadata", "latest_timestamp", "version");
    private static final Duration HOLD = Duration.ofMillis(600);
    /** What a watch sends: its long polls, and the reads that confirm a list or follow a failure. */
    private static final Set<String> READS = Set.of("poll", "polls", "fetch", "fetchs");
    private static final Duration RETRY_CAP = Duration.ofSeconds(1);

    /** Emulated time runs 40 times faster: 10 s per 250 ms, so 90 s without renewal pass in 2.25 s. */
    private static final Duration TICK = Duration.ofMillis(250);
    private static final Duration TICK_ADVANCE = Duration.ofSeconds(10);
    /** The server's eviction runs once a minute: every sixth tick. */
    private static final int TICKS_PER_MINUTE = 6;

    /** The Go server closes idle keep-alive connections after its read timeout (tens of seconds): 2 s here. */
    private final DiscoveryCluster cluster = DiscoveryCluster.start(2, "tck").hold(HOLD).idleTimeout(Duration.ofSeconds(2));
    private final ScheduledExecutorService evictor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "discovery-emulator-evictor");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean faulted;
    private int ticks;

    public DiscoveryEmulatorFixture() {
        // a test cluster holds a handful of instances, so it would always be in self-preservation
        // and keep a dead instance for an hour; eviction runs on a fast clock, paused during faults
        // so that renewals refused by a fault do not count as silence
        cluster.nodes().forEach(n -> n.selfPreservation(false));
        evictor.scheduleWithFixedDelay(() -> {
            if (!faulted) {
                cluster.clock().advance(TICK_ADVANCE);
                if (++ticks % TICKS_PER_MINUTE == 0) {
                    cluster.nodes().forEach(DiscoveryEmulator::sweep);
                }
            }
        }, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    public DiscoveryCluster cluster() {
        return cluster;
    }

    /** The URI every {@code Naming} of this fixture uses. */
    public String uri() {
        return "discovery://" + cluster.authority() + "?env=tck&zone=sh001&region=sh&hostname=tck-host"
                + "&renew=500ms&grace=3s&hold=" + HOLD.toMillis() + "ms&timeout=1s&retryMin=50ms&retryMax="
                + RETRY_CAP.toMillis() + "ms&nodesRefresh=5s";
    }

    @Override
    public Naming connect() {
        return Naming.connect(uri());
    }

    @Override
    public java.util.Optional<Naming> connect(java.util.Map<String, String> parameters) {
        StringBuilder sb = new StringBuilder(uri());
        parameters.forEach((k, v) -> sb.append('&').append(k).append('=').append(v));
        return java.util.Optional.of(Naming.connect(sb.toString()));
    }

    @Override
    public Duration propagationDeadline() {
        // a last-instance cancel wakes no poller: it shows after a hold and the confirming fetchs
        return Duration.ofSeconds(5);
    }

    @Override
    public Duration quietWindow() {
        return Duration.ofMillis(1000);
    }

    @Override
    public Duration livenessWindow() {
        return Duration.ofSeconds(2);
    }

    @Override
    public boolean supportsOutage() {
        return true;
    }

    @Override
    public void setReachable(boolean reachable) {
        if (reachable) {
            cluster.up();
            faulted = false;
        } else {
            faulted = true;
            cluster.down();
        }
    }

    /** Polls held by the nodes right now. */
    @Override
    public OptionalInt openWatchRequests() {
        return OptionalInt.of(cluster.nodes().stream().mapToInt(DiscoveryEmulator::heldPolls).sum());
    }

    @Override
    public boolean supportsStateLoss() {
        return true;
    }

    @Override
    public Duration stateLossGrace() {
        return Duration.ofSeconds(3); // the URI's grace: renewals every 500 ms here
    }

    @Override
    public void loseState() {
        cluster.restart();
    }

    /**
     * One node's process restarts: it forgets everything and drops its held polls, then copies the
     * other node's registry; with a non-zero {@code protectFor} it starts in protect mode, which
     * that copy ends at once (the server's {@code enableProtect}).
     */
    public void restartNode(int index, Duration protectFor) {
        cluster.node(index).restart(protectFor);
    }

    /** Both nodes restart at once: the cluster forgets everything; reads answer -500 for {@code protectFor}. */
    public void restartCluster(Duration protectFor) {
        cluster.restart(protectFor);
    }

    @Override
    public Duration heartbeatInterval() {
        return Duration.ofMillis(500);
    }

    @Override
    public Optional<Duration> retryCap() {
        return Optional.of(RETRY_CAP);
    }

    @Override
    public Duration reRegistrationDeadline() {
        return Duration.ofSeconds(5);
    }

    @Override
    public Set<Fault> faults() {
        return EnumSet.allOf(Fault.class);
    }

    @Override
    public void inject(Fault fault) {
        faulted = true;
        switch (fault) {
            case UNREACHABLE -> cluster.down();
            case TOO_MANY_REQUESTS -> cluster.httpStatus(429);
            case UNAVAILABLE -> cluster.httpStatus(503);
            case SERVER_ERROR -> cluster.serverError(true);
            case PROTECT_MODE -> cluster.protect(true);
            case MALFORMED_REPLIES -> cluster.malformed(true);
            case SLOW_REPLIES -> cluster.slow(Duration.ofMillis(2500));
        }
    }

    @Override
    public void heal() {
        cluster.up();
        cluster.httpStatus(0);
        cluster.serverError(false);
        cluster.protect(false);
        cluster.malformed(false);
        cluster.slow(Duration.ZERO);
        faulted = false;
    }

    @Override
    public Optional<RequestLog> requestLog() {
        return Optional.of(new RequestLog() {
            @Override
            public long count() {
                return cluster.requests().size();
            }

            @Override
            public List<String> rawTargets() {
                return cluster.requests().stream()
                        .map(r -> "/discovery/" + r.call() + (r.query().isEmpty() ? "" : "?" + r.query())).toList();
            }

            @Override
            public boolean isIntendedEndpoint(String rawTarget) {
                return intended(rawTarget);
            }

            @Override
            public boolean isWatchRequest(String rawTarget) {
                return READS.stream().anyMatch(call -> rawTarget.startsWith("/discovery/" + call + "?")
                        || rawTarget.equals("/discovery/" + call));
            }
        });
    }

    static boolean intended(String rawTarget) {
        int q = rawTarget.indexOf('?');
        String path = q >= 0 ? rawTarget.substring(0, q) : rawTarget;
        if (!path.startsWith("/discovery/") || !CALLS.contains(path.substring("/discovery/".length()))) {
            return false;
        }
        if (q < 0) {
            return true;
        }
        for (String pair : rawTarget.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            if (eq < 0 || !PARAMS.contains(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8))
                    || pair.indexOf('#') >= 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public OptionalInt serverPort() {
        return OptionalInt.of(cluster.node(0).port());
    }

    @Override
    public void close() {
        evictor.shutdownNow();
        cluster.close();
    }
}
