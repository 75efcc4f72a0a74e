package dev.naming.discovery.emulator;

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
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> node.heldPolls() == 1);
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
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> node.heldPolls() == 1);
        assertEquals(0, post("cancel", INSTANCE).get("code").asInt());
        assertEquals(-304, poll.get(3, TimeUnit.SECONDS).get("code").asInt());
        assertEquals(-404, get("fetch", "env=dev&appid=a&status=1").get("code").asInt());
        assertEquals(-304, get("polls", "env=dev&hostname=me&appid=a&latest_timestamp=" + t).get("code").asInt());
        assertEquals(-404, get("poll", "env=dev&hostname=me&appid=a&latest_timestamp=" + t).get("code").asInt());
    }

    @Test
    void aPollWhoseClientHungUpIsNoLongerHeld() throws Exception {
        node.hold(Duration.ofSeconds(30));
        register("h1", "http://1.1.1.1:80");
        long t = stamp();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        CompletableFuture<HttpResponse<String>> poll = client.sendAsync(HttpRequest.newBuilder(URI.create("http://"
                + node.address() + "/discovery/polls?env=dev&hostname=me&appid=a&latest_timestamp=" + t)).build(),
                HttpResponse.BodyHandlers.ofString());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> node.heldPolls() == 1);
        poll.cancel(true); // the JDK aborts the exchange and closes its connection
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> node.heldPolls() == 0);
    }

    @Test
    void renewAndCancelOfAnUnknownInstanceAnswerMinus404() throws Exception {
        assertEquals(-404, post("renew", INSTANCE).get("code").asInt());
        assertEquals(-404, post("cancel", INSTANCE).get("code").asInt());
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
    void nodesListsTheClusterAndWritesReplicate() throws Exception {
        try (DiscoveryCluster cluster = DiscoveryCluster.start(2)) {
            DiscoveryEmulator a = cluster.node(0);
            DiscoveryEmulator b = cluster.node(1);
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + a.address()
                    + "/discovery/nodes")).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode nodes = JSON.readTree(r.body()).get("data");
            assertEquals(2, nodes.size());
            assertEquals(0, nodes.get(0).get("status").asInt());
            HTTP.send(HttpRequest.newBuilder(URI.create("http://" + a.address() + "/discovery/register"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(INSTANCE + "&status=1&addrs=http://1.1.1.1:1"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(1, b.instanceCount());
            b.down();
            HttpResponse<String> after = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + a.address()
                    + "/discovery/nodes")).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(after.body().contains("\"status\":1"), after.body());
            b.up();
            assertEquals(1, b.instanceCount(), "a node back up keeps its registry");
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
