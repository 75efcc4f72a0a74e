package dev.naming.consul;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.naming.NamingUri;
import dev.naming.ServiceInstance;
import dev.naming.bench.OwnConnections;
import dev.naming.spi.NamingObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * HTTP/2 streams on the real TLS agent named by {@code NAMING_TEST_CONSUL} (Go's server: 250
 * concurrent streams a connection): the watches of a {@code Naming} take the connections their
 * streams need and no more. Connections are this JVM's to the agent's port, counted from the
 * kernel's tables ({@link OwnConnections}); {@code .ci/agent-suites} runs it in its TLS run.
 */
@EnabledIfEnvironmentVariable(named = ConsulAgentFixture.ENV, matches = ".*tls=true.*")
class ConsulAgentStreamsTest {

    private final String uri = System.getenv(ConsulAgentFixture.ENV).trim();

    /**
     * 1,000 watches: four connections at the most, looked at every 100 ms while they start and
     * through five rounds of their blocking queries coming back together at the end of a 1 s wait,
     * each next query sent while others complete on other threads.
     */
    @Test
    void aThousandWatchesTakeFourConnectionsOfTwoHundredFiftyStreams() {
        int watches = 1_000;
        int port = Integer.parseInt(NamingUri.parse(uri).authority().replaceAll(".*:", ""));
        Set<String> before = OwnConnections.open(port);
        assumeTrue(before != null, "this system has no /proc to count connections in");
        AtomicInteger confirmations = new AtomicInteger();
        try (ConsulNaming naming = FastConsul.connect(uri + "&wait=1s")) {
            naming.addObserver(new NamingObserver() {
                @Override
                public void confirmed(String service, Instant at) {
                    confirmations.incrementAndGet();
                }
            });
            List<List<ServiceInstance>> firsts = new CopyOnWriteArrayList<>();
            for (int i = 0; i < watches; i++) {
                naming.subscribe("streams-" + i, firsts::add);
            }
            AtomicInteger most = new AtomicInteger();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                most.accumulateAndGet(OwnConnections.openedSince(before, port), Math::max);
                return firsts.size() >= watches;
            });
            confirmations.set(0);

            await().atMost(Duration.ofSeconds(60)).until(() -> {
                most.accumulateAndGet(OwnConnections.openedSince(before, port), Math::max);
                return confirmations.get() >= 5 * watches;
            });
            assertEquals(4, most.get(), "the most connections to the agent seen at once");
        }
    }
}
