package dev.naming.discovery;

import static dev.naming.discovery.DiscoveryTestSupport.ENV;
import static dev.naming.discovery.DiscoveryTestSupport.ZONE;
import static org.awaitility.Awaitility.await;

import dev.naming.Naming;
import dev.naming.discovery.emulator.DiscoveryEmulator;
import dev.naming.discovery.emulator.RecordedRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    /** The last {@code polls} request naming exactly these apps, once the node holds it. */
    private RecordedRequest awaitHeldPollOf(List<String> appids, int held) {
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
}
