package dev.naming.balance;

import dev.naming.ServiceInstance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The balancers' figures: picks per second on one thread and on many, consistent hashing's balance
 * and movement, and what building a view costs. Run on demand (docs/BENCHMARKS.md):
 * {@code mvn -B -ntp -Pbench -DskipTests verify -pl naming-balance -am}.
 *
 * <p>Each policy has a loop of its own, so that each loop's call site sees one balancer class, as an
 * application's does. Every pick feeds a sum that is printed, so that no pick can be optimised away.
 */
public final class BalanceBenchmark {

    private static final int INSTANCES = 100;
    private static final long CHUNK = 1 << 16;
    private static final String[] KEYS = new String[1 << 16];

    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    private static long sink;
    private final StringBuilder table = new StringBuilder("| what | value | unit |\n| --- | ---: | --- |\n");

    private BalanceBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < KEYS.length; i++) {
            KEYS[i] = "user-" + i;
            KEYS[i].hashCode();
        }
        if (args.length == 4 && args[0].equals("picks")) {
            // one measurement in a JVM of its own (see fork)
            double[] rates = measure(Kind.valueOf(args[1]), Boolean.parseBoolean(args[2]), Integer.parseInt(args[3]));
            System.out.println("RESULT " + rates[0] + " " + rates[1] + " " + rates[2] + " " + sink); // the sum keeps every pick alive
            return;
        }
        BalanceBenchmark bench = new BalanceBenchmark();
        String machine = Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch") + ", Java " + System.getProperty("java.version");
        System.out.println("machine: " + machine);
        String loadBefore = loadAverage();
        System.out.println("load average at start: " + loadBefore);
        bench.singleThreaded();
        bench.threads();
        bench.hashing();
        bench.distribution();
        String loadAfter = loadAverage();
        System.out.println("load average at end: " + loadAfter);
        System.out.println();
        System.out.println(bench.table);
        Path out = Path.of(System.getProperty("bench.out", "target/bench"));
        Files.createDirectories(out);
        Files.writeString(out.resolve("balance-results.md"), "machine: " + machine + "\nload average (/proc/loadavg): "
                + loadBefore + " at start, " + loadAfter + " at end\n\n" + bench.table);
    }

    /** The kinds of pick measured, each with its own loop. */
    private enum Kind {
        ROUND_ROBIN("round robin"), RANDOM("random"), LEAST_REQUEST("power of two choices (pick + close)"),
        HASH_STRING("consistent hash, String key"), HASH_LONG("consistent hash, long key");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    private void singleThreaded() throws IOException, InterruptedException {
        for (boolean weighted : new boolean[] {false, true}) {
            for (Kind kind : Kind.values()) {
                double[] rates = fork(kind, weighted, 1);
                String what = "1 thread, " + INSTANCES + " instances" + (weighted ? " weighted 1-10" : "") + ": " + kind.label;
                report(what + " (median second of 5)", rates[0], "picks/s");
                report(what + " (best second of 5)", rates[1], "picks/s");
                report(what + " (per CPU second of the picking thread, median)", rates[2], "picks/s");
            }
        }
    }

    private void threads() throws IOException, InterruptedException {
        for (Kind kind : Kind.values()) {
            for (int threads : new int[] {1, 2, 4, 16}) {
                double[] rates = fork(kind, false, threads);
                String what = threads + (threads == 1 ? " thread" : " threads") + ", " + INSTANCES + " instances: " + kind.label;
                report(what + " (all threads, median second of 5)", rates[0], "picks/s");
                report(what + " (per CPU second of the picking threads, median)", rates[2], "picks/s");
            }
        }
    }

    /**
     * Measures in a JVM of its own, as JMH forks: the JIT compiles each measured loop with its own
     * profile, not one left by the policies measured before it.
     */
    private static double[] fork(Kind kind, boolean weighted, int threads) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
                BalanceBenchmark.class.getName(), "picks", kind.name(), Boolean.toString(weighted), Integer.toString(threads))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0 || !output.contains("RESULT ")) {
            throw new IllegalStateException("the measuring JVM failed:\n" + output);
        }
        String[] parts = output.substring(output.indexOf("RESULT ")).strip().split("\\s+");
        return new double[] {Double.parseDouble(parts[1]), Double.parseDouble(parts[2]), Double.parseDouble(parts[3])};
    }

    /**
     * Median and best of five one-second measurements after two seconds of warm-up, and the median of
     * the same seconds per second of CPU the picking threads got: on a machine shared with other
     * work, that figure does not depend on how much of it the others took, and if it holds from one
     * thread to many, picks scale with the cores they are given.
     */
    private static double[] measure(Kind kind, boolean weighted, int threads) throws InterruptedException {
        Balancer b = balancer(kind, weighted);
        double[][] seconds = threads == 1 ? single(kind, b) : parallel(kind, b, threads);
        double[] wall = seconds[0];
        double[] cpu = seconds[1];
        Arrays.sort(wall);
        Arrays.sort(cpu);
        return new double[] {wall[2], wall[4], cpu[2]};
    }

    private static double[][] single(Kind kind, Balancer b) {
        run(kind, b, 2_000_000_000L);
        double[] wall = new double[5];
        double[] cpu = new double[5];
        for (int i = 0; i < wall.length; i++) {
            long start = System.nanoTime();
            long cpuStart = CPU.getCurrentThreadCpuTime();
            long picks = run(kind, b, 1_000_000_000L);
            wall[i] = picks * 1e9 / (System.nanoTime() - start);
            cpu[i] = picks * 1e9 / (CPU.getCurrentThreadCpuTime() - cpuStart);
        }
        return new double[][] {wall, cpu};
    }

    /** Five one-second figures of all threads together, after two seconds in which every thread got going. */
    private static double[][] parallel(Kind kind, Balancer b, int threads) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        LongAdder picks = new LongAdder();
        CountDownLatch done = new CountDownLatch(threads);
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                while (!stop.get()) {
                    sinkAdd(loop(kind, b, CHUNK));
                    picks.add(CHUNK);
                }
                done.countDown();
            }, "bench-picker-" + t);
            thread.start();
            started.add(thread);
        }
        Thread.sleep(2_000);
        double[] wall = new double[5];
        double[] cpu = new double[5];
        for (int i = 0; i < wall.length; i++) {
            long before = picks.sum();
            long start = System.nanoTime();
            long cpuStart = cpuTime(started);
            Thread.sleep(1_000);
            long count = picks.sum() - before;
            wall[i] = count * 1e9 / (System.nanoTime() - start);
            cpu[i] = count * 1e9 / (cpuTime(started) - cpuStart);
        }
        stop.set(true);
        done.await();
        for (Thread thread : started) {
            thread.join();
        }
        return new double[][] {wall, cpu};
    }

    private static long cpuTime(List<Thread> threads) {
        long sum = 0;
        for (Thread thread : threads) {
            sum += CPU.getThreadCpuTime(thread.getId());
        }
        return sum;
    }

    private static synchronized void sinkAdd(long value) {
        sink += value;
    }

    /** Picks in chunks until {@code nanos} have passed; returns how many. */
    private static long run(Kind kind, Balancer b, long nanos) {
        long deadline = System.nanoTime() + nanos;
        long picks = 0;
        long sum = 0;
        while (System.nanoTime() < deadline) {
            sum += loop(kind, b, CHUNK);
            picks += CHUNK;
        }
        sink += sum;
        return picks;
    }

    private static long loop(Kind kind, Balancer b, long n) {
        return switch (kind) {
            case ROUND_ROBIN, RANDOM -> weightedLoop((WeightedBalancer) b, n);
            case LEAST_REQUEST -> leastRequestLoop((LeastRequestBalancer) b, n);
            case HASH_STRING -> hashStringLoop((HashBalancer) b, n);
            case HASH_LONG -> hashLongLoop((HashBalancer) b, n);
        };
    }

    private static long weightedLoop(WeightedBalancer b, long n) {
        long sum = 0;
        for (long i = 0; i < n; i++) {
            ServiceInstance s = b.pick();
            sum += s.port() + s.id().length();
        }
        return sum;
    }

    private static long leastRequestLoop(LeastRequestBalancer b, long n) {
        long sum = 0;
        for (long i = 0; i < n; i++) {
            Lease lease = b.pick();
            sum += lease.instance().port() + lease.instance().id().length();
            lease.close();
        }
        return sum;
    }

    private static long hashStringLoop(HashBalancer b, long n) {
        long sum = 0;
        for (long i = 0; i < n; i++) {
            ServiceInstance s = b.pick(KEYS[(int) i & (KEYS.length - 1)]);
            sum += s.port() + s.id().length();
        }
        return sum;
    }

    private static long hashLongLoop(HashBalancer b, long n) {
        long sum = 0;
        for (long i = 0; i < n; i++) {
            ServiceInstance s = b.pick(i);
            sum += s.port() + s.id().length();
        }
        return sum;
    }

    private static Balancer balancer(Kind kind, boolean weighted) {
        Balancer b = switch (kind) {
            case ROUND_ROBIN -> Balancer.roundRobin();
            case RANDOM -> Balancer.random();
            case LEAST_REQUEST -> Balancer.leastRequest();
            case HASH_STRING, HASH_LONG -> Balancer.consistentHash();
        };
        b.accept(weighted ? weightedFleet(INSTANCES) : Fleet.of(INSTANCES));
        return b;
    }

    private static List<ServiceInstance> weightedFleet(int n) {
        List<ServiceInstance> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(Fleet.instance(String.format("logic-%03d", i), "weight", Integer.toString(1 + i % 10)));
        }
        return list;
    }

    private void hashing() {
        int keys = 1_000_000;
        for (int n : new int[] {10, 100}) {
            HashBalancer hash = Balancer.consistentHash();
            long start = System.nanoTime();
            hash.accept(Fleet.of(n));
            report("consistent hash: first list of " + n + " instances, view built in", (System.nanoTime() - start) / 1e6, "ms");
            ServiceInstance[] before = route(hash, keys);
            Map<ServiceInstance, Integer> load = new HashMap<>();
            for (ServiceInstance owner : before) {
                load.merge(owner, 1, Integer::sum);
            }
            int busiest = load.values().stream().max(Integer::compare).orElseThrow();
            report("consistent hash, " + n + " instances, 1 M keys: busiest / mean", busiest / (keys / (double) n), "x");
            start = System.nanoTime();
            hash.accept(Fleet.of(n + 1));
            report("consistent hash: one instance joins " + n + ", view built in", (System.nanoTime() - start) / 1e6, "ms");
            ServiceInstance[] after = route(hash, keys);
            int moved = 0;
            for (int k = 0; k < keys; k++) {
                moved += before[k].equals(after[k]) ? 0 : 1;
            }
            report("consistent hash, " + n + " -> " + (n + 1) + " instances: keys moved (ideal 1/" + (n + 1) + " = "
                    + String.format("%.2f", 100.0 / (n + 1)) + " %)", 100.0 * moved / keys, "%");
        }
        HashBalancer large = Balancer.consistentHash();
        long start = System.nanoTime();
        large.accept(Fleet.of(1000));
        report("consistent hash: first list of 1000 instances, view built in", (System.nanoTime() - start) / 1e6, "ms");
    }

    private static ServiceInstance[] route(HashBalancer hash, int keys) {
        ServiceInstance[] owners = new ServiceInstance[keys];
        for (int k = 0; k < keys; k++) {
            owners[k] = hash.pick("user-" + k);
        }
        return owners;
    }

    private void distribution() {
        long[] weights = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        List<ServiceInstance> list = Fleet.weighted(weights);
        for (boolean roundRobin : new boolean[] {true, false}) {
            WeightedBalancer b = roundRobin ? Balancer.roundRobin() : Balancer.random();
            b.accept(list);
            int picks = 1_000_000;
            long[] counts = Fleet.counts(list, picks, b::pick);
            double worst = 0;
            for (int i = 0; i < weights.length; i++) {
                double expected = picks * weights[i] / 55.0;
                worst = Math.max(worst, Math.abs(counts[i] - expected) / expected);
            }
            report((roundRobin ? "round robin" : "random") + ", weights 1-10, 1 M picks: largest error against a weight's share",
                    100 * worst, "%");
        }
    }

    private void report(String what, double value, String unit) {
        String shown = value >= 1000 ? String.format("%,.0f", value) : String.format("%.3f", value);
        System.out.printf("%-100s %18s %s%n", what, shown, unit);
        table.append("| ").append(what).append(" | ").append(shown).append(" | ").append(unit).append(" |\n");
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "(unknown: " + e.getMessage() + ")";
        }
    }
}
