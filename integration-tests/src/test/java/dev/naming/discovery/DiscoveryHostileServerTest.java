package dev.naming.discovery;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.naming.NamingException;
import dev.naming.ServiceInstance;
import dev.naming.Subscription;
import dev.naming.discovery.HostileFront.Answer;
import dev.naming.discovery.HostileFront.Framing;
import dev.naming.discovery.emulator.DiscoveryEmulator;
import dev.naming.spi.WatchSink;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A server, a proxy or a man in the middle that sends what no discovery node would (a
 * {@link HostileFront} before an emulator): each such reply fails its one request with an error
 * naming the limit it broke, the subscription keeps its last list, a {@code find} fails naming
 * the limit, and once the front behaves again the poll recovers and delivers the true list.
 *
 * <p><b>Memory.</b> This class runs in a surefire fork of its own with a 128 MiB heap (the
 * {@code hostile-server} execution of this module's pom; the default execution leaves it out). The
 * 200 MB array and the endless bodies are each larger than that heap, so a client that read them
 * into memory, as the one before {@code maxReply} did, runs out of it there: their passing in that
 * fork is the proof that what is buffered stays bounded. In a fork with a larger heap (a
 * {@code -Dtest} run reaches the default execution too) those tests would prove nothing and are
 * skipped.
 */
@Tag("small-heap")
class DiscoveryHostileServerTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final String APP = "chat.logic";
    /** Read only by finds: a subscribed service's find answers from its subscription's list. */
    private static final String FOUND = "chat.gate";
    /** Below a 200 MB body, with room for what the JVM, Jetty and JUnit need: see the class comment. */
    private static final long SMALL_HEAP = 160L << 20;
    private static final long MIB = 1L << 20;

    private DiscoveryEmulator emulator;
    private HostileFront front;

    @BeforeEach
    void start() {
        emulator = DiscoveryEmulator.start().hold(Duration.ofSeconds(1));
        register(APP, "logic-1");
        register(FOUND, "gate-1");
        front = HostileFront.start(emulator);
    }

    @AfterEach
    void stop() {
        front.close();
        emulator.close();
    }

    @Test
    void aReplyDeclaringALengthOverTheLimitFailsOnItsHeadersWithoutItsBodyBeingRead() {
        long declared = 48 * MIB;
        failsNamingTheLimitThenRecovers(Answer.declaring(declared), "", "maxReply", "32MiB", "declares " + declared + " bytes");
        // what reached the socket before the client hung up, not the 48 MiB of each reply
        assertTrue(front.hostileBytes() < front.hostileAnswers() * 16 * MIB,
                front.hostileBytes() + " bytes sent in " + front.hostileAnswers() + " replies");
    }

    @Test
    void aChunkedReplyOverTheLimitFailsOnceItsBytesPassTheLimit() {
        failsNamingTheLimitThenRecovers(Answer.flood(Framing.CHUNKED, 3 * MIB), "maxReply=1MiB", "maxReply", "1MiB", "more than");
    }

    @Test
    void aTwoHundredMegabyteJsonArrayFailsAtTheLimitInASmallHeap() {
        assumeSmallHeap();
        failsNamingTheLimitThenRecovers(Answer.flood(Framing.CHUNKED, 200_000_000), "", "maxReply", "32MiB", "more than");
    }

    @ParameterizedTest
    @EnumSource(value = Framing.class, names = {"CHUNKED", "READ_TO_CLOSE"})
    void anEndlessBodyFailsAtTheLimitInASmallHeap(Framing framing) {
        assumeSmallHeap();
        failsNamingTheLimitThenRecovers(Answer.endless(framing), "", "maxReply", "32MiB", "more than");
    }

    @Test
    void aReplyNestedDeeperThanTheProtocolEverIsFailsAtTheNestingLimit() {
        // 900 arrays deep: under Jackson's own default of 1000, far over anything discovery sends
        Answer deep = Answer.body(HostileFront.PREFIX + "[".repeat(900) + "]".repeat(900)
                + "]},\"latest_timestamp\":1}}}");
        failsNamingTheLimitThenRecovers(deep, "", "nesting depth", "maximum allowed (32,");
    }

    @ParameterizedTest
    @EnumSource(value = Framing.class, names = {"CHUNKED", "READ_TO_CLOSE"})
    void aBodyThatTricklesWithoutEndFailsAtTheDeadline(Framing framing) {
        // one instance every 100 ms: the size limit is never near, only the deadline ends it
        failsNamingTheLimitThenRecovers(Answer.trickle(framing, Duration.ofMillis(100)), "", "no complete reply within 2s");
    }

    @Test
    void aPollWhoseBodyTricklesFailsAtTheHoldPlusTheTimeout() {
        try (DiscoveryNaming reader = DiscoveryTestSupport.connect(front.authority(), "")) {
            DiscoveryTestSupport.Lists lists = new DiscoveryTestSupport.Lists();
            Failures failures = new Failures();
            reader.subscribe(APP, lists);
            reader.watch("chat.failures", failures);
            await().atMost(DEADLINE).until(() -> List.of("logic-1").equals(lists.lastIds()));
            front.misbehave("polls", Answer.trickle(Framing.CHUNKED, Duration.ofMillis(100)));
            long start = System.nanoTime();
            await().atMost(DEADLINE).until(() -> failures.count() >= 1);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            String error = failures.messages().get(0);
            // hold=1s, timeout=2s: the poll is given up 3 s after it was sent, body included
            assertTrue(error.contains(front.node() + ": polls: no complete reply within 3s"), error);
            assertTrue(tookMs < 8_000, "the poll failed after " + tookMs + " ms");
            assertEquals(List.of("logic-1"), lists.lastIds());
            register(APP, "logic-2");
            front.behave();
            await().atMost(DEADLINE).until(() -> List.of("logic-1", "logic-2").equals(lists.lastIds()));
        }
    }

    @Test
    void closeReturnsWithinTwoSecondsWhileAPollIsMidWayThroughAnEndlessBody() {
        // the default hold and timeout: the poll's own deadline is 35 s away
        DiscoveryNaming reader = DiscoveryTestSupport.connect(front.authority(), "hold=30s&timeout=5s");
        try {
            DiscoveryTestSupport.Lists lists = new DiscoveryTestSupport.Lists();
            reader.subscribe(APP, lists);
            await().atMost(DEADLINE).until(() -> List.of("logic-1").equals(lists.lastIds()));
            front.misbehave("polls", Answer.trickle(Framing.CHUNKED, Duration.ofMillis(100)));
            // the poll held when the front turned needs the emulator's hold (1 s) to end
            await().atMost(DEADLINE).until(() -> front.bodiesInFlight() == 1 && front.hostileBytes() > 1_000);
        } finally {
            long start = System.nanoTime();
            reader.close();
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMs < 2_000, "close() took " + tookMs + " ms");
        }
        // and the exchange was aborted, not left reading the trickle
        await().atMost(Duration.ofSeconds(5)).until(() -> front.bodiesInFlight() == 0);
    }

    /**
     * The scenario every hostile reply goes through: the front answers every call with
     * {@code hostile} once the subscription has its first list; {@code named} are the parts each
     * error must show (besides the node's address).
     */
    private void failsNamingTheLimitThenRecovers(Answer hostile, String uriExtra, String... named) {
        try (DiscoveryNaming reader = DiscoveryTestSupport.connect(front.authority(), uriExtra)) {
            DiscoveryTestSupport.Lists lists = new DiscoveryTestSupport.Lists();
            Subscription subscription = reader.subscribe(APP, lists);
            // rides the same poll as the subscription: sees the errors the subscription keeps its list through
            Failures failures = new Failures();
            reader.watch("chat.failures", failures);
            await().atMost(DEADLINE).until(() -> List.of("logic-1").equals(lists.lastIds()));
            int before = front.hostileAnswers();
            // the poll in flight has passed already and ends with its hold; the calls after it do not pass
            front.misbehave(hostile);
            await().atMost(DEADLINE).until(() -> failures.count() >= 2 && front.hostileAnswers() > before);
            for (String error : failures.messages()) {
                assertTrue(error.contains(front.node()), "names the node: " + error);
                for (String part : named) {
                    assertTrue(error.contains(part), "names '" + part + "': " + error);
                }
            }
            assertEquals(List.of("logic-1"), lists.lastIds(), "the subscription keeps its last list");
            assertEquals(1, lists.count(), "nothing else was delivered: " + lists.received);
            assertFalse(subscription.registryReachable());
            assertEquals(List.of("logic-1"), reader.find(APP).stream().map(ServiceInstance::id).toList(),
                    "a subscribed service is found in its kept list");
            NamingException e = assertThrows(NamingException.class, () -> reader.find(FOUND));
            for (String part : named) {
                assertTrue(e.getMessage().contains(part), "find names '" + part + "': " + e.getMessage());
            }

            register(APP, "logic-2");
            front.behave();
            await().atMost(DEADLINE).until(() -> List.of("logic-1", "logic-2").equals(lists.lastIds()));
            assertTrue(subscription.registryReachable());
            assertEquals(List.of("gate-1"), reader.find(FOUND).stream().map(ServiceInstance::id).toList());
        }
        // every hostile exchange was ended by closing its connection, not left reading nor stalled
        await().atMost(Duration.ofSeconds(5)).until(() -> front.bodiesInFlight() == 0);
    }

    private void register(String app, String id) {
        emulator.register(DiscoveryTestSupport.ENV, DiscoveryTestSupport.ZONE, app, id,
                List.of("http://10.0.0.5:8000"), Map.of());
    }

    private static void assumeSmallHeap() {
        long max = Runtime.getRuntime().maxMemory();
        assumeTrue(max <= SMALL_HEAP, "proves bounded memory only in the hostile-server fork's small heap; this "
                + "JVM has " + (max >> 20) + " MiB");
    }

    /** A watch sink that keeps the messages of the failures it is told of. */
    private static final class Failures implements WatchSink {
        private final List<String> messages = new CopyOnWriteArrayList<>();

        @Override
        public void snapshot(List<ServiceInstance> instances) {
            // the app is never registered: its lists say nothing here
        }

        @Override
        public void failure(Throwable error) {
            messages.add(String.valueOf(error.getMessage()));
        }

        int count() {
            return messages.size();
        }

        List<String> messages() {
            return List.copyOf(messages);
        }
    }
}
