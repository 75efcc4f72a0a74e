package dev.naming.discovery;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.Naming;
import dev.naming.discovery.emulator.DiscoveryEmulator;
import dev.naming.discovery.emulator.RecordedRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Watching many services costs one poll loop and one connection, not one per service. */
class DiscoveryScaleTest {

    private static final int APPS = 1000;

    @Test
    void onePollsConnectionCarriesTheWatchOfAThousandApps() {
        try (DiscoveryEmulator server = DiscoveryEmulator.start().hold(Duration.ofMillis(300))) {
            for (int i = 0; i < APPS; i++) {
                if (i % 2 == 0) { // half exist, half are unknown to the server
                    server.register(DiscoveryTestSupport.ENV, DiscoveryTestSupport.ZONE, "app." + i, "host-" + i,
                            List.of("http://10.0.0.1:" + (1000 + i)), Map.of());
                }
            }
            try (Naming naming = DiscoveryTestSupport.connect(server.address(), "hold=300ms")) {
                List<DiscoveryTestSupport.Lists> lists = new ArrayList<>();
                for (int i = 0; i < APPS; i++) {
                    DiscoveryTestSupport.Lists l = new DiscoveryTestSupport.Lists();
                    lists.add(l);
                    naming.subscribe("app." + i, l);
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> lists.stream().allMatch(l -> l.count() == 1));
                for (int i = 0; i < APPS; i++) {
                    assertEquals(i % 2 == 0 ? List.of("host-" + i) : List.of(), lists.get(i).lastIds());
                }
                server.clearRequests();
                await().atMost(Duration.ofSeconds(5)).until(() -> server.requests("polls").size() >= 3);
                List<RecordedRequest> polls = server.requests("polls");
                for (RecordedRequest poll : polls) {
                    assertEquals(APPS + 1, poll.all("appid").size(), "and infra.discovery");
                    assertEquals(APPS + 1, poll.all("latest_timestamp").size());
                }
                assertEquals(1, polls.stream().mapToInt(RecordedRequest::clientPort).distinct().count(),
                        "every poll over one connection");
                // the confirmation fetchs may take a second pooled connection (the JDK returns a
                // connection to its pool asynchronously): still a constant, whatever the app count
                assertTrue(server.connections() <= 2, () -> "connections: " + server.requests().stream()
                        .map(r -> r.call() + "@" + r.clientPort()).toList());
                assertTrue(Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().equals("naming-discovery-poll")).count() == 1);
            }
        }
    }
}
