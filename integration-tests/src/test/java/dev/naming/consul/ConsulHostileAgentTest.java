package dev.naming.consul;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Agents that send what each of the client's limits is there for. A hostile server stands in front
 * of the emulator and passes every request on, except the health reads of the attacked service
 * while an attack is on. For each attack: the watch fails that read with an error naming the limit
 * and the agent, keeps its last list (its subscribers see nothing new, nothing empty), backs off and
 * reads the true list once the server behaves again; the other watches of the same {@code Naming}
 * go on meanwhile; {@code close()} returns within 2 s while the attack goes on.
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

    private ConsulEmulator emulator;
    private AgentUpstream upstream;
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    private PrintStream originalErr;

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
                .filter(l -> l.contains("watch of '" + service + "': registry unreachable"))
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
                assertFalse(victim.subscription().registryReachable());

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
        attackedWatchKeepsItsListAndRecovers(Attack.ENDLESS_CHUNKED, "sent a reply over maxReply=33554432 bytes");
    }

    @Test
    void a200MbArrayWithItsLengthIsRefusedAtItsHeaders() throws Exception {
        attackedWatchKeepsItsListAndRecovers(Attack.HUGE_ARRAY_WITH_LENGTH,
                "sent a reply over maxReply=33554432 bytes (200000000 bytes declared)");
    }

    @Test
    void a200MbChunkedArrayFailsTheReadAtMaxReply() throws Exception {
        attackedWatchKeepsItsListAndRecovers(Attack.HUGE_ARRAY_CHUNKED, "sent a reply over maxReply=33554432 bytes");
    }

    @Test
    void anEndlessBodyReadToCloseFailsTheReadAtMaxReply() throws Exception {
        attackedWatchKeepsItsListAndRecovers(Attack.ENDLESS_TO_CLOSE, "sent a reply over maxReply=33554432 bytes");
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
                    String warning = await().atMost(Duration.ofSeconds(10)).until(() -> failureWarning(v), Objects::nonNull);
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
}
