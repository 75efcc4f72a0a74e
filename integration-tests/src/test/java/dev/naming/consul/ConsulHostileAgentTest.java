package dev.naming.consul;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.NamingException;
import dev.naming.ServiceInstance;
import dev.naming.Subscription;
import dev.naming.consul.HostileHttp1Agent.Attack;
import dev.naming.consul.emulator.ConsulEmulator;
import dev.naming.consul.http.ConsulHttp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import dev.naming.consul.HostileHttp2Agent.Flood;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Agents that send what each of the client's limits is there for. A hostile server stands in front
 * of the emulator and passes every request on, except the health reads of the attacked service
 * while an attack is on. For each attack: the watch fails that read with an error naming the limit
 * and the agent, keeps its last list (its subscribers see nothing new, nothing empty), backs off and
 * reads the true list once the server behaves again; the other watches of the same {@code Naming}
 * go on meanwhile; {@code close()} returns within 2 s while the attack goes on.
 *
 * <p>Over HTTP/1.1 the server is {@link HostileHttp1Agent}; over TLS and HTTP/2
 * {@link HostileHttp2Agent} floods the connection the watches share, and each flood's figures (its
 * frames, how long the other watch's changes took, the client's CPU, the connections it ended and
 * how) are printed to the test's output: what Jetty's client does under it is what its test asserts.
 *
 * <p>Tagged {@value #TAG}: the build runs this class in its own JVM with a heap of 128 MB (the
 * integration-tests pom), so that a limit that did not hold would end in an OutOfMemoryError
 * rather than pass unnoticed: the 200 MB array does not fit, nor does an endless body or four
 * reservations of 32 MiB, while one reply at the default limit does (its body grows by doubling:
 * 16 and 32 MiB live at the last step; with 96 MB of heap G1 could not always place the two, each
 * in contiguous regions).
 */
@Tag(ConsulHostileAgentTest.TAG)
class ConsulHostileAgentTest {

    static final String TAG = "small-heap";
    private static final String VICTIM = "victim";
    private static final String BYSTANDER = "bystander";
    private static final Duration CLOSE_WITHIN = Duration.ofSeconds(2);
    private static final int PROTOCOL_ERROR = 0x1;
    private static final int ENHANCE_YOUR_CALM = 0xb;

    @TempDir
    static Path dir;
    private static AgentCertificate certificate;

    private ConsulEmulator emulator;
    private AgentUpstream upstream;
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    private PrintStream originalErr;

    @BeforeAll
    static void certificate() throws Exception {
        certificate = AgentCertificate.create(dir, "changeit-hostile");
    }

    @BeforeEach
    void start() {
        // the catalog shows a registration at once: the first list a watch reads is the one registered before
        emulator = ConsulEmulator.builder().syncDelay(Duration.ZERO).start();
        upstream = new AgentUpstream(emulator.hostPort());
        originalErr = System.err;
        // slf4j-simple writes to whatever System.err is at each call: the watches' warnings are read from here
        System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        System.setErr(originalErr);
        // the captured lines go to the test's report as well
        originalErr.print(logs.toString(StandardCharsets.UTF_8));
        emulator.close();
    }

    /** A subscription and every list its listener got, as instance ids. */
    private record Watched(Subscription subscription, List<List<String>> lists) {
        List<String> last() {
            return lists.isEmpty() ? List.of() : lists.get(lists.size() - 1);
        }
    }

    private static Watched subscribe(ConsulNaming naming, String service) {
        List<List<String>> lists = new CopyOnWriteArrayList<>();
        Subscription s = naming.subscribe(service, list -> lists.add(list.stream().map(ServiceInstance::id).toList()));
        return new Watched(s, lists);
    }

    /** The warning the watch of {@code service} logged when its reads began to fail, or {@code null}. */
    private String failureWarning(String service) {
        return logs.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains("watch of '" + service + "': its reads fail while the registry answers"))
                .findFirst().orElse(null);
    }

    private void assertNoOutOfMemoryError() {
        assertFalse(logs.toString(StandardCharsets.UTF_8).contains("OutOfMemoryError"), "an OutOfMemoryError was logged");
    }

    /**
     * The scenario every HTTP/1.1 attack goes through; {@code expected} is what the watch's failure
     * must say besides the agent.
     */
    private void attackedWatchKeepsItsListAndRecovers(Attack attack, String expected) throws Exception {
        try (HostileHttp1Agent agent = new HostileHttp1Agent(upstream)) {
            upstream.register("victim-1", VICTIM);
            upstream.register("bystander-1", BYSTANDER);
            // a short wait and read margin: blocking reads come back every second, and one that stalls fails in 1.6 s
            ConsulNaming naming = FastConsul.connect("consul://" + agent.hostPort() + "?wait=1s&readMargin=500ms");
            try {
                Watched victim = subscribe(naming, VICTIM);
                Watched bystander = subscribe(naming, BYSTANDER);
                await().atMost(Duration.ofSeconds(10)).until(() -> victim.last().equals(List.of("victim-1"))
                        && bystander.last().equals(List.of("bystander-1")));

                agent.attack(attack, VICTIM);
                String warning = await().atMost(Duration.ofSeconds(20)).until(() -> failureWarning(VICTIM), Objects::nonNull);
                assertTrue(warning.contains(expected), warning);
                assertTrue(warning.contains("agent " + agent.hostPort()), warning);
                assertTrue(warning.contains("keeping the last list (1 instances)"), warning);
                // one watch refused while the agent answers the others: the registry is not down for them
                assertTrue(bystander.subscription().registryReachable());

                // the other watch of the same Naming reads on while the victim's reads are attacked
                upstream.register("bystander-2", BYSTANDER);
                upstream.register("victim-2", VICTIM);
                int attackedBefore = agent.attacked();
                await().atMost(Duration.ofSeconds(10)).until(() -> bystander.last().equals(List.of("bystander-1", "bystander-2")));
                // and the victim's watch backs off and asks again, attacked again
                await().atMost(Duration.ofSeconds(15)).until(() -> agent.attacked() > attackedBefore);
                assertEquals(List.of(List.of("victim-1")), victim.lists(), "the victim's subscribers saw only its last list");

                agent.behave();
                await().atMost(Duration.ofSeconds(15)).until(() -> victim.last().equals(List.of("victim-1", "victim-2")));
                assertEquals(List.of(List.of("victim-1"), List.of("victim-1", "victim-2")), victim.lists());
                assertTrue(victim.subscription().registryReachable());

                // close while an attacked read is under way
                agent.attack(attack, VICTIM);
                await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(1)).until(() -> agent.attacking() > 0);
                Duration took = closeWhileAttacked(naming);
                System.out.printf("%s: %d reads attacked, %d MB sent by the attacks, close() in %d ms%n", attack,
                        agent.attacked(), agent.attackBytes() >> 20, took.toMillis());
            } finally {
                naming.close();
            }
        }
        assertNoOutOfMemoryError();
    }


    /** Closes {@code naming}, which must return within 2 s, and its client's threads end as soon. */
    private static Duration closeWhileAttacked(ConsulNaming naming) {
        long started = System.nanoTime();
        naming.close();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(took.compareTo(CLOSE_WITHIN) < 0, "close() took " + took.toMillis() + " ms");
        // no thread of the client goes on reading what the attack sends
        await().atMost(CLOSE_WITHIN).until(() -> FastConsul.threads(ConsulHttp.THREAD_NAME).isEmpty());
        return took;
    }

    @Test
    void anEndlessChunkedBodyFailsTheReadAtMaxReply() throws Exception {
        attackedWatchKeepsItsListAndRecovers(Attack.ENDLESS_CHUNKED, "sent a reply over maxReply=32MiB");
    }

    @Test
    void a200MbArrayWithItsLengthIsRefusedAtItsHeaders() throws Exception {
        attackedWatchKeepsItsListAndRecovers(Attack.HUGE_ARRAY_WITH_LENGTH,
                "sent a reply over maxReply=32MiB (200000000 bytes declared)");
    }

    @Test
    void a200MbChunkedArrayFailsTheReadAtMaxReply() throws Exception {
        attackedWatchKeepsItsListAndRecovers(Attack.HUGE_ARRAY_CHUNKED, "sent a reply over maxReply=32MiB");
    }

    @Test
    void anEndlessBodyReadToCloseFailsTheReadAtMaxReply() throws Exception {
        attackedWatchKeepsItsListAndRecovers(Attack.ENDLESS_TO_CLOSE, "sent a reply over maxReply=32MiB");
    }

    @Test
    void endlessTrailersFailTheRead() throws Exception {
        // Jetty counts trailers into the response headers' limit, and reports going past it as an early end
        attackedWatchKeepsItsListAndRecovers(Attack.TRAILER_FLOOD, "ended its reply early (the connection closed, a"
                + " broken chunk, or trailers over 65536 bytes)");
    }

    @Test
    void endlessResponseHeadersFailTheRead() throws Exception {
        attackedWatchKeepsItsListAndRecovers(Attack.HUGE_HEADERS, "is over a limit (headers and trailers are read up"
                + " to 65536 bytes): ");
    }

    /**
     * {@code find} reads the same way: a reply over maxReply (here a chunked 200 MB array, its length
     * said nowhere) fails the call with a NamingException naming the limit and the agent, and the
     * next {@code find} of another service is answered.
     */
    @Test
    void aFindOverMaxReplyFailsNamingTheLimit() throws Exception {
        try (HostileHttp1Agent agent = new HostileHttp1Agent(upstream);
             ConsulNaming naming = FastConsul.connect("consul://" + agent.hostPort())) {
            upstream.register("bystander-1", BYSTANDER);
            agent.attack(Attack.HUGE_ARRAY_CHUNKED, VICTIM);

            NamingException e = assertThrows(NamingException.class, () -> naming.find(VICTIM));
            assertTrue(e.getMessage().contains("agent " + agent.hostPort() + " sent a reply over maxReply=32MiB"),
                    e.getMessage());
            assertEquals(List.of("bystander-1"), naming.find(BYSTANDER).stream().map(ServiceInstance::id).toList());
        }
        assertNoOutOfMemoryError();
    }

    /**
     * maxReply given in the URI applies to every read: at 1 KiB a list of five instances fails
     * {@code find} and the watch, naming the limit, while a list of one (a health entry with its node
     * and check is under 1 KiB) is read.
     */
    @Test
    void maxReplyGivenInTheUriFailsANormalSizedList() throws Exception {
        for (int i = 1; i <= 5; i++) {
            upstream.register("five-" + i, "five");
        }
        upstream.register("one-1", "one");
        try (ConsulNaming naming = FastConsul.connect("consul://" + emulator.hostPort() + "?maxReply=1KiB")) {
            NamingException e = assertThrows(NamingException.class, () -> naming.find("five"));
            assertTrue(e.getMessage().contains("agent " + emulator.hostPort() + " sent a reply over maxReply=1KiB"),
                    e.getMessage());
            assertEquals(List.of("one-1"), naming.find("one").stream().map(ServiceInstance::id).toList());

            Watched five = subscribe(naming, "five");
            String warning = await().atMost(Duration.ofSeconds(10)).until(() -> failureWarning("five"), Objects::nonNull);
            assertTrue(warning.contains("sent a reply over maxReply=1KiB"), warning);
            assertTrue(five.lists().isEmpty(), "no list, not an empty one: " + five.lists());
        }
    }

    /**
     * A Content-Length within the limit is a promise, not bytes: four reads told 32 MiB each and
     * then sent nothing reserve no memory for it (with 128 MB of heap, 128 MiB reserved would be an
     * OutOfMemoryError); they fail at their deadline, and the other watch reads on meanwhile.
     */
    @Test
    void aDeclaredLengthReservesNoMemoryBeforeItsBytesArrive() throws Exception {
        try (HostileHttp1Agent agent = new HostileHttp1Agent(upstream)) {
            List<String> victims = List.of("victim-a", "victim-b", "victim-c", "victim-d");
            for (String v : victims) {
                upstream.register(v + "-1", v);
            }
            upstream.register("bystander-1", BYSTANDER);
            ConsulNaming naming = FastConsul.connect("consul://" + agent.hostPort() + "?wait=1s&readMargin=3s");
            try {
                List<Watched> watched = victims.stream().map(v -> subscribe(naming, v)).toList();
                Watched bystander = subscribe(naming, BYSTANDER);
                await().atMost(Duration.ofSeconds(10)).until(() -> bystander.last().size() == 1
                        && watched.stream().allMatch(w -> w.last().size() == 1));

                agent.declare(32 << 20);
                agent.attack(Attack.DECLARED_THEN_SILENT, "victim");
                await().atMost(Duration.ofSeconds(10)).until(() -> agent.attacking() == victims.size());
                upstream.register("bystander-2", BYSTANDER);
                await().atMost(Duration.ofSeconds(5)).until(() -> bystander.last().size() == 2);
                assertEquals(victims.size(), agent.attacking(), "the four reads were still waiting for their bodies");

                for (String v : victims) {
                    // said at a watch's second failure: two deadlines of about 4 s and a backoff, on a
                    // machine that may be loaded
                    String warning = await().atMost(Duration.ofSeconds(20)).until(() -> failureWarning(v), Objects::nonNull);
                    assertTrue(warning.contains("agent " + agent.hostPort() + " did not finish its reply within"), warning);
                }
                watched.forEach(w -> assertEquals(1, w.lists().size(), "kept its list: " + w.lists()));
                agent.behave();
                upstream.register("victim-a-2", "victim-a");
                await().atMost(Duration.ofSeconds(10)).until(() -> watched.get(0).last().size() == 2);

                agent.attack(Attack.DECLARED_THEN_SILENT, "victim");
                await().atMost(Duration.ofSeconds(10)).until(() -> agent.attacking() == victims.size());
                closeWhileAttacked(naming);
            } finally {
                naming.close();
            }
        }
        assertNoOutOfMemoryError();
    }

    /** Heap in use after a full collection: what is retained. */
    private static long retainedHeap() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** CPU time of the client's threads so far, by thread. */
    private static Map<Long, Long> clientCpu() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(ConsulHttp.THREAD_NAME) || t.getName().startsWith(ConsulHttp.SCHEDULER_NAME)) {
                cpu.put(t.getId(), Math.max(0, threads.getThreadCpuTime(t.getId())));
            }
        }
        return cpu;
    }

    /** CPU the client's threads used since {@code before} (threads that ended meanwhile are not counted). */
    private static long clientCpuSince(Map<Long, Long> before) {
        long sum = 0;
        for (Map.Entry<Long, Long> e : clientCpu().entrySet()) {
            sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return sum;
    }

    /**
     * What an HTTP/2 flood did while it went on.
     *
     * @param latencies     for each change to the other watch's service, how long its list took to
     *                      arrive, or -1 when it did not within a second
     * @param cpuPercent    the client threads' CPU, in % of one core
     * @param endedByClient connections the client ended during the flood
     * @param endedMs       from the start of the flood until the client first ended a connection
     * @param goAways       the error codes of the client's GOAWAY frames
     * @param heapGrowthMb  heap retained after the flood's first seconds, over what was before
     */
    private record FloodRun(Flood kind, long frames, long millis, List<Long> latencies, long cpuPercent,
                            int acceptedDuring, long endedByClient, long endedMs, List<Integer> goAways, long heapGrowthMb,
                            long recoveredMs, long closeMs) {
        long delivered() {
            return latencies.stream().filter(l -> l >= 0).count();
        }
    }

    private static final int CHANGES = 8;

    /**
     * The scenario of every HTTP/2 flood, on the connection the victim's and the bystander's watches
     * share: the victim's read starts the flood (and every later one of its reads, on whichever
     * connection, starts it again); meanwhile the bystander's service changes {@value #CHANGES}
     * times, each change given a second to arrive; then the server behaves, and both watches must
     * read their true lists; then the flood starts again and {@code close()} must return within 2 s.
     * Checked here whatever the flood: the victim's failure names the agent, no list a subscriber
     * got is empty, nothing is retained beyond 16 MB, no OutOfMemoryError.
     */
    private FloodRun flood(Flood kind) throws Exception {
        FloodRun run;
        try (HostileHttp2Agent agent = new HostileHttp2Agent(upstream, certificate.serverContext())) {
            upstream.register("victim-1", VICTIM);
            upstream.register("bystander-1", BYSTANDER);
            ConsulNaming naming = FastConsul.connect("consul://" + agent.hostPort()
                    + "?wait=1s&readMargin=500ms&timeout=1s&" + certificate.trustParameters());
            try {
                Watched victim = subscribe(naming, VICTIM);
                Watched bystander = subscribe(naming, BYSTANDER);
                await().atMost(Duration.ofSeconds(10)).until(() -> victim.last().equals(List.of("victim-1"))
                        && bystander.last().equals(List.of("bystander-1")));
                int acceptedBefore = agent.accepted();
                long heapBefore = retainedHeap();

                agent.flood(kind, VICTIM);
                await().atMost(Duration.ofSeconds(10)).until(() -> agent.flooded() > 0);
                Map<Long, Long> cpuBefore = clientCpu();
                long endedBefore = agent.endedByClient();
                long started = System.nanoTime();
                List<Long> latencies = new ArrayList<>();
                for (int i = 2; i < 2 + CHANGES; i++) {
                    String id = "bystander-" + i;
                    long asked = System.nanoTime();
                    upstream.register(id, BYSTANDER);
                    try {
                        await().atMost(Duration.ofSeconds(1)).until(() -> bystander.last().contains(id));
                        latencies.add((System.nanoTime() - asked) / 1_000_000);
                    } catch (ConditionTimeoutException starved) {
                        latencies.add(-1L);
                    }
                }
                long millis = (System.nanoTime() - started) / 1_000_000;
                long cpu = clientCpuSince(cpuBefore);
                long heapGrowth = retainedHeap() - heapBefore;
                long frames = agent.floodFrames();
                // every flood ends its connection: those the client counts at once, one it cannot see
                // (CONTINUATION) when the PING it sends the silent connection goes unanswered
                await().atMost(ConsulHttp.PING_AFTER.multipliedBy(2).plusSeconds(5))
                        .until(() -> agent.endedByClient() > endedBefore);
                long endedMs = agent.clientEndedAfterFloodMillis();
                long ended = agent.endedByClient() - endedBefore;
                int acceptedDuring = agent.accepted() - acceptedBefore;
                // the watch's own line when the agent answered other calls meanwhile; the Naming's single
                // "registry unreachable" line when the flood failed every call on the connection
                String warning = failureWarning(VICTIM);
                String said = warning != null ? warning : logs.toString(StandardCharsets.UTF_8).lines()
                        .filter(l -> l.contains("registry unreachable")).findFirst().orElse(null);
                assertTrue(said != null && (warning == null || warning.contains("agent " + agent.hostPort())),
                        String.valueOf(said));

                upstream.register("victim-2", VICTIM);
                agent.behave();
                long behaved = System.nanoTime();
                await().atMost(Duration.ofSeconds(20)).until(() -> victim.last().equals(List.of("victim-1", "victim-2"))
                        && bystander.last().size() == 1 + CHANGES);
                long recovered = (System.nanoTime() - behaved) / 1_000_000;
                assertFalse(victim.lists().stream().anyMatch(List::isEmpty), "an empty list: " + victim.lists());
                assertFalse(bystander.lists().stream().anyMatch(List::isEmpty), "an empty list: " + bystander.lists());

                int flooded = agent.flooded();
                agent.flood(kind, VICTIM);
                await().atMost(Duration.ofSeconds(10)).until(() -> agent.flooded() > flooded);
                Duration close = closeWhileAttacked(naming);
                run = new FloodRun(kind, frames, millis, latencies, cpu * 100 / (millis * 1_000_000), acceptedDuring,
                        ended, endedMs, agent.goAwayCodes(), heapGrowth >> 20, recovered, close.toMillis());
            } finally {
                naming.close();
            }
        }
        System.out.println(run);
        assertTrue(run.heapGrowthMb() < 16, "retained " + run.heapGrowthMb() + " MB more during the flood");
        assertNoOutOfMemoryError();
        return run;
    }

    /**
     * Jetty's client answers every PING with a frame it queues until it can be written, and counts
     * none: at 40,000 PINGs a second the queue grew by hundreds of thousands of frames and the 128 MB
     * JVM ended in an OutOfMemoryError. Past {@value ConsulHttp#MAX_CONTROL_FRAMES} a second the
     * connection ends (GOAWAY ENHANCE_YOUR_CALM), the watches on it fail and read on a new one.
     */
    @Test
    void aPingFloodEndsItsConnection() throws Exception {
        FloodRun run = flood(Flood.PING);
        assertTrue(run.goAways().contains(ENHANCE_YOUR_CALM), run.toString());
        assertTrue(run.endedByClient() > 0, run.toString());
    }

    /** The same with an agent that does not read meanwhile: the answers the client queues cannot even go out. */
    @Test
    void aPingFloodOfAnAgentThatDoesNotReadEndsItsConnection() throws Exception {
        FloodRun run = flood(Flood.PING_UNREAD);
        assertTrue(run.endedByClient() > 0, run.toString());
    }

    /**
     * Jetty's client counts the keys of SETTINGS frames over the connection's life, not per frame
     * (SettingsBodyParser never resets its count): with {@code maxSettingsKeys} at 16 the ninth
     * frame of two keys ends the connection (GOAWAY ENHANCE_YOUR_CALM), before the rate does.
     */
    @Test
    void aSettingsFloodEndsItsConnection() throws Exception {
        FloodRun run = flood(Flood.SETTINGS);
        assertTrue(run.goAways().contains(ENHANCE_YOUR_CALM), run.toString());
    }

    /**
     * RST_STREAM on the victim's streams and, without pause, on the streams they closed: Jetty's
     * client ignores the latter, one by one, on its selector's thread, which the flood keeps busy
     * (close() must not wait for that thread). Past {@value ConsulHttp#MAX_CONTROL_FRAMES} a second
     * the connection ends.
     */
    @Test
    void anRstStreamFloodEndsItsConnection() throws Exception {
        FloodRun run = flood(Flood.RESET);
        assertTrue(run.goAways().contains(ENHANCE_YOUR_CALM), run.toString());
    }

    /**
     * After HEADERS without END_HEADERS nothing but CONTINUATION frames may come on the connection,
     * and empty ones add nothing to the header block that its limit could count. Jetty's client
     * parses them as fast as they come (its parser has no rate control, and no listener hears of
     * them), so the connection carries nothing else and the other watch on it gets nothing. Seen
     * from the client the connection is silent: it is PINGed after {@link ConsulHttp#PING_AFTER},
     * cannot parse the answer, and ends the connection as long after; the watches read on a new one.
     */
    @Test
    void aContinuationFloodEndsItsConnectionWhenItsPingGoesUnanswered() throws Exception {
        FloodRun run = flood(Flood.CONTINUATION);
        assertEquals(0, run.delivered(), run.toString());
        assertTrue(run.endedByClient() > 0, run.toString());
        // silent for PING_AFTER, then PING_AFTER for the answer; the sweep looks once a second
        long ping = ConsulHttp.PING_AFTER.toMillis();
        assertTrue(run.endedMs() >= ping && run.endedMs() <= 2 * ping + 2_000, run.toString());
    }

    /**
     * Huge response headers over HTTP/2: CONTINUATION frames of header fields. Jetty's client stops
     * at the header limit (64 KiB of header block) and ends the connection (GOAWAY PROTOCOL_ERROR).
     */
    @Test
    void headerFieldsPastTheLimitEndTheConnection() throws Exception {
        FloodRun run = flood(Flood.HEADER_FIELDS);
        assertTrue(run.goAways().contains(PROTOCOL_ERROR), run.toString());
    }
}
