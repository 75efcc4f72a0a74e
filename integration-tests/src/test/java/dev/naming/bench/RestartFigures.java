package dev.naming.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.naming.Naming;
import dev.naming.ServiceRegistration;
import dev.naming.Subscription;
import dev.naming.consul.ConsulAgentFixture;
import dev.naming.discovery.emulator.DiscoveryEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The figures of docs/BENCHMARKS.md's "Through a registry's restart": how soon after a restarted
 * registry answers (1) a process that only registers has its instance back, and (2) the last of
 * 300 watches of a {@code Naming} reads again after a 20 s outage. {@code Naming}s with the
 * backends' defaults (Consul: TTL passes every 5 s, retryMax 10 s; discovery: renewals every 30 s,
 * retryMax 30 s), so that the figures are what an application gets. Run on demand, as the
 * benchmarks are: {@code NAMING_FIGURES=1}, and for Consul a real agent as the agent suites take it
 * ({@code NAMING_TEST_CONSUL}, {@code NAMING_TEST_CONSUL_PID}, {@code NAMING_TEST_CONSUL_RESTART}).
 * (3) the first list a process started while its registry is down gets from its {@code snapshot=}
 * directory. Each figure is printed; the targets (1 s, 1.5 s, 100 ms) are asserted.
 */
@EnabledIfEnvironmentVariable(named = "NAMING_FIGURES", matches = "1")
class RestartFigures {

    private static final int ROUNDS = 5;
    private static final int OUTAGE_ROUNDS = 3;
    private static final int WATCHES = 300;
    private static final Duration OUTAGE = Duration.ofSeconds(20);
    private static final Duration REGISTER_ONLY_TARGET = Duration.ofSeconds(1);
    private static final Duration LAST_WATCH_TARGET = Duration.ofMillis(1500);
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String ENV = "figures";
    private static final String ZONE = "sh001";

    private final String prefix = "fig-" + UUID.randomUUID().toString().substring(0, 6);

    // ---- Consul: a real agent killed and started again -----------------------------------------

    @Test
    void consulAProcessThatOnlyRegisters() throws Exception {
        ConsulAgentFixture agent = agent();
        String uri = System.getenv(ConsulAgentFixture.ENV);
        List<Long> millis = new ArrayList<>();
        try (Naming owner = Naming.connect(uri); Naming observer = Naming.connect(uri)) {
            ServiceRegistration me = registration("gate-1", prefix + "-gate");
            owner.register(me);
            for (int round = 0; round < ROUNDS; round++) {
                awaitTrue("registered", () -> observer.find(me.name()).size() == 1);
                Answering answering = Answering.consul(uri);
                agent.restartWithStateLoss();
                Instant answered = answering.firstAnswer();
                awaitTrue("registered again", () -> visible(observer, me.name()));
                millis.add(Duration.between(answered, Instant.now()).toMillis());
            }
            owner.deregister(me.id());
        }
        report("consul agent", "register-only process: instance back after a restart", millis,
                REGISTER_ONLY_TARGET);
    }

    @Test
    void consulTheLastOf300WatchesAfterA20sOutageWithARegistration() throws Exception {
        lastWatchBack("consul agent", true);
    }

    @Test
    void consulTheLastOf300WatchesAfterA20sOutageWatchingOnly() throws Exception {
        lastWatchBack("consul agent", false);
    }

    private void lastWatchBack(String backend, boolean registers) throws Exception {
        ConsulAgentFixture agent = agent();
        String uri = System.getenv(ConsulAgentFixture.ENV);
        List<Long> millis = new ArrayList<>();
        for (int round = 0; round < OUTAGE_ROUNDS; round++) {
            millis.add(lastWatchBackOnce(agent, uri, registers));
        }
        report(backend, "last of " + WATCHES + " watches reading again after a " + OUTAGE.toSeconds()
                + " s outage" + (registers ? ", the Naming registering" : ", the Naming only watching"),
                millis, LAST_WATCH_TARGET);
    }

    private long lastWatchBackOnce(ConsulAgentFixture agent, String uri, boolean registers) throws Exception {
        try (Naming naming = Naming.connect(uri)) {
            if (registers) {
                naming.register(registration("gate-1", prefix + "-gate"));
            }
            List<Subscription> watches = watchMany(naming);
            Answering answering = Answering.consul(uri);
            Instant down = Instant.now();
            agent.setReachable(false); // stopped,
            agent.loseState();         // then killed: every held query fails, every watch backs off
            pause(OUTAGE);
            agent.setReachable(true);  // started again on its port, without its data
            Instant answered = answering.firstAnswer();
            return lastBack(watches, down, answered);
        }
    }

    // ---- discovery: the emulator, a node restarted or cut off ---------------------------------------

    /**
     * A node restarted in an instant, its network never down. The JDK HTTP client resends a GET
     * whose pooled connection closed before any byte of the reply, without reporting it: the resent
     * poll reaches the restarted node, which does not know the app. The poll also names
     * {@code infra.discovery}, which the restarted node registered anew, so it is answered at once
     * and the process registers again.
     */
    @Test
    void discoveryAProcessThatOnlyRegistersThroughAnInstantRestart() throws Exception {
        try (DiscoveryEmulator node = DiscoveryEmulator.start(ENV)) {
            // the emulated process forgets everything and answers at once
            List<Long> millis = discoveryRegisterOnly(node, ROUNDS, node::restart);
            report("discovery emulator", "register-only process: instance back after an instant restart",
                    millis, REGISTER_ONLY_TARGET);
        }
    }

    /**
     * A node that goes away for 2 s and comes back restarted: its network cut (the held poll's
     * connection drops and the JDK client's resend of it is refused, so the failure shows), then the
     * process restarted, listening again.
     */
    @Test
    void discoveryAProcessThatOnlyRegistersThroughARestartWithDowntime() throws Exception {
        try (DiscoveryEmulator node = DiscoveryEmulator.start(ENV)) {
            List<Long> millis = discoveryRegisterOnly(node, ROUNDS, () -> {
                node.down();
                pause(Duration.ofSeconds(2));
                node.restart(); // forgets everything, then listens again
            });
            report("discovery emulator", "register-only process: instance back after a restart with 2 s downtime",
                    millis, REGISTER_ONLY_TARGET);
        }
    }

    /** Milliseconds from each {@code restart} (returning once the node answers) to the own instance visible again. */
    private List<Long> discoveryRegisterOnly(DiscoveryEmulator node, int rounds, Restart restart) throws Exception {
        String uri = discoveryUri(node);
        List<Long> millis = new ArrayList<>();
        try (Naming owner = Naming.connect(uri); Naming observer = Naming.connect(uri)) {
            ServiceRegistration me = registration("gate-1", prefix + "-gate");
            owner.register(me);
            for (int round = 0; round < rounds; round++) {
                awaitTrue("registered", () -> visible(observer, me.name()));
                restart.run();
                Instant answered = Instant.now();
                awaitTrue("registered again", () -> visible(observer, me.name()));
                millis.add(Duration.between(answered, Instant.now()).toMillis());
            }
        }
        return millis;
    }

    /** A restart of the registry, returning once it answers. */
    @FunctionalInterface
    private interface Restart {
        void run() throws Exception;
    }

    @Test
    void discoveryTheLastOf300WatchesAfterA20sOutage() throws Exception {
        try (DiscoveryEmulator node = DiscoveryEmulator.start(ENV); Naming naming = Naming.connect(discoveryUri(node))) {
            naming.register(registration("gate-1", prefix + "-gate"));
            List<Subscription> watches = watchMany(naming);
            Instant down = Instant.now();
            node.down();
            pause(OUTAGE);
            node.up();
            Instant answered = Instant.now();
            long last = lastBack(watches, down, answered);
            report("discovery emulator", "last of " + WATCHES + " watches reading again after a "
                    + OUTAGE.toSeconds() + " s outage", List.of(last), LAST_WATCH_TARGET);
        }
    }

    // ---- snapshot=: the first list of a process started while the registry is down -------------------

    private static final Duration SNAPSHOT_TARGET = Duration.ofMillis(100);

    /** The snapshot= directory of a test, removed after it. */
    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;
    private static final int SNAPSHOT_INSTANCES = 10;

    /** The Consul agent killed (connections refused) when the process starts: the first read fails at once. */
    @Test
    void consulFirstListFromTheSnapshotWithTheAgentDown() throws Exception {
        consulFirstListFromTheSnapshot(true);
    }

    /**
     * The Consul agent stopped (SIGSTOP: connections accepted, nothing answered): the stored list is
     * delivered when the first read has not answered within its bound (250 ms), above the 100 ms
     * target by design; printed against the bound.
     */
    @Test
    void consulFirstListFromTheSnapshotWithTheAgentFrozen() throws Exception {
        consulFirstListFromTheSnapshot(false);
    }

    private void consulFirstListFromTheSnapshot(boolean killed) throws Exception {
        ConsulAgentFixture agent = agent();
        String uri = System.getenv(ConsulAgentFixture.ENV);
        String withSnapshot = uri + (uri.contains("?") ? "&" : "?") + "snapshot=" + dir;
        String service = prefix + "-logic";
        try (Naming owner = Naming.connect(uri)) {
            storeAList(owner, withSnapshot, service);
            agent.setReachable(false);
            if (killed) {
                agent.loseState();
            }
            try {
                List<Long> millis = firstListsFromTheSnapshot(withSnapshot, service);
                report("consul agent", "first list from the snapshot, agent " + (killed ? "down (refusing)"
                        : "frozen (bound 250 ms)"), millis, killed ? SNAPSHOT_TARGET : Duration.ofMillis(350));
            } finally {
                agent.setReachable(true);
            }
        }
    }

    @Test
    void discoveryFirstListFromTheSnapshotWithTheNodeDown() throws Exception {
        try (DiscoveryEmulator node = DiscoveryEmulator.start(ENV); Naming owner = Naming.connect(discoveryUri(node))) {
            String withSnapshot = discoveryUri(node) + "&snapshot=" + dir;
            String service = prefix + "-logic";
            storeAList(owner, withSnapshot, service);
            node.down();
            report("discovery emulator", "first list from the snapshot, node down (refusing)",
                    firstListsFromTheSnapshot(withSnapshot, service), SNAPSHOT_TARGET);
        }
    }

    @Test
    void inMemoryFirstListFromTheSnapshotWithTheRegistryDown() throws Exception {
        String name = prefix + "-registry";
        dev.naming.inmemory.InMemoryRegistry registry = dev.naming.inmemory.InMemoryRegistry.named(name);
        try (Naming owner = Naming.connect("inmemory://" + name)) {
            String withSnapshot = "inmemory://" + name + "?snapshot=" + dir;
            String service = prefix + "-logic";
            storeAList(owner, withSnapshot, service);
            registry.setReachable(false);
            try {
                report("in-memory", "first list from the snapshot, registry down",
                        firstListsFromTheSnapshot(withSnapshot, service), SNAPSHOT_TARGET);
            } finally {
                registry.setReachable(true);
            }
        }
    }

    /** {@code owner} registers the service's instances; a first process watching them stores their list and ends. */
    private static void storeAList(Naming owner, String withSnapshot, String service) {
        for (int i = 0; i < SNAPSHOT_INSTANCES; i++) {
            owner.register(ServiceRegistration.builder().id(service + "-" + i).name(service).address("127.0.0.1")
                    .port(9000 + i).build());
        }
        try (Naming earlier = Naming.connect(withSnapshot)) {
            List<Integer> sizes = new java.util.concurrent.CopyOnWriteArrayList<>();
            earlier.subscribe(service, list -> sizes.add(list.size()));
            awaitTrue("the whole list", () -> sizes.contains(SNAPSHOT_INSTANCES));
        } // written at close
    }

    /** Milliseconds from {@code subscribe} to the stored list at the listener, for processes started one after another. */
    private static List<Long> firstListsFromTheSnapshot(String withSnapshot, String service) {
        List<Long> millis = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            try (Naming gateway = Naming.connect(withSnapshot)) {
                java.util.concurrent.atomic.AtomicLong at = new java.util.concurrent.atomic.AtomicLong();
                long start = System.nanoTime();
                gateway.subscribe(service, list -> {
                    if (list.size() == SNAPSHOT_INSTANCES) {
                        at.compareAndSet(0, System.nanoTime());
                    }
                });
                awaitTrue("the stored list", () -> at.get() != 0);
                millis.add(TimeUnit.NANOSECONDS.toMillis(at.get() - start));
            }
        }
        return millis;
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static ConsulAgentFixture agent() {
        assumeTrue(System.getenv(ConsulAgentFixture.ENV) != null, ConsulAgentFixture.ENV + " names no agent");
        ConsulAgentFixture agent = ConsulAgentFixture.fromEnvironment();
        assumeTrue(agent.supportsRestart(), "the agent's process cannot be restarted (PID, restart command)");
        return agent;
    }

    /** The backend's defaults but the names a test needs; one hostname per Naming is the default. */
    private static String discoveryUri(DiscoveryEmulator node) {
        return "discovery://" + node.address() + "?env=" + ENV + "&zone=" + ZONE;
    }

    private static ServiceRegistration registration(String id, String name) {
        return ServiceRegistration.builder().id(id).name(name).address("127.0.0.1").port(8000).build();
    }

    private static boolean visible(Naming observer, String name) {
        try {
            return observer.find(name).size() == 1;
        } catch (RuntimeException registryNotYetServing) {
            return false;
        }
    }

    private List<Subscription> watchMany(Naming naming) {
        List<Subscription> watches = new ArrayList<>();
        for (int i = 0; i < WATCHES; i++) {
            watches.add(naming.subscribe(prefix + "-w" + i, list -> { }));
        }
        awaitTrue("every first list", () -> watches.stream().allMatch(w -> w.lastConfirmed().isPresent()));
        return watches;
    }

    /**
     * Milliseconds from {@code answered} to the last watch confirming its list again. A watch is back
     * at its first confirmation after the outage began (none can come during it); later ones (a
     * blocking query ending a wait later) do not count, so each watch's is kept the first time it
     * shows, polling every 5 ms. A watch may read before {@code answered} (this test's own request
     * came second): a figure below zero is that.
     */
    private static long lastBack(List<Subscription> watches, Instant down, Instant answered) {
        Instant[] back = new Instant[watches.size()];
        awaitTrue("every watch to read again", () -> {
            boolean all = true;
            for (int i = 0; i < back.length; i++) {
                if (back[i] == null) {
                    Instant at = watches.get(i).lastConfirmed().orElseThrow();
                    if (at.isAfter(down)) {
                        back[i] = at;
                    }
                }
                all &= back[i] != null;
            }
            return all;
        });
        Instant last = java.util.Arrays.stream(back).max(Instant::compareTo).orElseThrow();
        return Duration.between(answered, last).toMillis();
    }

    private static void report(String backend, String what, List<Long> millis, Duration target) {
        List<Long> sorted = millis.stream().sorted().toList();
        System.out.printf("FIGURE %s | %s | min %d ms, median %d ms, max %d ms (%d rounds) | target %d ms%n", backend,
                what, sorted.get(0), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), sorted.size(),
                target.toMillis());
        assertTrue(sorted.get(sorted.size() - 1) <= target.toMillis(), what + ": " + sorted + " ms");
    }

    /** The outage itself: nothing to wait for, time to pass. */
    private static void pause(Duration d) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(d.toNanos());
    }

    private static void awaitTrue(String what, BooleanSupplier condition) {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("no " + what + " within " + DEADLINE.toSeconds() + " s");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /**
     * When a registry that is about to go away answers again: a thread asks it every 5 ms and keeps
     * the first answer after a failure (Consul: a leader in {@code /v1/status/leader}, which reads
     * and writes need).
     */
    private static final class Answering {
        private final Thread thread;
        private volatile Instant first;

        private Answering(Supplier<Boolean> answers) {
            this.thread = new Thread(() -> {
                boolean failed = false;
                while (first == null) {
                    boolean ok = answers.get();
                    if (!ok) {
                        failed = true;
                    } else if (failed) {
                        first = Instant.now();
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                }
            }, "figures-answering");
            this.thread.setDaemon(true);
            this.thread.start();
        }

        static Answering consul(String uri) {
            URI leader = URI.create("http://" + URI.create(uri).getAuthority() + "/v1/status/leader");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
            return new Answering(() -> {
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(leader).timeout(Duration.ofMillis(500))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    return r.statusCode() == 200 && r.body().contains(":");
                } catch (Exception notAnswering) {
                    return false;
                }
            });
        }

        Instant firstAnswer() throws InterruptedException {
            thread.join(DEADLINE.toMillis());
            if (first == null) {
                throw new AssertionError("the registry did not answer again within " + DEADLINE.toSeconds() + " s");
            }
            return first;
        }
    }
}
