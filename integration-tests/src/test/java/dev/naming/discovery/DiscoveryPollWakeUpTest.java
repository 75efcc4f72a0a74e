package dev.naming.discovery;

import static dev.naming.discovery.DiscoveryTestSupport.ENV;
import static dev.naming.discovery.DiscoveryTestSupport.ZONE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.Naming;
import dev.naming.discovery.emulator.DiscoveryEmulator;
import dev.naming.discovery.emulator.RecordedRequest;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Wake-ups of held polls reach the subscriber they are for. The node holds polls for 20 s and
 * every wait here is a few seconds, so nothing can pass by a hold ending.
 */
class DiscoveryPollWakeUpTest {

    private static final Duration HOLD = Duration.ofSeconds(20);
    private static final Duration DEADLINE = Duration.ofSeconds(5);
    /** Well below the hold: a wake-up that went astray shows as a timeout. */
    private static final Duration WAKE = Duration.ofSeconds(3);

    private DiscoveryEmulator server;

    @BeforeEach
    void start() {
        server = DiscoveryEmulator.start().hold(HOLD);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Naming connect() {
        return DiscoveryTestSupport.connect(server.address(), "hold=" + HOLD.toSeconds() + "s");
    }

    private void registerDirectly(String appid, String hostname, int port) {
        server.register(ENV, ZONE, appid, hostname, List.of("http://10.0.0.5:" + port), Map.of());
    }

    /**
     * The last {@code polls} request naming exactly these apps (and {@code infra.discovery}, which
     * every poll names last), once the node holds it.
     */
    private RecordedRequest awaitHeldPollOf(List<String> watched, int held) {
        List<String> appids = new java.util.ArrayList<>(watched);
        appids.add("infra.discovery");
        await().atMost(DEADLINE).until(() -> server.heldPolls() == held && server.requests("polls").stream()
                .anyMatch(r -> r.all("appid").equals(appids)));
        List<RecordedRequest> polls = server.requests("polls").stream().filter(r -> r.all("appid").equals(appids))
                .toList();
        return polls.get(polls.size() - 1);
    }

    @Test
    void theFirstInstanceOfAnAppThatHadNoneReachesAHeldSubscriber() {
        try (Naming reader = connect()) {
            DiscoveryTestSupport.Lists lists = new DiscoveryTestSupport.Lists();
            reader.subscribe("chat.logic", lists);
            await().atMost(DEADLINE).until(() -> List.of().equals(lists.lastIds()));
            awaitHeldPollOf(List.of("chat.logic"), 1);
            // the reply names the app in data (with the instance) and in the -404 list computed
            // when the poll arrived: data is the truth
            registerDirectly("chat.logic", "logic-1", 8000);
            await().during(Duration.ofMillis(500)).atMost(WAKE)
                    .until(() -> List.of("logic-1").equals(lists.lastIds()));
        }
    }

    @Test
    void twoNamingsOnOneHostEachGetTheirOwnWakeUps() {
        registerDirectly("chat.logic", "logic-1", 8000);
        registerDirectly("chat.gate", "gate-1", 9000);
        // both use the URI's hostname=test-host, as two processes on one machine would
        try (Naming first = connect(); Naming second = connect()) {
            DiscoveryTestSupport.Lists firstLogic = new DiscoveryTestSupport.Lists();
            first.subscribe("chat.logic", firstLogic);
            await().atMost(DEADLINE).until(() -> List.of("logic-1").equals(firstLogic.lastIds()));
            RecordedRequest firstPoll = awaitHeldPollOf(List.of("chat.logic"), 1);

            DiscoveryTestSupport.Lists secondLogic = new DiscoveryTestSupport.Lists();
            DiscoveryTestSupport.Lists secondGate = new DiscoveryTestSupport.Lists();
            second.subscribe("chat.logic", secondLogic);
            second.subscribe("chat.gate", secondGate);
            await().atMost(DEADLINE).until(() -> List.of("gate-1").equals(secondGate.lastIds()));
            RecordedRequest secondPoll = awaitHeldPollOf(List.of("chat.logic", "chat.gate"), 2);

            registerDirectly("chat.gate", "gate-2", 9001);
            await().atMost(WAKE).until(() -> List.of("gate-1", "gate-2").equals(secondGate.lastIds()));
            assertEquals(List.of("logic-1"), firstLogic.lastIds());
            assertNotEquals(firstPoll.first("hostname"), secondPoll.first("hostname"),
                    "each Naming's polls are filed under a key of its own");
            assertTrue(secondPoll.first("hostname").startsWith("test-host"), secondPoll.first("hostname"));
        }
    }

    @Test
    void aPollAbortedForANewlyWatchedAppDoesNotTakeTheNextPollsWakeUp() {
        registerDirectly("chat.logic", "logic-1", 8000);
        registerDirectly("chat.gate", "gate-1", 9000);
        try (Naming reader = connect()) {
            DiscoveryTestSupport.Lists logic = new DiscoveryTestSupport.Lists();
            reader.subscribe("chat.logic", logic);
            awaitHeldPollOf(List.of("chat.logic"), 1);
            DiscoveryTestSupport.Lists gate = new DiscoveryTestSupport.Lists();
            reader.subscribe("chat.gate", gate);
            awaitHeldPollOf(List.of("chat.logic", "chat.gate"), 1);
            // the server does not notice the aborted poll: it waits out its hold, still filed
            assertEquals(2, server.waitingPollHandlers());

            // an app only the new poll names: one message, for whichever request waits on its channel
            registerDirectly("chat.gate", "gate-2", 9001);
            await().atMost(WAKE).until(() -> List.of("gate-1", "gate-2").equals(gate.lastIds()));
        }
    }

    @Test
    void aReplyForAnAppItDidNotAskForIsIgnoredAndTheNextPollFollowsAtOnce() {
        registerDirectly("chat.logic", "logic-1", 8000);
        try (Naming reader = connect()) {
            DiscoveryTestSupport.Lists logic = new DiscoveryTestSupport.Lists();
            reader.subscribe("chat.logic", logic);
            await().atMost(DEADLINE).until(() -> List.of("logic-1").equals(logic.lastIds()));
            RecordedRequest held = awaitHeldPollOf(List.of("chat.logic"), 1);
            // another poller that happens to use the same key: its request shares the reader's
            // channel (both name chat.logic) and adds an app the reader does not watch
            String logicStamp = held.all("latest_timestamp").get(0);
            CompletableFuture<HttpResponse<String>> intruder = HttpClient.newHttpClient().sendAsync(
                    HttpRequest.newBuilder(URI.create("http://" + server.address() + "/discovery/polls?env=" + ENV
                            + "&hostname=" + URLEncoder.encode(held.first("hostname"), StandardCharsets.UTF_8)
                            + "&appid=chat.logic&latest_timestamp=" + logicStamp
                            + "&appid=chat.other&latest_timestamp=0")).build(),
                    HttpResponse.BodyHandlers.ofString());
            await().atMost(DEADLINE).until(() -> server.heldPolls() == 2);
            int pollsBefore = server.requests("polls").size();
            registerDirectly("chat.other", "other-1", 7000);
            // the reader's held poll was first on the shared channel and got the other app
            await().atMost(WAKE).until(() -> server.requests("polls").size() > pollsBefore);
            assertEquals(List.of(List.of("logic-1")), logic.received.stream().map(l -> l.stream()
                    .map(dev.naming.ServiceInstance::id).toList()).toList(), "nothing delivered for it");
            registerDirectly("chat.logic", "logic-2", 8001);
            await().atMost(WAKE).until(() -> List.of("logic-1", "logic-2").equals(logic.lastIds()));
            intruder.cancel(true);
        }
    }
}
