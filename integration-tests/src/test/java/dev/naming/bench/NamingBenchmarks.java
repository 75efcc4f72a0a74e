package dev.naming.bench;

import dev.naming.HealthCheck;
import dev.naming.Naming;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.SubscribeOptions;
import dev.naming.grpc.EchoServer;
import dev.naming.grpc.NamingNameResolverProvider;
import dev.naming.tck.RegistryFixture;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The benchmark run of docs/BENCHMARKS.md: propagation latency against a 1 s polling baseline,
 * find throughput from the watch and from the registry, watch scaling, subscriber fan-out and a gRPC
 * channel's register-to-first-RPC time, for every backend in {@link BenchBackends}. The system
 * property {@code bench.steps} (comma-separated: propagation, baseline, find, scaling, fanout, grpc)
 * runs only some steps. Each step (and each phase of propagation and scaling) runs through a
 * {@link StepRunner}: one that fails is reported as failed with its error and the others go on.
 * Writes {@code target/bench/results.json} and {@code results.md} after every step. Every wait is
 * bounded.
 */
public final class NamingBenchmarks {

    /**
     * Samples per propagation phase ({@code bench.propagation.samples}, 200 by default): a p99 of
     * 200 is the second-worst sample, so comparing two clients' p99s needs more.
     */
    static final int PROPAGATION_SAMPLES = Integer.getInteger("bench.propagation.samples", 200);
    static final int PROPAGATION_WARMUP = 20;
    /** Samples (a registration and a deregistration each) before a backend's first propagation phase's: the JVM's warm-up for every phase. */
    static final int PROPAGATION_JVM_WARMUP = 150;
    static final long CHANGE_SPACING_MILLIS = 150;
    /** Resamples behind each bootstrap interval of a difference between the library and the peer. */
    static final int BOOTSTRAP_RESAMPLES = 2_000;
    static final int POLLED_SERVICES = 200;
    static final int WATCHED_SERVICES = 1_000;
    static final int SUBSCRIBERS = 10_000;
    static final Duration STEP_DEADLINE = Duration.ofSeconds(30);
    static final int GRPC_SAMPLES = 100;
    static final int GRPC_WARMUP = 30;
    /** Between two RPCs of the loop that waits for a new server's first one. */
    static final long GRPC_RPC_SPACING_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
    /** At most this many RPCs per sample: more than 30 s of them. */
    static final int GRPC_MAX_RPCS_PER_SAMPLE = 150_000;
    static final Set<String> STEPS = Set.of("propagation", "baseline", "find", "scaling", "fanout", "grpc");
    /** The phase whose listener runs on the HTTP client's thread that handled the reply, as the peer's does. */
    static final String CLIENT_THREAD = "listener on the client's thread";

    private final BenchResults results = new BenchResults();
    private final Set<String> steps = steps(System.getProperty("bench.steps", ""));
    private final StepRunner runner;

    NamingBenchmarks(Path out) {
        runner = new StepRunner(results, out);
    }

    public static void main(String[] args) throws Exception {
        Set<String> only = java.util.Arrays.stream(args).flatMap(a -> java.util.Arrays.stream(a.split(",")))
                .map(String::trim).filter(a -> !a.isEmpty()).collect(Collectors.toSet());
        if (!BenchBackends.names().containsAll(only)) {
            throw new IllegalArgumentException("bench.backends: unknown backend in " + only + "; backends: "
                    + BenchBackends.names());
        }
        List<BenchBackends.Backend> backends = BenchBackends.all();
        for (String name : only) {
            if (backends.stream().noneMatch(b -> BenchBackends.selects(name, b))) {
                throw new IllegalArgumentException("bench.backends: " + name + " needs " + BenchBackends.AGENT_ENV
                        + " (a consul: URI of a running agent)");
            }
        }
        Path out = Path.of(System.getProperty("bench.out", "target/bench"));
        NamingBenchmarks bench = new NamingBenchmarks(out);
        bench.results.note("started", java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        bench.results.note("commit", commit());
        bench.results.note("steps", String.join(",", new java.util.TreeSet<>(bench.steps)));
        bench.results.note("propagation samples", String.valueOf(PROPAGATION_SAMPLES));
        bench.results.note("load at start", BenchResults.formatLoad(BenchResults.loadAverage()));
        System.out.println("machine: " + BenchResults.machine());
        System.out.println("java:    " + BenchResults.java());
        for (BenchBackends.Backend backend : backends) {
            if (only.isEmpty() ? backend.name().startsWith("consul-agent")
                    : only.stream().noneMatch(name -> BenchBackends.selects(name, backend))) {
                continue; // a real agent only when asked for by name
            }
            System.out.println("\n== " + backend.name());
            bench.run(backend);
        }
        bench.results.note("load at end", BenchResults.formatLoad(BenchResults.loadAverage()));
        bench.results.write(out);
        long failed = bench.results.steps().stream().filter(BenchResults.Step::failed).count();
        System.out.println("\nwrote " + out.resolve("results.json").toAbsolutePath()
                + (failed == 0 ? "" : "; " + failed + " step(s) FAILED:"));
        bench.results.steps().stream().filter(BenchResults.Step::failed)
                .forEach(s -> System.out.println("  " + s.backend() + " / " + s.step() + ": " + s.error()));
        System.exit(0);
    }

    /** The commit measured, {@code -dirty} when the worktree has changes; {@code unknown} outside git. */
    private static String commit() {
        try {
            Process head = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
            String hash = new String(head.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            Process status = new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=no")
                    .redirectErrorStream(true).start();
            String changes = new String(status.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            return head.waitFor() == 0 && status.waitFor() == 0 ? hash + (changes.isEmpty() ? "" : "-dirty") : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** Every chosen step on {@code backend}; a step that fails is recorded and the next one runs. */
    private void run(BenchBackends.Backend backend) {
        String name = backend.name();
        RegistryFixture[] started = new RegistryFixture[1];
        if (!runner.run(name, "start", () -> started[0] = backend.fixture().get())) {
            return;
        }
        RegistryFixture fixture = started[0];
        try {
            LatencySamples watched = null;
            if (steps.contains("propagation")) {
                try {
                    watched = propagation(name, fixture);
                } catch (RuntimeException e) {
                    // its set-up or clean-up (each phase records its own failures)
                    runner.run(name, "propagation, set-up", () -> {
                        throw e;
                    });
                }
            }
            if (steps.contains("baseline")) {
                LatencySamples w = watched;
                runner.run(name, "baseline", () -> pollingBaseline(name, fixture, w));
            }
            if (steps.contains("find")) {
                runner.run(name, "find", () -> findThroughput(name, fixture));
            }
            if (steps.contains("fanout")) {
                runner.run(name, "fanout", () -> subscriberFanOut(name, fixture));
            }
            // last: an emulated agent keeps the queries of closed clients blocked until their wait ends
            if (steps.contains("scaling")) {
                scaling(name, fixture);
            }
            if (steps.contains("grpc")) {
                runner.run(name, "grpc", () -> grpcFirstRpc(name, fixture));
            }
        } finally {
            runner.run(name, "close", fixture::close);
        }
    }

    private static Set<String> steps(String list) {
        Set<String> chosen = java.util.Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toSet());
        if (!STEPS.containsAll(chosen)) {
            throw new IllegalArgumentException("bench.steps: unknown step in '" + list + "'; steps: " + STEPS);
        }
        return chosen.isEmpty() ? STEPS : chosen;
    }

    // ---- 1. propagation latency --------------------------------------------------------------------

    private record Delivery(Set<String> ids, long nanos) {
    }

    /** One listener mode's samples, with the peer's (or the floor's) on the same changes. */
    private record Phase(LatencySamples up, LatencySamples down, LatencySamples calls, LatencySamples peerUp,
                         LatencySamples peerDown, List<long[]> changes, Map<String, ConcurrentLinkedQueue<Long>> written) {
    }

    /**
     * Measures and reports propagation; returns the default listener's register samples for the
     * baseline's ratio ({@code null} if that phase failed). Where the registry has a peer (another
     * client library's watch), it watches the same service in the same run and sees the same
     * changes; its figures are reported beside the library's.
     *
     * <p>Two phases, one per listener mode, each a step of its own with a {@code Naming} of its own
     * holding one subscription, as a user's service would, and the peer on a service of the phase's
     * own: the default listener (called on the {@code Naming}'s dispatcher), then the listener on the
     * HTTP client's thread that handled the reply ({@code withExecutor(Runnable::run)}), where the
     * peer calls its own. Both on one watch would time the second behind the first, on the same
     * thread. Each phase's figures are reported as soon as it ends.
     *
     * <p>Where the registry has a floor client, a third phase measures it beside the default
     * listener, without the peer: a third watcher of the same service changes the order in which
     * the registry answers the two compared clients, so the comparison has two watchers of each
     * change, as over TLS.
     */
    private LatencySamples propagation(String backend, RegistryFixture fixture) {
        BenchBackends.PeerWatches peer = fixture instanceof BenchBackends.WithPeer p ? p.peer() : null;
        // when the registry wrote each client's reply: the client's own share of a propagation
        BenchBackends.WithReplyWrites writes = peer != null && fixture instanceof BenchBackends.WithReplyWrites w ? w : null;
        LatencySamples[] watched = new LatencySamples[1];
        boolean[] warm = new boolean[1];
        String p = peer == null ? null : "peer " + peer.name() + ": ";
        String first = "changes whose reply the registry wrote to naming before the ";
        try (Naming registrar = fixture.connect()) {
            // the first phase warms the JVM up for both (the clients' code and the agent's compiled):
            // with the same short warm-up, the second phase came out faster for the peer as well
            runner.run(backend, "propagation", () -> {
                Phase pooled = propagationPhase(fixture, registrar, peer, writes, false, "bench.propagation",
                        SubscribeOptions.defaults(), PROPAGATION_JVM_WARMUP);
                warm[0] = true;
                reportLatency(backend, "propagation register %s", pooled.up(), true);
                reportLatency(backend, "propagation deregister %s", pooled.down(), true);
                // not in the figures above, which start when register returns: the writer's own round trip
                reportLatency(backend, "register call %s", pooled.calls(), false);
                if (peer != null) {
                    reportLatency(backend, p + "propagation register %s", pooled.peerUp(), true);
                    reportLatency(backend, p + "propagation deregister %s", pooled.peerDown(), true);
                    // a p99 of 1,000 samples is the tenth-worst: whether a gap is more than chance, the interval says
                    difference(backend, "propagation register %s, naming − peer", pooled.up(), pooled.peerUp());
                    difference(backend, "propagation deregister %s, naming − peer", pooled.down(), pooled.peerDown());
                }
                if (writes != null) {
                    clientShares(backend, pooled, "peer", 2, "client's share, reply written → listener %s",
                            p + "client's share, reply written → listener %s", first + "peer");
                }
                watched[0] = pooled.up();
            });
            runner.run(backend, "propagation, " + CLIENT_THREAD, () -> {
                Phase direct = propagationPhase(fixture, registrar, peer, writes, false, "bench.propagation.direct",
                        SubscribeOptions.defaults().withExecutor(Runnable::run),
                        warm[0] ? PROPAGATION_WARMUP : PROPAGATION_JVM_WARMUP);
                warm[0] = true;
                reportLatency(backend, "propagation register %s, " + CLIENT_THREAD, direct.up(), false);
                reportLatency(backend, "propagation deregister %s, " + CLIENT_THREAD, direct.down(), false);
                if (peer != null) {
                    reportLatency(backend, p + "propagation register %s, beside the " + CLIENT_THREAD,
                            direct.peerUp(), false);
                    reportLatency(backend, p + "propagation deregister %s, beside the " + CLIENT_THREAD,
                            direct.peerDown(), false);
                    difference(backend, "propagation register %s, naming − peer, " + CLIENT_THREAD,
                            direct.up(), direct.peerUp());
                    difference(backend, "propagation deregister %s, naming − peer, " + CLIENT_THREAD,
                            direct.down(), direct.peerDown());
                }
                if (writes != null) {
                    clientShares(backend, direct, "peer", 2, "client's share, " + CLIENT_THREAD + " %s",
                            p + "client's share, beside the " + CLIENT_THREAD + " %s", first + "peer, " + CLIENT_THREAD);
                }
            });
            if (writes != null && writes.hasFloor()) {
                runner.run(backend, "propagation, floor", () -> {
                    Phase floored = propagationPhase(fixture, registrar, null, writes, true, "bench.propagation.floor",
                            SubscribeOptions.defaults(), warm[0] ? PROPAGATION_WARMUP : PROPAGATION_JVM_WARMUP);
                    clientShares(backend, floored, "floor", 3, "client's share, reply written → listener, beside the floor %s",
                            "floor (one blocking read, the library's parse; a phase of its own): client's share %s",
                            first + "floor");
                });
            }
        }
        return watched[0];
    }

    /** One phase: the library's watch with {@code options}, and the peer's or ({@code withFloor}) the floor's. */
    private Phase propagationPhase(RegistryFixture fixture, Naming registrar, BenchBackends.PeerWatches peer,
                                   BenchBackends.WithReplyWrites writes, boolean withFloor, String service,
                                   SubscribeOptions options, int warmup) throws Exception {
        LinkedBlockingQueue<Delivery> peerDeliveries = new LinkedBlockingQueue<>();
        Map<String, ConcurrentLinkedQueue<Long>> written = Map.of(
                "naming", new ConcurrentLinkedQueue<>(), "peer", new ConcurrentLinkedQueue<>(), "floor", new ConcurrentLinkedQueue<>());
        LinkedBlockingQueue<Delivery> floorDeliveries = new LinkedBlockingQueue<>();
        if (writes != null) {
            writes.observeBlockingReplies((name, userAgent, at) -> {
                String client = writes.client(userAgent);
                if (name.equals(service) && client != null) {
                    written.get(client).add(at);
                }
            });
        }
        List<long[]> changes = new ArrayList<>();
        try (Naming watcher = fixture.connect();
             AutoCloseable peerWatch = peer == null ? () -> { }
                     : peer.watch(service, ids -> peerDeliveries.add(new Delivery(ids, System.nanoTime())), null);
             AutoCloseable floorWatch = !withFloor ? null
                     : writes.floor(service, ids -> floorDeliveries.add(new Delivery(ids, System.nanoTime())))) {
            LinkedBlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
            watcher.subscribe(service, options, list -> deliveries.add(new Delivery(ids(list), System.nanoTime())));
            // an instance that stays, as in a live fleet: a departure never empties the service
            registrar.register(registration("anchor", service));
            awaitDelivery(deliveries, ids -> ids.contains("anchor"));
            if (peer != null) {
                awaitDelivery(peerDeliveries, ids -> ids.contains("anchor"));
            }
            LatencySamples up = new LatencySamples(PROPAGATION_SAMPLES);
            LatencySamples down = new LatencySamples(PROPAGATION_SAMPLES);
            LatencySamples calls = new LatencySamples(PROPAGATION_SAMPLES);
            LatencySamples peerUp = new LatencySamples(PROPAGATION_SAMPLES);
            LatencySamples peerDown = new LatencySamples(PROPAGATION_SAMPLES);
            for (int i = 0; i < warmup + PROPAGATION_SAMPLES; i++) {
                String id = "p-" + i;
                pace();
                ServiceRegistration registration = registration(id, service);
                long called = System.nanoTime();
                registrar.register(registration);
                long registered = System.nanoTime();
                long seen = awaitDelivery(deliveries, ids -> ids.contains(id));
                long peerSeen = peer == null ? 0 : awaitDelivery(peerDeliveries, ids -> ids.contains(id));
                long floorSeen = !withFloor ? 0 : awaitDelivery(floorDeliveries, ids -> ids.contains(id));
                pace();
                registrar.deregister(id);
                long deregistered = System.nanoTime();
                long gone = awaitDelivery(deliveries, ids -> !ids.contains(id));
                long peerGone = peer == null ? 0 : awaitDelivery(peerDeliveries, ids -> !ids.contains(id));
                long floorGone = !withFloor ? 0 : awaitDelivery(floorDeliveries, ids -> !ids.contains(id));
                if (i >= warmup) {
                    calls.add(registered - called);
                    up.add(seen - registered);
                    down.add(gone - deregistered);
                    changes.add(new long[] {registered, seen, peerSeen, floorSeen});
                    changes.add(new long[] {deregistered, gone, peerGone, floorGone});
                    if (peer != null) {
                        peerUp.add(peerSeen - registered);
                        peerDown.add(peerGone - deregistered);
                    }
                }
            }
            registrar.deregister("anchor");
            return new Phase(up, down, calls, peerUp, peerDown, changes, written);
        } finally {
            if (writes != null) {
                writes.observeBlockingReplies(null);
            }
        }
    }

    /**
     * Splits each change's propagation at the moment the registry wrote the client's reply: what
     * follows is the client's own work (reading, parsing, delivering); what comes before, the
     * registry's, which includes the order in which it answers its waiting clients (reported as
     * how often it wrote the library's reply first). The library against the other client of the
     * same phase — the peer, or the floor in its own phase — never against another phase's
     * figures. Registrations and deregistrations together.
     *
     * @param other {@code "peer"} or {@code "floor"}: whose writes, and whose listener times
     *     (column {@code column} of each change, 0 where it had none)
     * @param ours, theirs the two shares' metrics, {@code %s} for the percentile
     * @param first the metric of how often the library's reply was written first
     */
    private void clientShares(String backend, Phase phase, String other, int column, String ours, String theirs,
                              String first) {
        long[] namingWrites = sorted(phase.written().get("naming"));
        long[] otherWrites = sorted(phase.written().get(other));
        LatencySamples library = new LatencySamples(phase.changes().size());
        LatencySamples them = new LatencySamples(phase.changes().size());
        int namingFirst = 0;
        for (long[] c : phase.changes()) {
            long namingWrite = firstAtOrAfter(namingWrites, c[0]);
            long otherWrite = firstAtOrAfter(otherWrites, c[0]);
            if (c[column] == 0 || namingWrite == Long.MIN_VALUE || otherWrite == Long.MIN_VALUE) {
                continue;
            }
            if (namingWrite < otherWrite) {
                namingFirst++;
            }
            library.add(Math.max(0, c[1] - namingWrite));
            them.add(Math.max(0, c[column] - otherWrite));
        }
        if (library.size() == 0) {
            return;
        }
        reportLatency(backend, ours, library, false);
        reportLatency(backend, theirs, them, false);
        report(backend, first, 100.0 * namingFirst / library.size(), "%");
    }

    private static long[] sorted(ConcurrentLinkedQueue<Long> times) {
        return times.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /** The first of {@code sorted} at or after {@code from}; {@link Long#MIN_VALUE} when none is. */
    private static long firstAtOrAfter(long[] sorted, long from) {
        int i = java.util.Arrays.binarySearch(sorted, from);
        int at = i >= 0 ? i : -i - 1;
        return at < sorted.length ? sorted[at] : Long.MIN_VALUE;
    }

    private long lastChange;

    /**
     * Spaces changes {@value #CHANGE_SPACING_MILLIS} ms apart: a fleet's servers come and go far
     * more slowly, and a watch may rate-limit its queries (Consul's: one per 100 ms) without
     * delaying changes that are that far apart.
     */
    private void pace() throws InterruptedException {
        long next = lastChange + TimeUnit.MILLISECONDS.toNanos(CHANGE_SPACING_MILLIS);
        long now = System.nanoTime();
        if (now < next) {
            TimeUnit.NANOSECONDS.sleep(next - now);
        }
        lastChange = System.nanoTime();
    }


    /** Waits for a delivery matching {@code wanted}; returns when it arrived (nanoTime). */
    private static long awaitDelivery(LinkedBlockingQueue<Delivery> deliveries, Predicate<Set<String>> wanted)
            throws InterruptedException {
        long deadline = System.nanoTime() + STEP_DEADLINE.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Delivery d = left > 0 ? deliveries.poll(left, TimeUnit.NANOSECONDS) : null;
            if (d == null) {
                throw new IllegalStateException("no matching delivery within " + STEP_DEADLINE);
            }
            if (wanted.test(d.ids())) {
                return d.nanos();
            }
        }
    }

    // ---- 1b. the periodic-refresh baseline ----------------------------------------------------------

    private void pollingBaseline(String backend, RegistryFixture fixture, LatencySamples watched)
            throws InterruptedException {
        Map<String, Long> registeredAt = new ConcurrentHashMap<>();
        LatencySamples samples = new LatencySamples(POLLED_SERVICES);
        try (Naming poller = fixture.connect(); Naming registrar = fixture.connect()) {
            Thread pollerThread = new Thread(() -> {
                // the Eureka/Stork-style client: refresh every watched service once a second
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (samples.size() < POLLED_SERVICES && System.nanoTime() < deadline) {
                    long round = System.nanoTime();
                    for (int i = 0; i < POLLED_SERVICES; i++) {
                        String service = "bench.poll-" + i;
                        Long at = registeredAt.get(service);
                        if (at != null && at > 0 && !poller.find(service).isEmpty()) {
                            long now = System.nanoTime();
                            synchronized (samples) {
                                samples.add(now - at);
                            }
                            registeredAt.put(service, -1L);
                        }
                    }
                    long sleep = Duration.ofSeconds(1).toNanos() - (System.nanoTime() - round);
                    if (sleep > 0) {
                        try {
                            TimeUnit.NANOSECONDS.sleep(sleep);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            }, "bench-poller");
            pollerThread.start();
            // registrations spread over 2 s, so they land at random points of the poll cycle
            for (int i = 0; i < POLLED_SERVICES; i++) {
                String service = "bench.poll-" + i;
                registrar.register(registration("poll-" + i, service));
                registeredAt.put(service, System.nanoTime());
                TimeUnit.MILLISECONDS.sleep(10);
            }
            pollerThread.join(Duration.ofSeconds(25).toMillis());
            pollerThread.interrupt();
        }
        double p50;
        double p99;
        synchronized (samples) {
            p50 = samples.percentileMillis(50);
            p99 = samples.percentileMillis(99);
        }
        report(backend, "1s-poll baseline p50", p50, "ms");
        report(backend, "1s-poll baseline p99", p99, "ms");
        if (watched != null) {
            // the watch's figures from this backend's propagation step (none when it failed)
            report(backend, "baseline p50 / watch p50", p50 / Math.max(watched.percentileMillis(50), 1e-3), "x");
            report(backend, "baseline p99 / watch p99", p99 / Math.max(watched.percentileMillis(99), 1e-3), "x");
        }
    }

    // ---- 2. find throughput -------------------------------------------------------------------------

    private void findThroughput(String backend, RegistryFixture fixture) throws InterruptedException {
        String service = "bench.find";
        try (Naming registrar = fixture.connect(); Naming watcher = fixture.connect(); Naming cold = fixture.connect()) {
            for (int i = 0; i < 10; i++) {
                registrar.register(registration("f-" + i, service));
            }
            CountDownLatch ready = new CountDownLatch(1);
            watcher.subscribe(service, list -> {
                if (list.size() == 10) {
                    ready.countDown();
                }
            });
            if (!ready.await(STEP_DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("watch did not see 10 instances");
            }
            double watched = opsPerSecond(() -> watcher.find(service).size(), Duration.ofSeconds(1), Duration.ofSeconds(3));
            double unwatched = opsPerSecond(() -> cold.find(service).size(), Duration.ofSeconds(1), Duration.ofSeconds(3));
            report(backend, "find ops/s, subscribed (from the watch)", Math.round(watched), "ops/s");
            report(backend, "find ops/s, not subscribed (a read each)", Math.round(unwatched), "ops/s");
            report(backend, "find subscribed / not subscribed", watched / unwatched, "x");
        }
    }

    private static volatile long sink;

    private interface IntOp {
        int run();
    }

    /** Single-threaded ops/s of {@code op} after a warm-up. */
    private static double opsPerSecond(IntOp op, Duration warmup, Duration measure) {
        long acc = 0;
        long end = System.nanoTime() + warmup.toNanos();
        while (System.nanoTime() < end) {
            for (int i = 0; i < 256; i++) {
                acc += op.run();
            }
        }
        long ops = 0;
        long start = System.nanoTime();
        end = start + measure.toNanos();
        long now;
        do {
            for (int i = 0; i < 256; i++) {
                acc += op.run();
            }
            ops += 256;
            now = System.nanoTime();
        } while (now < end);
        sink = acc;
        return ops / ((now - start) / 1e9);
    }

    // ---- 3. watch scaling ---------------------------------------------------------------------------

    /** The services the scaling steps watch. */
    private static final List<String> SCALE_SERVICES = java.util.stream.IntStream.range(0, WATCHED_SERVICES)
            .mapToObj(i -> "bench.scale-" + i).toList();

    /**
     * The scaling steps. Against an agent outside this JVM first (an emulator started in a JVM of
     * its own, or the real agent): the library's threads, connections and heap, then the peer's, each
     * a step of its own; the heap figures are the clients' alone. Then, where the registry runs in
     * this JVM, the same watches against it (its threads and connections; the heap there includes
     * the registry's side of each held query).
     */
    private void scaling(String backend, RegistryFixture fixture) {
        // the clients' heap first: the in-JVM agent keeps the 2,000 queries of the steps below
        // blocked for up to their wait after their clients closed, and the heap they free meanwhile
        // would come off a later measurement (it once made it negative)
        boolean inThisJvm = true;
        if (fixture instanceof BenchBackends.WithOutsideAgent outside) {
            inThisJvm = outside.registryInThisJvm();
            runner.run(backend, "scaling, agent in another process", () -> {
                try (BenchBackends.OutsideAgent agent = outside.outsideAgent()) {
                    outsideScaling(backend, agent);
                }
            });
            if (fixture instanceof BenchBackends.WithPeer) {
                runner.run(backend, "scaling, peer, agent in another process", () -> {
                    try (BenchBackends.OutsideAgent agent = outside.outsideAgent()) {
                        outsidePeerScaling(backend, agent);
                    }
                });
            }
        }
        if (inThisJvm) {
            runner.run(backend, "scaling", () -> watchScaling(backend, fixture));
            if (fixture instanceof BenchBackends.WithPeer withPeer) {
                runner.run(backend, "scaling, peer", () -> peerWatchScaling(backend, fixture, withPeer.peer()));
            }
        }
    }

    private void watchScaling(String backend, RegistryFixture fixture) throws InterruptedException {
        libraryScaling(backend, "1,000 watched services: ", fixture::connect, fixture.serverPort(), "heap per service", false);
    }

    /**
     * One {@code Naming} watching the 1,000 scaling services, measured once every watch holds its
     * blocking query (2 s after the last first list): the {@code naming-*} threads it started (and
     * the most seen at once while the watches started, by pool), its connections to the registry
     * (this JVM's, from the kernel's tables, without those earlier steps left) and the heap growth
     * per service; then its threads again once its pools' idle threads have ended, and ({@code countAgain})
     * its connections again once idle ones have ended.
     */
    private void libraryScaling(String backend, String m, java.util.function.Supplier<Naming> connect, OptionalInt port,
                                String heapMetric, boolean countAgain) throws InterruptedException {
        // what a JVM's first client loads once (classes, TLS set-up) is no cost per service: a Naming
        // watching a few services, closed before anything is measured, has loaded it
        try (Naming warm = connect.get()) {
            watchFirst(warm, WARM_UP_WATCHES);
        }
        if (port.isPresent()) {
            awaitQuietPort(port.getAsInt());
        }
        Set<String> connectionsBefore = port.isPresent() ? OwnConnections.open(port.getAsInt()) : null;
        long heapBefore = usedHeapAfterGc();
        Set<Thread> threadsBefore = liveThreads();
        try (Naming watcher = connect.get(); ThreadPeak peak = new ThreadPeak(threadsBefore)) {
            watchAll(watcher);
            long lastFirstList = System.nanoTime();
            TimeUnit.SECONDS.sleep(2);
            long threads = startedSince(threadsBefore, NamingBenchmarks::isLibraryThread);
            long heap = usedHeapAfterGc() - heapBefore;
            report(backend, m + "library threads", threads, "threads");
            report(backend, m + "library threads, most seen while the watches started", peak.most(), "threads");
            peak.pools().forEach((pool, n) -> report(backend, m + "library threads, most seen: " + pool + "-*", n, "threads"));
            if (port.isPresent()) {
                report(backend, m + "TCP connections", OwnConnections.openedSince(connectionsBefore, port.getAsInt()),
                        "connections");
            }
            report(backend, m + heapMetric, heap / (double) WATCHED_SERVICES, "bytes");
            long idleBy = lastFirstList + IDLE_THREADS_GONE.toNanos();
            TimeUnit.NANOSECONDS.sleep(Math.max(0, idleBy - System.nanoTime()));
            report(backend, m + "library threads, " + IDLE_THREADS_GONE.toSeconds() + " s after the last first list",
                    startedSince(threadsBefore, NamingBenchmarks::isLibraryThread), "threads");
            if (countAgain && port.isPresent()) {
                // a connection opened while the others were full, left idle once the streams settled, ends
                // with the client's idle timeout: what stays is what the watches hold
                idleBy = lastFirstList + IDLE_CONNECTIONS_GONE.toNanos();
                TimeUnit.NANOSECONDS.sleep(Math.max(0, idleBy - System.nanoTime()));
                report(backend, m + "TCP connections, " + IDLE_CONNECTIONS_GONE.toSeconds() + " s after the last first list",
                        OwnConnections.openedSince(connectionsBefore, port.getAsInt()), "connections");
            }
        }
    }

    /**
     * Past the Consul client's idle timeout for a connection (2 min) with a margin, so that only
     * connections that carry queries are left: at 125 s a connection left idle by the start was
     * sometimes still open (its idle time counts from its last frame, not from the last first list).
     */
    static final Duration IDLE_CONNECTIONS_GONE = Duration.ofSeconds(150);

    /** Past the idle time of every pool of a {@code Naming} (the dispatcher's 30 s, Jetty's 5 s): what 1,000 quiet watches keep. */
    static final Duration IDLE_THREADS_GONE = Duration.ofSeconds(35);

    /**
     * The peer's cost for the same 1,000 watched services: its threads (OkHttp's and the peer's
     * own, with one shared scheduler for all its caches, its leanest set-up) and connections.
     */
    private void peerWatchScaling(String backend, RegistryFixture fixture, BenchBackends.PeerWatches peer)
            throws Exception {
        awaitQuietServer(fixture);
        Set<String> connectionsBefore = fixture.serverPort().isPresent() ? OwnConnections.open(fixture.serverPort().getAsInt()) : null;
        Set<Thread> threadsBefore = liveThreads();
        try (AutoCloseable watches = peerWatchAll(peer)) {
            String p = "peer " + peer.name() + ": ";
            report(backend, p + "1,000 watched services: threads", startedSince(threadsBefore, NamingBenchmarks::isPeerThread),
                    "threads");
            if (fixture.serverPort().isPresent()) {
                report(backend, p + "1,000 watched services: TCP connections",
                        OwnConnections.openedSince(connectionsBefore, fixture.serverPort().getAsInt()), "connections");
            }
        }
    }

    /**
     * The library's 1,000 watches against an agent in another process, so that no server-side state
     * of a held query counts in the heap ({@link #libraryScaling}).
     */
    private void outsideScaling(String backend, BenchBackends.OutsideAgent agent) throws Exception {
        libraryScaling(backend, "1,000 watched services, agent in another process: ",
                () -> Naming.connect(agent.namingUri()), OptionalInt.of(agent.port()), "client heap per service", true);
    }

    /** The peer's 1,000 watches against an agent in another process: threads, connections, heap per service. */
    private void outsidePeerScaling(String backend, BenchBackends.OutsideAgent agent) throws Exception {
        BenchBackends.PeerWatches peer = agent.peer();
        try (AutoCloseable warm = peerWatchAll(peer, SCALE_SERVICES.subList(0, WARM_UP_WATCHES))) {
            // as for the library: the peer's classes and TLS set-up are loaded before measuring
        }
        awaitQuietPort(agent.port());
        Set<String> connectionsBefore = OwnConnections.open(agent.port());
        long heapBefore = usedHeapAfterGc();
        Set<Thread> threadsBefore = liveThreads();
        try (AutoCloseable watches = peerWatchAll(peer)) {
            long threads = startedSince(threadsBefore, NamingBenchmarks::isPeerThread);
            long heap = usedHeapAfterGc() - heapBefore;
            String m = "peer " + peer.name() + ": 1,000 watched services, agent in another process: ";
            report(backend, m + "threads", threads, "threads");
            report(backend, m + "TCP connections", OwnConnections.openedSince(connectionsBefore, agent.port()), "connections");
            report(backend, m + "client heap per service", heap / (double) WATCHED_SERVICES, "bytes");
        }
    }

    /**
     * The most {@code naming-*} threads alive at once among those started since {@code before}, and
     * how many of each pool (a name without its trailing number) were alive then; sampled every 5 ms
     * until closed (a thread that lives less than that can be missed).
     */
    private static final class ThreadPeak implements AutoCloseable {
        private final Thread sampler;
        private volatile int most;
        private volatile Map<String, Integer> pools = Map.of();
        private volatile boolean done;

        ThreadPeak(Set<Thread> before) {
            ThreadGroup root = Thread.currentThread().getThreadGroup();
            while (root.getParent() != null) {
                root = root.getParent();
            }
            ThreadGroup all = root;
            sampler = new Thread(() -> {
                Thread[] threads = new Thread[8192];
                while (!done) {
                    int n = all.enumerate(threads, true);
                    int count = 0;
                    for (int i = 0; i < n; i++) {
                        if (!before.contains(threads[i]) && isLibraryThread(threads[i])) {
                            count++;
                        }
                    }
                    if (count > most) {
                        Map<String, Integer> byPool = new java.util.TreeMap<>();
                        for (int i = 0; i < n; i++) {
                            if (!before.contains(threads[i]) && isLibraryThread(threads[i])) {
                                byPool.merge(threads[i].getName().replaceFirst("-\\d+$", ""), 1, Integer::sum);
                            }
                        }
                        pools = byPool;
                        most = count;
                    }
                    java.util.Arrays.fill(threads, 0, n, null);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                }
            }, "bench-thread-peak");
            sampler.setDaemon(true);
            sampler.start();
        }

        int most() {
            return most;
        }

        /** The threads of each pool when the most were alive. */
        Map<String, Integer> pools() {
            return pools;
        }

        @Override
        public void close() throws InterruptedException {
            done = true;
            sampler.join(1_000);
        }
    }

    /** Watches loaded by a client closed before a heap measurement. */
    private static final int WARM_UP_WATCHES = 10;

    /** Subscribes {@code watcher} to every scaling service and waits for every first list. */
    private static void watchAll(Naming watcher) throws InterruptedException {
        watchFirst(watcher, WATCHED_SERVICES);
    }

    /** Subscribes {@code watcher} to the first {@code count} scaling services and waits for their first lists. */
    private static void watchFirst(Naming watcher, int count) throws InterruptedException {
        CountDownLatch firstLists = new CountDownLatch(count);
        for (String service : SCALE_SERVICES.subList(0, count)) {
            watcher.subscribe(service, list -> firstLists.countDown());
        }
        if (!firstLists.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(firstLists.getCount() + " watches without a first list after 60 s");
        }
    }

    /**
     * The peer watching every scaling service through one client and one scheduler, once every
     * first list is in and 2 s more (every cache then holds its blocking query); closing it ends both.
     */
    private static AutoCloseable peerWatchAll(BenchBackends.PeerWatches peer) throws Exception {
        return peerWatchAll(peer, SCALE_SERVICES);
    }

    /** As {@link #peerWatchAll(BenchBackends.PeerWatches)}, for {@code services}. */
    private static AutoCloseable peerWatchAll(BenchBackends.PeerWatches peer, List<String> services) throws Exception {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "peer-scheduler");
            t.setDaemon(true);
            return t;
        });
        CountDownLatch firstLists = new CountDownLatch(services.size());
        AutoCloseable watches;
        try {
            watches = peer.watchAll(services, s -> firstLists.countDown(), scheduler);
        } catch (RuntimeException e) {
            scheduler.shutdownNow();
            throw e;
        }
        try {
            if (!firstLists.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException(firstLists.getCount() + " peer watches without a first list after 60 s");
            }
            TimeUnit.SECONDS.sleep(2);
        } catch (InterruptedException | RuntimeException e) {
            watches.close();
            scheduler.shutdownNow();
            throw e;
        }
        return () -> {
            try {
                watches.close();
            } finally {
                scheduler.shutdownNow();
            }
        };
    }

    /** Waits (up to 20 s) until no connection of this JVM to the registry's port is left from earlier steps. */
    private static void awaitQuietServer(RegistryFixture fixture) throws InterruptedException {
        if (fixture.serverPort().isPresent()) {
            awaitQuietPort(fixture.serverPort().getAsInt());
        }
    }

    /**
     * Connections of the {@code Naming}s and peers closed by earlier steps end when their clients
     * close them or the agent's idle timeout does: waits up to 20 s for them to go, so that a
     * connection count is the measured client's alone (and says how many were left if some stayed).
     */
    private static void awaitQuietPort(int port) throws InterruptedException {
        long quietBy = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (OwnConnections.to(port) > 0 && System.nanoTime() < quietBy) {
            System.gc();
            TimeUnit.MILLISECONDS.sleep(200);
        }
        int left = OwnConnections.to(port);
        if (left > 0) {
            System.out.println("(connections to port " + port + " left open by earlier steps: " + left + ")");
        }
    }

    /** The library's threads: every thread it starts is named {@code naming-*} (Jetty's pool and scheduler included). */
    private static boolean isLibraryThread(Thread t) {
        return t.getName().startsWith("naming-");
    }

    /** The peer's threads (OkHttp's and consul-client's): not the library's, not the emulator's, not the benchmark's. */
    private static boolean isPeerThread(Thread t) {
        String n = t.getName();
        return !n.startsWith("naming-") && !n.startsWith("consul-emulator") && !n.startsWith("peer-scheduler")
                && !n.startsWith("bench-");
    }

    private static Set<Thread> liveThreads() {
        return new HashSet<>(Thread.getAllStackTraces().keySet());
    }

    /** Threads alive now, not alive at {@code before}, that {@code counted} accepts. */
    private static long startedSince(Set<Thread> before, Predicate<Thread> counted) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !before.contains(t) && counted.test(t)).count();
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    // ---- 3b. subscriber fan-out ---------------------------------------------------------------------

    private void subscriberFanOut(String backend, RegistryFixture fixture) throws InterruptedException {
        String service = "bench.fanout";
        try (Naming watcher = fixture.connect(); Naming registrar = fixture.connect()) {
            registrar.register(registration("fan-0", service));
            CountDownLatch initial = new CountDownLatch(SUBSCRIBERS);
            CountDownLatch updated = new CountDownLatch(SUBSCRIBERS);
            AtomicLong lastUpdate = new AtomicLong();
            Set<Thread> threadsBefore = liveThreads();
            for (int i = 0; i < SUBSCRIBERS; i++) {
                AtomicInteger calls = new AtomicInteger();
                watcher.subscribe(service, list -> {
                    if (calls.incrementAndGet() == 1) {
                        initial.countDown();
                    } else if (list.size() == 2) {
                        lastUpdate.accumulateAndGet(System.nanoTime(), Math::max);
                        updated.countDown();
                    }
                });
            }
            if (!initial.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("subscribers without a first list: " + initial.getCount());
            }
            long threads = startedSince(threadsBefore, NamingBenchmarks::isLibraryThread);
            // from the call, not its return: a registry may tell watchers before it answers the writer
            long registered = System.nanoTime();
            registrar.register(registration("fan-1", service));
            if (!updated.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("subscribers without the new list: " + updated.getCount());
            }
            report(backend, "10,000 subscribers: all have the new list", (lastUpdate.get() - registered) / 1e6, "ms");
            report(backend, "10,000 subscribers: extra library threads", threads, "threads");
        }
    }

    // ---- 4. gRPC: register → first RPC served by the new server ----------------------------------------

    /**
     * A {@code round_robin} channel on {@code naming:///bench.grpc} over a watching {@code Naming}, one
     * anchor server always registered; each sample registers a server and makes RPCs, one at a time
     * and 200 µs apart (a client that keeps one RPC in flight), until that server has answered one.
     * Starting RPCs without awaiting replies would step the figure more finely, but on two cores a
     * flood of RPCs queues behind itself and measures the queue. The figure runs from the {@code register} call to
     * the server's first RPC: registry, watch, resolver, balancer, TCP and HTTP/2 connection set-up.
     * Two servers take turns, each registered under a new id and deregistered after its sample (the
     * departure awaited), so every sample is a new instance and a new connection.
     */
    private void grpcFirstRpc(String backend, RegistryFixture fixture) throws InterruptedException {
        String service = "bench.grpc";
        try (Naming watcher = fixture.connect(); Naming registrar = fixture.connect();
             EchoServer anchor = EchoServer.start("anchor"); EchoServer even = EchoServer.start("even");
             EchoServer odd = EchoServer.start("odd")) {
            LinkedBlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
            watcher.subscribe(service, list -> deliveries.add(new Delivery(ids(list), System.nanoTime())));
            registrar.register(grpcRegistration("anchor", service, anchor));
            awaitDelivery(deliveries, ids -> ids.contains("anchor"));
            NameResolverRegistry resolvers = new NameResolverRegistry();
            resolvers.register(NamingNameResolverProvider.of(watcher));
            ManagedChannel channel = Grpc.newChannelBuilder("naming:///" + service, InsecureChannelCredentials.create(),
                    resolvers).defaultLoadBalancingPolicy("round_robin").build();
            try {
                EchoServer.who(channel, STEP_DEADLINE);
                LatencySamples samples = new LatencySamples(GRPC_SAMPLES);
                LatencySamples listed = new LatencySamples(GRPC_SAMPLES);
                LatencySamples calls = new LatencySamples(GRPC_SAMPLES);
                for (int i = 0; i < GRPC_WARMUP + GRPC_SAMPLES; i++) {
                    EchoServer server = i % 2 == 0 ? even : odd;
                    String id = "g-" + i;
                    pace();
                    server.resetFirstServed();
                    ServiceRegistration registration = grpcRegistration(id, service, server);
                    long registered = System.nanoTime();
                    registrar.register(registration);
                    long returned = System.nanoTime();
                    long served = awaitFirstRpc(channel, server);
                    // when the same Naming's other subscription had the list: the registry's share
                    long seen = awaitDelivery(deliveries, ids -> ids.contains(id));
                    pace();
                    registrar.deregister(id);
                    awaitDelivery(deliveries, ids -> !ids.contains(id));
                    if (i >= GRPC_WARMUP) {
                        calls.add(returned - registered);
                        samples.add(served - registered);
                        listed.add(seen - registered);
                    }
                }
                // the registering process's own round trip, inside both figures below
                reportLatency(backend, "gRPC register call %s", calls, false);
                reportLatency(backend, "gRPC register -> list in the Naming %s", listed, false);
                reportLatency(backend, "gRPC register -> first RPC %s", samples, true);
                LatencySamples direct = directConnections(anchor);
                report(backend, "gRPC baseline: new channel to a fixed address -> first RPC p50",
                        direct.percentileMillis(50), "ms");
                report(backend, "gRPC baseline: new channel to a fixed address -> first RPC p99",
                        direct.percentileMillis(99), "ms");
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * What grpc-java alone takes, in the same run: a channel to a fixed address (no registry, no
     * resolver of ours) from creation to its first RPC answered, over a new connection each time.
     */
    private static LatencySamples directConnections(EchoServer server) throws InterruptedException {
        LatencySamples samples = new LatencySamples(GRPC_SAMPLES);
        for (int i = 0; i < GRPC_WARMUP + GRPC_SAMPLES; i++) {
            long start = System.nanoTime();
            ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + server.port(),
                    InsecureChannelCredentials.create()).build();
            try {
                EchoServer.who(channel, Duration.ofSeconds(5));
                if (i >= GRPC_WARMUP) {
                    samples.add(System.nanoTime() - start);
                }
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            TimeUnit.MILLISECONDS.sleep(CHANGE_SPACING_MILLIS / 3);
        }
        return samples;
    }

    /** RPCs until {@code server} answers one; returns when it did (its own nanoTime). */
    private static long awaitFirstRpc(ManagedChannel channel, EchoServer server) {
        long deadline = System.nanoTime() + STEP_DEADLINE.toNanos();
        for (int i = 0; server.firstServedNanos() == 0; i++) {
            if (System.nanoTime() > deadline || i >= GRPC_MAX_RPCS_PER_SAMPLE) {
                throw new IllegalStateException(server + " got no RPC within " + STEP_DEADLINE);
            }
            EchoServer.who(channel, Duration.ofSeconds(5));
            LockSupport.parkNanos(GRPC_RPC_SPACING_NANOS);
        }
        return server.firstServedNanos();
    }

    private static ServiceRegistration grpcRegistration(String id, String service, EchoServer server) {
        return ServiceRegistration.builder().id(id).name(service).address("127.0.0.1").port(server.port())
                .protocol("grpc").check(HealthCheck.ttl(Duration.ofSeconds(30))).build();
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /**
     * The library's p50 and p99 minus the peer's on the same changes, each with its 95 % bootstrap
     * interval ({@link LatencySamples#percentileDifference}): an interval that holds 0 is a gap the
     * run cannot tell from chance.
     */
    private void difference(String backend, String metric, LatencySamples naming, LatencySamples peer) {
        for (int p : new int[] {50, 99}) {
            String name = String.format(metric, "p" + p);
            double[] d = naming.percentileDifference(peer, p, BOOTSTRAP_RESAMPLES, p);
            report(backend, name, d[0], "ms");
            report(backend, name + ", 95 % interval low", d[1], "ms");
            report(backend, name + ", 95 % interval high", d[2], "ms");
        }
    }

    /** {@code metric} with {@code %s} replaced by p50, p99 and, {@code withMax}, max. */
    private void reportLatency(String backend, String metric, LatencySamples samples, boolean withMax) {
        report(backend, String.format(metric, "p50"), samples.percentileMillis(50), "ms");
        report(backend, String.format(metric, "p99"), samples.percentileMillis(99), "ms");
        if (withMax) {
            report(backend, String.format(metric, "max"), samples.maxMillis(), "ms");
        }
    }

    private void report(String backend, String metric, double value, String unit) {
        results.add(backend, metric, value, unit);
    }

    private static Set<String> ids(List<ServiceInstance> list) {
        return list.stream().map(ServiceInstance::id).collect(Collectors.toUnmodifiableSet());
    }

    static ServiceRegistration registration(String id, String service) {
        return ServiceRegistration.builder().id(id).name(service).address("127.0.0.1").port(9000)
                .protocol("ws").tags("bench").check(HealthCheck.ttl(Duration.ofSeconds(30))).build();
    }

}
