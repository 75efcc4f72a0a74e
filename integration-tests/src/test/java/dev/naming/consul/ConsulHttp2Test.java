package dev.naming.consul;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.consul.emulator.ConsulEmulator;
import dev.naming.consul.http.ConsulHttp;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Watches over TLS speak HTTP/2 to an agent that offers it (Jetty here, Go's server in Consul), so
 * the blocking queries of a {@code Naming} share one connection per agent, and a second one only
 * past the agent's 250 concurrent streams. Connections are counted by the server.
 */
class ConsulHttp2Test {

    private static final String PASSWORD = "changeit-h2-secret";

    @TempDir
    static Path dir;
    private static AgentCertificate certificate;

    @BeforeAll
    static void certificate() throws Exception {
        certificate = AgentCertificate.create(dir, PASSWORD);
    }

    private static ConsulEmulator http2Agent(int maxStreams) {
        return ConsulEmulator.builder().tls(certificate.serverContext()).http2().maxConcurrentStreams(maxStreams).start();
    }

    private static ConsulNaming connect(ConsulEmulator agent) {
        // a long wait: every query stays pending while the connections are counted
        return FastConsul.connect("consul://" + agent.hostPort() + "?wait=30s&" + certificate.trustParameters());
    }

    /** Subscribes to {@code count} services and waits until each has its list and a blocking query held. */
    private static void watch(ConsulNaming naming, ConsulEmulator agent, int count) {
        List<List<ServiceInstance>> firsts = new CopyOnWriteArrayList<>();
        for (int i = 0; i < count; i++) {
            naming.subscribe("svc-" + i, firsts::add);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> firsts.size() == count && agent.openBlockingQueries() == count);
    }

    @Test
    void blockingQueriesOverTlsShareOneConnection() {
        try (ConsulEmulator agent = http2Agent(250); ConsulNaming naming = connect(agent)) {
            watch(naming, agent, 100);

            // connections opened while the first one was being set up close once their first reply is in
            await().atMost(Duration.ofSeconds(10)).until(() -> agent.openConnections() == 1);
            assertEquals(100, agent.openBlockingQueries());
        }
    }

    /**
     * Watches that start together do not each open a connection: the queries made while the first
     * connection is being opened wait for it.
     */
    @Test
    void watchesStartingTogetherOpenOneConnection() {
        try (ConsulEmulator agent = http2Agent(250); ConsulNaming naming = connect(agent)) {
            watch(naming, agent, 100);

            assertEquals(1, agent.acceptedConnections());
        }
    }

    @Test
    void pastTheAgentsStreamLimitASecondConnectionCarriesTheRest() {
        try (ConsulEmulator agent = http2Agent(250); ConsulNaming naming = connect(agent)) {
            watch(naming, agent, 260);

            await().atMost(Duration.ofSeconds(10)).until(() -> agent.openConnections() == 2);
            assertEquals(260, agent.openBlockingQueries());
        }
    }

    /**
     * A connection whose queries are all held (a 30 s wait) is silent, so it is PINGed after
     * {@link ConsulHttp#PING_AFTER}; an agent that answers keeps it: the same connection carries the
     * same queries past the time an unanswered PING would have ended it, and no other is opened.
     */
    @Test
    void aSilentConnectionWhoseAgentAnswersItsPingIsKept() {
        try (ConsulEmulator agent = http2Agent(250); ConsulNaming naming = connect(agent)) {
            watch(naming, agent, 10);
            long accepted = agent.acceptedConnections();
            agent.clearRequests();

            Duration pingAndDeadline = ConsulHttp.PING_AFTER.multipliedBy(2).plusSeconds(3);
            await().during(pingAndDeadline).atMost(pingAndDeadline.plusSeconds(2)).until(() ->
                    agent.acceptedConnections() == accepted && agent.requests("/v1/health/service/").isEmpty());
        }
    }

    /**
     * A watch added when the open connection's streams are all taken (nothing else being opened)
     * is not left waiting for one to free: a second connection opens for it.
     */
    @Test
    void aWatchAddedWhenEveryStreamIsTakenGetsASecondConnection() {
        try (ConsulEmulator agent = http2Agent(250); ConsulNaming naming = connect(agent)) {
            watch(naming, agent, 250);
            await().atMost(Duration.ofSeconds(10)).until(() -> agent.openConnections() == 1);

            List<List<ServiceInstance>> late = new CopyOnWriteArrayList<>();
            naming.subscribe("late", late::add);
            await().atMost(Duration.ofSeconds(10)).until(() -> !late.isEmpty() && agent.openBlockingQueries() == 251);
            assertEquals(2, agent.openConnections());
        }
    }

    /**
     * 1,000 watches take exactly the four connections that the agent's 250 streams each require,
     * while they start and through many rounds of blocking queries coming back together (a 1 s
     * wait), when each next query is sent as others complete on other threads.
     */
    @Test
    void aThousandWatchesKeepToTheFourConnectionsTheirStreamsNeed() {
        int watches = 1_000;
        try (ConsulEmulator agent = http2Agent(250);
             ConsulNaming naming = FastConsul.connect("consul://" + agent.hostPort() + "?wait=1s&"
                     + certificate.trustParameters())) {
            watch(naming, agent, watches);
            agent.clearRequests();

            // five rounds: every watch's query returns at the end of its wait and is sent again
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> agent.requests("/v1/health/service/").size() >= 5 * watches);
            assertEquals(4, agent.acceptedConnections(), "connections opened");
        }
    }

    /**
     * A stream whose body stalls after its headers is aborted by the library's own deadline (the
     * reader's sweep), counted as a failure, and the watch asks again, keeping its list.
     */
    @Test
    void aStreamWhoseBodyStallsTimesOutAndTheWatchAsksAgain() {
        try (ConsulEmulator agent = http2Agent(250);
             ConsulNaming naming = FastConsul.connect("consul://" + agent.hostPort()
                     + "?wait=1s&timeout=300ms&readMargin=200ms&" + certificate.trustParameters())) {
            List<List<ServiceInstance>> lists = new CopyOnWriteArrayList<>();
            naming.register(ServiceRegistration.builder().id("stall-1").name("stalling").address("10.0.0.1").port(80).build());
            naming.subscribe("stalling", lists::add);
            await().atMost(Duration.ofSeconds(5)).until(() -> !lists.isEmpty() && lists.get(lists.size() - 1).size() == 1);

            agent.stallBodies(true);
            agent.clearRequests();
            try {
                // each read gives up at its deadline (1.26 s blocking, then 300 ms for the fresh reads after
                // the failure; the sweep sees it within a second) and the watch asks again
                await().atMost(Duration.ofSeconds(10)).until(() -> agent.requests("/v1/health/service/stalling").size() >= 3);
            } finally {
                agent.stallBodies(false);
            }
            assertEquals(List.of("stall-1"), lists.get(lists.size() - 1).stream().map(ServiceInstance::id).toList());
        }
    }

    /**
     * The JDK client looks an agent's name up on the thread that sends a lane's first query, so
     * that is not the subscriber's: a DNS server that does not answer holds the watch, not
     * {@code subscribe} (nor, behind it, every other subscribe of the {@code Naming}).
     */
    @Test
    void subscribeDoesNotWaitForTheAgentsNameToBeLookedUp() throws Exception {
        SlowNames dns = SlowNames.install();
        org.junit.jupiter.api.Assumptions.assumeTrue(dns != null, "this JDK has no InetAddress.nameService to stand in for");
        try (dns; ConsulEmulator agent = http2Agent(250);
             ConsulNaming naming = FastConsul.connect("consul://" + dns.name() + ":" + agent.port() + "?wait=30s&"
                     + certificate.trustParameters())) {
            List<List<ServiceInstance>> lists = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> subscribed = CompletableFuture.runAsync(() -> naming.subscribe("svc", lists::add));
            await().atMost(Duration.ofSeconds(5)).until(() -> dns.lookups() >= 1);

            subscribed.get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(lists.isEmpty(), "nothing read before the name is known");
            dns.answer();
            await().atMost(Duration.ofSeconds(10)).until(() -> !lists.isEmpty());
        }
    }

    /**
     * A lookup that never answers fails the first query in time (the request timeout, 3 s here),
     * and the queries held behind it, so the watch moves to the next agent; closing the
     * {@code Naming} does not wait for the lookup either.
     */
    @Test
    void aWatchMovesOnFromAnAgentWhoseNameDoesNotResolveAndCloseDoesNotWaitForIt() throws Exception {
        SlowNames dns = SlowNames.install();
        org.junit.jupiter.api.Assumptions.assumeTrue(dns != null, "this JDK has no InetAddress name service to stand in for");
        try (dns; ConsulEmulator agent = http2Agent(250)) {
            ConsulNaming naming = FastConsul.connect("consul://" + dns.name() + ":" + agent.port() + ",127.0.0.1:"
                    + agent.port() + "?wait=30s&" + certificate.trustParameters());
            List<List<ServiceInstance>> lists = new CopyOnWriteArrayList<>();
            naming.subscribe("svc-a", lists::add);
            naming.subscribe("svc-b", lists::add);

            await().atMost(Duration.ofSeconds(15)).until(() -> lists.size() >= 2);
            assertEquals(1, dns.lookups(), "the second agent answered while the first's name was still being looked up");
            long started = System.nanoTime();
            naming.close();
            assertTrue(System.nanoTime() - started < Duration.ofSeconds(2).toNanos(), "close waited for the lookup");
        }
    }

    /**
     * Over TLS as over plain HTTP, a listener asked to run where its reply completed runs on the
     * HTTP client's thread; one that blocks there holds only its own subscription.
     */
    @Test
    void aListenerOnTheReplysThreadRunsThereAndOneThatBlocksHoldsOnlyItself() throws Exception {
        try (ConsulEmulator agent = http2Agent(250); ConsulNaming naming = connect(agent)) {
            List<String> threads = new CopyOnWriteArrayList<>();
            List<List<ServiceInstance>> logic = new CopyOnWriteArrayList<>();
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            naming.subscribe("chat.logic", dev.naming.SubscribeOptions.defaults().withExecutor(Runnable::run), list -> {
                threads.add(Thread.currentThread().getName());
                logic.add(list);
                if (list.size() == 2) {
                    try {
                        release.await(30, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            naming.register(instance("logic-1", "chat.logic"));
            await().atMost(Duration.ofSeconds(5)).until(() -> !logic.isEmpty() && logic.get(logic.size() - 1).size() == 1);
            naming.register(instance("logic-2", "chat.logic"));
            await().atMost(Duration.ofSeconds(5)).until(() -> logic.get(logic.size() - 1).size() == 2);
            try {
                assertTrue(threads.stream().allMatch(t -> t.startsWith(ConsulHttp.THREAD_NAME)),
                        "the HTTP client's thread: " + threads);

                List<List<ServiceInstance>> gates = new CopyOnWriteArrayList<>();
                naming.subscribe("chat.gate", gates::add);
                naming.register(instance("gate-1", "chat.gate"));
                await().atMost(Duration.ofSeconds(5)).until(() -> !gates.isEmpty() && gates.get(gates.size() - 1).size() == 1);
                assertEquals(2, logic.get(logic.size() - 1).size(), "the blocked listener is still in its call");
            } finally {
                release.countDown();
            }
        }
    }

    private static ServiceRegistration instance(String id, String service) {
        return ServiceRegistration.builder().id(id).name(service).address("10.0.0.7").port(9000).build();
    }
}
