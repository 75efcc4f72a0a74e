package dev.naming.discovery.emulator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The emulator keeps the wire behaviour of a bilibili/discovery node ({@code http/discovery.go},
 * {@code registry/registry.go} in that project), item by item; docs/DISCOVERY.md describes it.
 */
class DiscoveryEmulatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final String INSTANCE = "zone=z1&env=dev&appid=a&hostname=h1";

    private DiscoveryEmulator node;

    @BeforeEach
    void start() {
        node = DiscoveryEmulator.start().hold(Duration.ofMillis(500));
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private HttpResponse<String> raw(String method, String call, String query, String form, boolean formHeader)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + node.address() + "/discovery/" + call
                + (query.isEmpty() ? "" : "?" + query))).timeout(Duration.ofSeconds(5));
        if (formHeader) {
            b.header("Content-Type", "application/x-www-form-urlencoded");
        }
        b.method(method, form == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(form));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode post(String call, String form) throws Exception {
        HttpResponse<String> r = raw("POST", call, "", form, true);
        assertEquals(200, r.statusCode());
        return JSON.readTree(r.body());
    }

    private JsonNode get(String call, String query) throws Exception {
        HttpResponse<String> r = raw("GET", call, query, null, false);
        assertEquals(200, r.statusCode());
        return JSON.readTree(r.body());
    }

    private JsonNode register(String hostname, String addr) throws Exception {
        return post("register", "zone=z1&env=dev&appid=a&status=1&hostname=" + hostname + "&addrs="
                + URLEncoder.encode(addr, StandardCharsets.UTF_8) + "&metadata="
                + URLEncoder.encode("{\"k\":\"v\",\"n\":1}", StandardCharsets.UTF_8));
    }

    private long stamp() throws Exception {
        return get("fetch", "env=dev&appid=a&status=3").path("data").path("latest_timestamp").asLong();
    }

    @Test
    void repliesAreHttp200WithTheCodeEnvelope() throws Exception {
        JsonNode ok = register("h1", "http://1.1.1.1:80");
        assertEquals(0, ok.get("code").asInt());
        assertEquals("0", ok.get("message").asText());
        assertEquals(1, ok.get("ttl").asInt());
        JsonNode missing = get("fetch", "env=dev&appid=nobody&status=1");
        assertEquals(-404, missing.get("code").asInt());
        assertEquals("-404", missing.get("message").asText());
    }

    @Test
    void requiredParametersAnswerMinus400() throws Exception {
        assertEquals(-400, post("register", "zone=z1&env=dev&appid=a&hostname=h&status=1").get("code").asInt());
        assertEquals(-400, post("register", "zone=z1&env=dev&appid=a&hostname=h&status=0&addrs=x").get("code").asInt());
        assertEquals(-400, post("register", "zone=z1&env=dev&appid=a&hostname=h&status=1&addrs=x&metadata=nojson")
                .get("code").asInt());
        assertEquals(-400, post("renew", "zone=z1&env=dev&appid=a").get("code").asInt());
        assertEquals(-400, get("fetch", "env=dev&appid=a").get("code").asInt());
        assertEquals(-400, get("polls", "env=dev&hostname=x&appid=a&appid=b&latest_timestamp=0").get("code").asInt());
    }

    @Test
    void aFormBodyWithoutItsContentTypeIsIgnored() throws Exception {
        HttpResponse<String> r = raw("POST", "register", "", INSTANCE + "&status=1&addrs=http://1.1.1.1:1", false);
        assertEquals(-400, JSON.readTree(r.body()).get("code").asInt());
        // the query string counts for a POST
        HttpResponse<String> q = raw("POST", "register", INSTANCE + "&status=1&addrs=http://1.1.1.1:1", "", false);
        assertEquals(0, JSON.readTree(q.body()).get("code").asInt());
    }

    @Test
    void wrongMethodIs405AndUnknownPathIs404() throws Exception {
        assertEquals(405, raw("GET", "register", INSTANCE, null, false).statusCode());
        assertEquals(405, raw("POST", "fetch", "", "env=dev", true).statusCode());
        assertEquals(404, raw("GET", "nothing", "", null, false).statusCode());
    }

    @Test
    void timestampsAreNanosecondsRaisedByRegisterAndCancelNotByRenew() throws Exception {
        register("h1", "http://1.1.1.1:80");
        long first = stamp();
        assertTrue(first > 1L << 53, "nanoseconds since the epoch");
        JsonNode renewed = post("renew", INSTANCE);
        assertEquals(0, renewed.get("code").asInt());
        assertEquals("h1", renewed.path("data").path("hostname").asText());
        assertEquals(first, stamp());
        register("h2", "http://1.1.1.2:80");
        long second = stamp();
        assertTrue(second > first);
        assertEquals(0, post("cancel", "zone=z1&env=dev&appid=a&hostname=h2").get("code").asInt());
        assertTrue(stamp() > second);
    }

    @Test
    void instanceIsKeyedByAppEnvZoneAndHostname() throws Exception {
        register("h1", "http://1.1.1.1:80");
        register("h1", "http://1.1.1.1:81");
        post("register", "zone=z2&env=dev&appid=a&status=1&hostname=h1&addrs=http://2.2.2.2:80");
        JsonNode info = get("fetch", "env=dev&appid=a&status=1").get("data");
        assertEquals(1, info.path("instances").path("z1").size());
        assertEquals("http://1.1.1.1:81", info.path("instances").path("z1").get(0).path("addrs").get(0).asText());
        assertEquals(1, info.path("instances").path("z2").size());
        assertEquals(1, get("fetch", "env=dev&appid=a&status=1&zone=z2").path("data").path("instances").size());
        assertEquals(-404, get("fetch", "env=dev&appid=a&status=1&zone=z9").get("code").asInt());
        assertEquals("", info.path("instances").path("z1").get(0).path("metadata").path("n").asText());
    }

    @Test
    void statusIsABitmask() throws Exception {
        register("h1", "http://1.1.1.1:80");
        register("h2", "http://1.1.1.2:80");
        assertEquals(0, post("set", "zone=z1&env=dev&appid=a&hostname=h2&status=2").get("code").asInt());
        assertEquals(1, get("fetch", "env=dev&appid=a&status=1").at("/data/instances/z1").size());
        assertEquals(1, get("fetch", "env=dev&appid=a&status=2").at("/data/instances/z1").size());
        assertEquals(2, get("fetch", "env=dev&appid=a&status=3").at("/data/instances/z1").size());
        JsonNode fetchs = get("fetchs", "env=dev&appid=a&appid=nobody&status=1").get("data");
        assertTrue(fetchs.has("a"));
        assertFalse(fetchs.has("nobody"));
    }

    @Test
    void pollsHoldThenAnswerMinus304() throws Exception {
        register("h1", "http://1.1.1.1:80");
        long t = stamp();
        long start = System.nanoTime();
        JsonNode r = get("polls", "env=dev&hostname=me&appid=a&latest_timestamp=" + t);
        assertEquals(-304, r.get("code").asInt());
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(450));
    }

    @Test
    void pollsAnswerAtOnceWithOnlyChangedAppsAndTheUnknownOnes() throws Exception {
        register("h1", "http://1.1.1.1:80");
        post("register", "zone=z1&env=dev&appid=b&status=1&hostname=h1&addrs=http://1.1.1.1:80");
        long tb = get("fetch", "env=dev&appid=b&status=1").at("/data/latest_timestamp").asLong();
        JsonNode r = get("polls", "env=dev&hostname=me&appid=a&latest_timestamp=0&appid=b&latest_timestamp=" + tb
                + "&appid=ghost&latest_timestamp=0");
        assertEquals(0, r.get("code").asInt());
        assertTrue(r.path("data").has("a"));
        assertFalse(r.path("data").has("b"));
        assertEquals(List.of("ghost"), List.of(r.at("/error/-404/0").asText()));
    }

    @Test
    void aChangeWakesAHeldPollWithOnlyThatApp() throws Exception {
        node.hold(Duration.ofSeconds(5));
        register("h1", "http://1.1.1.1:80");
        post("register", "zone=z1&env=dev&appid=b&status=1&hostname=h1&addrs=http://1.1.1.1:80");
        long ta = stamp();
        long tb = get("fetch", "env=dev&appid=b&status=1").at("/data/latest_timestamp").asLong();
        CompletableFuture<JsonNode> poll = CompletableFuture.supplyAsync(() -> {
            try {
                return get("polls", "env=dev&hostname=me&appid=a&latest_timestamp=" + ta + "&appid=b&latest_timestamp=" + tb);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(3)).until(() -> node.heldPolls() == 1);
        register("h2", "http://1.1.1.2:80");
        JsonNode r = poll.get(3, TimeUnit.SECONDS);
        assertEquals(0, r.get("code").asInt());
        assertEquals(List.of("a"), iterableNames(r.get("data")));
        assertEquals(2, r.at("/data/a/instances/z1").size());
    }

    @Test
    void cancellingTheLastInstanceWakesNoPoller() throws Exception {
        node.hold(Duration.ofMillis(800));
        register("h1", "http://1.1.1.1:80");
        long t = stamp();
        CompletableFuture<JsonNode> poll = CompletableFuture.supplyAsync(() -> {
            try {
                return get("polls", "env=dev&hostname=me&appid=a&latest_timestamp=" + t);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(3)).until(() -> node.heldPolls() == 1);
        assertEquals(0, post("cancel", INSTANCE).get("code").asInt());
        assertEquals(-304, poll.get(3, TimeUnit.SECONDS).get("code").asInt());
        assertEquals(-404, get("fetch", "env=dev&appid=a&status=1").get("code").asInt());
        assertEquals(-304, get("polls", "env=dev&hostname=me&appid=a&latest_timestamp=" + t).get("code").asInt());
        assertEquals(-404, get("poll", "env=dev&hostname=me&appid=a&latest_timestamp=" + t).get("code").asInt());
    }

    @Test
    void aPollWhoseClientHungUpIsHeldUntilItsHoldEnds() throws Exception {
        node.hold(Duration.ofSeconds(2));
        register("h1", "http://1.1.1.1:80");
        long t = stamp();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        CompletableFuture<HttpResponse<String>> poll = client.sendAsync(HttpRequest.newBuilder(URI.create("http://"
                + node.address() + "/discovery/polls?env=dev&hostname=me&appid=a&latest_timestamp=" + t)).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(3)).until(() -> node.heldPolls() == 1);
        poll.cancel(true); // the JDK aborts the exchange and closes its connection
        await().atMost(Duration.ofSeconds(1)).until(() -> node.heldPolls() == 0);
        // the server's handler context is not the connection's: the request waits out its hold
        assertEquals(1, node.waitingPollHandlers());
        await().atMost(Duration.ofSeconds(3)).until(() -> node.waitingPollHandlers() == 0);
    }

    @Test
    void theMinus404ListIsTheOneComputedWhenThePollArrived() throws Exception {
        node.hold(Duration.ofSeconds(10));
        register("h1", "http://1.1.1.1:80");
        long t = stamp();
        CompletableFuture<JsonNode> poll = pollAsync("env=dev&hostname=me&appid=a&latest_timestamp=" + t
                + "&appid=b&latest_timestamp=0");
        await().atMost(Duration.ofSeconds(3)).until(() -> node.heldPolls() == 1);
        post("register", "zone=z1&env=dev&appid=b&status=1&hostname=h1&addrs=http://1.1.1.1:80");
        JsonNode r = poll.get(3, TimeUnit.SECONDS);
        assertEquals(0, r.get("code").asInt());
        assertEquals(1, r.at("/data/b/instances/z1").size(), "data carries the new instance");
        assertEquals("b", r.at("/error/-404/0").asText(), "and the -404 list still names the app");
    }

    @Test
    void aWokenPollWithNothingMissingCarriesANullMinus404List() throws Exception {
        node.hold(Duration.ofSeconds(10));
        register("h1", "http://1.1.1.1:80");
        long t = stamp();
        CompletableFuture<JsonNode> poll = pollAsync("env=dev&hostname=me&appid=a&latest_timestamp=" + t);
        await().atMost(Duration.ofSeconds(3)).until(() -> node.heldPolls() == 1);
        register("h2", "http://1.1.1.2:80");
        JsonNode r = poll.get(3, TimeUnit.SECONDS);
        assertTrue(r.at("/error/-404").isNull(), r.toString());
        assertFalse(r.has("ttl"), "the polls reply is a map, without ttl: " + r);
    }

    @Test
    void requestsSharingAHostnameShareOneWakeUpChannel() throws Exception {
        node.hold(Duration.ofSeconds(3));
        register("h1", "http://1.1.1.1:80");
        post("register", "zone=z1&env=dev&appid=b&status=1&hostname=h1&addrs=http://1.1.1.1:80");
        long ta = stamp();
        long tb = get("fetch", "env=dev&appid=b&status=1").at("/data/latest_timestamp").asLong();
        CompletableFuture<JsonNode> first = pollAsync("env=dev&hostname=shared&appid=a&latest_timestamp=" + ta);
        await().atMost(Duration.ofSeconds(3)).until(() -> node.heldPolls() == 1);
        CompletableFuture<JsonNode> second = pollAsync("env=dev&hostname=shared&appid=a&latest_timestamp=" + ta
                + "&appid=b&latest_timestamp=" + tb);
        await().atMost(Duration.ofSeconds(3)).until(() -> node.heldPolls() == 2);
        post("register", "zone=z1&env=dev&appid=b&status=1&hostname=h2&addrs=http://1.1.1.2:80");
        // one message for b went to the channel both wait on, and the first waiter took it
        JsonNode stolen = first.get(2, TimeUnit.SECONDS);
        assertEquals(List.of("b"), iterableNames(stolen.get("data")), "a reply for an app it did not ask for");
        assertEquals(-304, second.get(5, TimeUnit.SECONDS).get("code").asInt(), "the asker sleeps out its hold");
    }

    @Test
    void aChangeWakesEveryRequestFiledUnderTheHostnameOnce() throws Exception {
        node.hold(Duration.ofSeconds(10));
        register("h1", "http://1.1.1.1:80");
        long t = stamp();
        CompletableFuture<JsonNode> first = pollAsync("env=dev&hostname=shared&appid=a&latest_timestamp=" + t);
        await().atMost(Duration.ofSeconds(3)).until(() -> node.heldPolls() == 1);
        CompletableFuture<JsonNode> second = pollAsync("env=dev&hostname=shared&appid=a&latest_timestamp=" + t);
        await().atMost(Duration.ofSeconds(3)).until(() -> node.heldPolls() == 2);
        register("h2", "http://1.1.1.2:80");
        assertEquals(2, first.get(3, TimeUnit.SECONDS).at("/data/a/instances/z1").size());
        assertEquals(2, second.get(3, TimeUnit.SECONDS).at("/data/a/instances/z1").size());
    }

    @Test
    void aBroadcastGivesUpEachSendToAFullChannelAfter500Ms() throws Exception {
        // poll answers -404 for a missing first app but leaves the request filed: seven of them
        // under one hostname make one entry with count 7 that nobody reads
        for (int i = 0; i < 7; i++) {
            assertEquals(-404, get("poll", "env=dev&hostname=h&appid=a&latest_timestamp=0").get("code").asInt());
        }
        long start = System.nanoTime();
        register("h1", "http://1.1.1.1:80");
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        // five messages fill the channel, each of the other two waits 500 ms before giving up
        assertTrue(tookMs >= 950, "register took " + tookMs + " ms");
    }

    @Test
    void pollAnswersNotFoundWithTheAppInTheMessage() throws Exception {
        JsonNode r = get("poll", "env=dev&hostname=me&appid=ghost&latest_timestamp=0");
        assertEquals(-404, r.get("code").asInt());
        assertEquals("ghost not found", r.get("message").asText());
    }

    @Test
    void cancelRaisesTheTimestampByOneAndSetWakesWithoutRaisingIt() throws Exception {
        node.hold(Duration.ofSeconds(10));
        register("h1", "http://1.1.1.1:80");
        register("h2", "http://1.1.1.2:80");
        long before = stamp();
        post("cancel", "zone=z1&env=dev&appid=a&hostname=h2");
        long t = stamp();
        assertEquals(before + 1, t, "a client's cancel carries latest_timestamp 0: the app's stamp goes up by one");
        CompletableFuture<JsonNode> poll = pollAsync("env=dev&hostname=me&appid=a&latest_timestamp=" + t);
        await().atMost(Duration.ofSeconds(3)).until(() -> node.heldPolls() == 1);
        assertEquals(0, post("set", "zone=z1&env=dev&appid=a&hostname=h1&metadata="
                + URLEncoder.encode("{\"w\":\"5\"}", StandardCharsets.UTF_8)).get("code").asInt());
        JsonNode r = poll.get(3, TimeUnit.SECONDS);
        assertEquals(t, r.at("/data/a/latest_timestamp").asLong());
        assertEquals("5", r.at("/data/a/instances/z1/0/metadata/w").asText());
        assertEquals("v", r.at("/data/a/instances/z1/0/metadata/k").asText(), "set merges metadata");
    }

    @Test
    void setNeedsAKnownHostnameAndAValidStatus() throws Exception {
        register("h1", "http://1.1.1.1:80");
        assertEquals(-400, post("set", "zone=z1&env=dev&appid=a").get("code").asInt());
        assertEquals(-400, post("set", "zone=z1&env=dev&appid=a&hostname=nobody&status=2").get("code").asInt());
        assertEquals(-400, post("set", "zone=z1&env=dev&appid=a&hostname=h1&status=3").get("code").asInt());
        assertEquals(-400, post("set", "zone=z1&env=dev&appid=a&hostname=h1&hostname=h1&status=2").get("code").asInt());
        assertEquals(0, post("set", "zone=z1&env=dev&appid=a&hostname=h1&status=2").get("code").asInt());
    }

    @Test
    void registerWithAStatusAboveTwoAnswersNothing() throws Exception {
        HttpResponse<String> r = raw("POST", "register", "", INSTANCE + "&status=3&addrs=http://1.1.1.1:1", true);
        assertEquals(200, r.statusCode());
        assertEquals("", r.body());
        assertEquals(0, node.instanceCount());
    }

        @Test
    void renewAndCancelOfAnUnknownInstanceAnswerMinus404() throws Exception {
        JsonNode unknownApp = post("renew", INSTANCE);
        assertEquals(-404, unknownApp.get("code").asInt());
        assertTrue(unknownApp.get("data").isNull());
        assertEquals(-404, post("cancel", INSTANCE).get("code").asInt());
        register("h2", "http://1.1.1.2:80");
        JsonNode unknownHost = post("renew", INSTANCE);
        assertEquals(-404, unknownHost.get("code").asInt());
        assertEquals("", unknownHost.at("/data/hostname").asText(), "a zero instance, as App.Renew returns");
    }

    @Test
    void instancesSilentFor90SecondsAreEvictedAtTheSweep() throws Exception {
        node.selfPreservation(false);
        register("h1", "http://1.1.1.1:80");
        node.clock().advance(Duration.ofSeconds(80));
        assertEquals(0, node.sweep());
        post("renew", INSTANCE);
        node.clock().advance(Duration.ofSeconds(91));
        assertEquals(1, node.sweep());
        assertEquals(-404, post("renew", INSTANCE).get("code").asInt());
    }

    @Test
    void evictionTakesAtMost15PercentOfTheRegistryPerSweep() throws Exception {
        node.selfPreservation(false);
        for (int i = 0; i < 7; i++) {
            register("h" + i, "http://1.1.1.1:" + (80 + i));
        }
        node.clock().advance(Duration.ofSeconds(100));
        assertEquals(2, node.sweep(), "7 - int(7 * 0.85)");
        assertEquals(5, node.instanceCount());
    }

    @Test
    void theGuardProtectsWhileRenewalsOfTheLastMinuteAreBelow85PercentOfTheExpected() throws Exception {
        register("h1", "http://1.1.1.1:80");
        register("h2", "http://1.1.1.2:80"); // 4 renewals expected a minute, threshold 3
        node.clock().advance(Duration.ofSeconds(100));
        for (int i = 0; i < 3; i++) {
            post("renew", INSTANCE);
        }
        assertEquals(1, node.sweep(), "3 renewals: not protected, the silent h2 goes");
        node.clock().advance(Duration.ofSeconds(100));
        // eviction does not lower the expectation (only a cancel does): 0 < 3 protects the silent h1
        assertEquals(0, node.sweep());
        assertEquals(1, node.instanceCount());
    }

    @Test
    void selfPreservationKeepsSilentInstancesForAnHour() throws Exception {
        register("h1", "http://1.1.1.1:80");
        node.clock().advance(Duration.ofSeconds(120));
        assertEquals(0, node.sweep());
        node.clock().advance(Duration.ofHours(1));
        assertEquals(1, node.sweep());
    }

    @Test
    void protectModeAnswersMinus500ToReadsOnly() throws Exception {
        node.protect(true);
        assertEquals(0, register("h1", "http://1.1.1.1:80").get("code").asInt());
        assertEquals(-500, get("fetch", "env=dev&appid=a&status=1").get("code").asInt());
        assertEquals(-500, get("polls", "env=dev&hostname=me&appid=a&latest_timestamp=0").get("code").asInt());
        assertEquals(-500, get("nodes", "").get("code").asInt());
    }

    @Test
    void nodesShowsAPeerLostUntilARenewIsReplicatedToIt() throws Exception {
        try (DiscoveryCluster cluster = DiscoveryCluster.start(2)) {
            DiscoveryEmulator a = cluster.node(0);
            DiscoveryEmulator b = cluster.node(1);
            assertEquals(List.of(0, 1), statuses(a), "a node starts with every other node lost");
            send(a, "register", INSTANCE + "&status=1&addrs=http://1.1.1.1:1");
            assertEquals(1, b.instanceCount(), "the register was replicated");
            send(a, "renew", INSTANCE);
            assertEquals(List.of(0, 0), statuses(a), "the replicated renew was answered");
            b.down();
            send(a, "renew", INSTANCE);
            assertEquals(List.of(0, 0), statuses(a), "only a -500 marks a peer lost, not an unreachable one");
            b.up();
            b.serverError(true);
            send(a, "renew", INSTANCE);
            assertEquals(List.of(0, 1), statuses(a));
        }
    }

    @Test
    void aReplicatedRenewRegistersTheInstanceOnAPeerThatForgotIt() throws Exception {
        try (DiscoveryCluster cluster = DiscoveryCluster.start(2)) {
            DiscoveryEmulator a = cluster.node(0);
            DiscoveryEmulator b = cluster.node(1);
            send(a, "register", INSTANCE + "&status=1&addrs=http://1.1.1.1:1&addrs=grpc://1.1.1.1:2");
            assertTrue(b.cancel("dev", "z1", "a", "h1"));
            send(a, "renew", INSTANCE);
            assertEquals(List.of("http://1.1.1.1:1,grpc://1.1.1.1:2"), b.instances("dev", "a").get(0).addrs(),
                    "back on the peer, its addresses joined by commas as Node.call sends them");
            send(a, "cancel", INSTANCE);
            assertEquals(0, b.instanceCount(), "the cancel was replicated");
        }
    }

    @Test
    void restartForgetsEverythingAndDropsHeldPolls() throws Exception {
        node.hold(Duration.ofSeconds(10));
        register("h1", "http://1.1.1.1:80");
        long t = stamp();
        // a raw connection: the JDK's client would retry the GET on a new connection
        try (java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), node.port())) {
            socket.setSoTimeout(3000);
            socket.getOutputStream().write(("GET /discovery/polls?env=dev&hostname=me&appid=a&latest_timestamp=" + t
                    + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(3)).until(() -> node.heldPolls() == 1);
            node.restart();
            int read;
            try {
                read = socket.getInputStream().read();
            } catch (java.net.SocketException reset) {
                read = -1;
            }
            assertEquals(-1, read, "the held poll's connection dropped unanswered");
        }
        await().atMost(Duration.ofSeconds(1)).until(() -> node.waitingPollHandlers() == 0);
        assertEquals(0, node.instanceCount());
        assertEquals(-404, post("renew", INSTANCE).get("code").asInt());
        assertEquals(0, get("fetchs", "env=dev&appid=a&status=1").get("data").size());
    }

    @Test
    void theNodeRegistersItselfAsInfraDiscoveryAndAgainWithNewTimestampsAtARestart() throws Exception {
        String self = "env=" + DiscoveryEmulator.DEFAULT_ENV + "&appid=infra.discovery&status=3";
        JsonNode before = get("fetch", self).path("data");
        JsonNode instance = before.at("/instances/sh001/0");
        assertEquals("http://" + node.address(), instance.at("/addrs/0").asText());
        assertEquals(1, instance.path("status").asInt());
        long reg = instance.path("reg_timestamp").asLong();
        assertEquals(reg, instance.path("latest_timestamp").asLong(), "every timestamp is the start");
        assertEquals(0, node.instanceCount(), "the test control counts clients' instances only");
        node.clock().advance(Duration.ofSeconds(1));
        node.restart();
        JsonNode after = get("fetch", self).path("data");
        assertTrue(after.at("/instances/sh001/0/reg_timestamp").asLong() > reg);
        assertTrue(after.path("latest_timestamp").asLong() > before.path("latest_timestamp").asLong());
    }

    @Test
    void aPollNamingInfraDiscoveryAnswersAtOnceFromARestartedNodeThatForgotTheOtherApp() throws Exception {
        node.hold(Duration.ofSeconds(10));
        String env = "env=" + DiscoveryEmulator.DEFAULT_ENV;
        node.register(DiscoveryEmulator.DEFAULT_ENV, "sh001", "a", "h1", List.of("http://1.1.1.1:80"), Map.of());
        JsonNode seen = get("fetchs", env + "&appid=a&appid=infra.discovery&status=3").path("data");
        long appStamp = seen.at("/a/latest_timestamp").asLong();
        long selfStamp = seen.at("/infra.discovery/latest_timestamp").asLong();
        node.clock().advance(Duration.ofSeconds(1));
        node.restart();
        long start = System.nanoTime();
        JsonNode r = get("polls", env + "&hostname=me&appid=a&latest_timestamp=" + appStamp
                + "&appid=infra.discovery&latest_timestamp=" + selfStamp);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "answered at once, not after the hold");
        assertEquals(0, r.path("code").asInt());
        assertTrue(r.at("/data/infra.discovery/latest_timestamp").asLong() > selfStamp);
        assertEquals("a", r.at("/error/-404/0").asText(), "the app the restarted node forgot");
    }

    @Test
    void theSweepRenewsTheNodesOwnInstanceSoItIsNeverEvicted() throws Exception {
        node.selfPreservation(false);
        for (int i = 0; i < 3; i++) {
            node.clock().advance(Duration.ofSeconds(100));
            assertEquals(0, node.sweep());
        }
        assertEquals(1, node.instances(DiscoveryEmulator.DEFAULT_ENV, "infra.discovery").size());
    }

    @Test
    void aRestartedNodeCopiesTheRegistryOfAnotherNode() throws Exception {
        try (DiscoveryCluster cluster = DiscoveryCluster.start(2)) {
            send(cluster.node(0), "register", INSTANCE + "&status=1&addrs=http://1.1.1.1:1");
            cluster.node(1).restart(Duration.ofSeconds(60));
            assertEquals(1, cluster.node(1).instanceCount());
            assertFalse(cluster.node(1).isProtected(), "protect mode ends at the first copy from a peer");
        }
    }

    @Test
    void aClusterRestartedWithProtectAnswersReadsMinus500UntilProtectEnds() throws Exception {
        try (DiscoveryCluster cluster = DiscoveryCluster.start(2)) {
            DiscoveryEmulator a = cluster.node(0);
            send(a, "register", INSTANCE + "&status=1&addrs=http://1.1.1.1:1");
            cluster.restart(Duration.ofSeconds(1));
            assertEquals(0, a.instanceCount());
            HttpResponse<String> read = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + a.address()
                    + "/discovery/fetch?env=dev&appid=a&status=1")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, read.statusCode());
            assertEquals(-500, JSON.readTree(read.body()).get("code").asInt());
            assertEquals(0, send(a, "register", INSTANCE + "&status=1&addrs=http://1.1.1.1:1").get("code").asInt(),
                    "writes work in protect mode");
            await().atMost(Duration.ofSeconds(3)).until(() -> !a.isProtected());
            assertEquals(1, cluster.node(1).instanceCount());
        }
    }

    @Test
    void faultSwitchesBreakReplies() throws Exception {
        node.malformed(true);
        HttpResponse<String> r = raw("GET", "nodes", "", null, false);
        assertEquals(200, r.statusCode());
        assertTrue(r.body().startsWith("{") && !r.body().endsWith("}"));
        node.malformed(false);
        node.slow(Duration.ofMillis(300));
        long start = System.nanoTime();
        get("nodes", "");
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(280));
        node.slow(Duration.ZERO);
        node.down();
        assertTrue(assertFails(() -> raw("GET", "nodes", "", null, false)));
        node.up();
        assertEquals(0, get("nodes", "").get("code").asInt());
    }

    @Test
    void everyRequestIsRecorded() throws Exception {
        register("h1", "http://1.1.1.1:80");
        RecordedRequest r = node.requests("register").get(0);
        assertEquals("POST", r.method());
        assertEquals(List.of("h1"), r.all("hostname"));
        assertTrue(r.body().contains("hostname=h1"));
        assertEquals(1, node.connections());
        assertEquals(Map.of("k", "v", "n", ""), node.instances("dev", "a").get(0).metadata());
    }

    private CompletableFuture<JsonNode> pollAsync(String query) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return get("polls", query);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static JsonNode send(DiscoveryEmulator to, String call, String form) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + to.address() + "/discovery/"
                        + call)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    private static List<Integer> statuses(DiscoveryEmulator node) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + node.address()
                + "/discovery/nodes")).build(), HttpResponse.BodyHandlers.ofString());
        List<Integer> out = new java.util.ArrayList<>();
        JSON.readTree(r.body()).get("data").forEach(n -> out.add(n.get("status").asInt()));
        return out;
    }

    private static List<String> iterableNames(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private interface Call {
        Object run() throws Exception;
    }

    private static boolean assertFails(Call c) {
        try {
            c.run();
            return false;
        } catch (Exception e) {
            return true;
        }
    }
}
