package dev.naming.consul.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ecwid.consul.v1.ConsulClient;
import com.ecwid.consul.v1.Response;
import com.ecwid.consul.v1.agent.model.NewService;
import com.ecwid.consul.v1.health.HealthServicesRequest;
import com.ecwid.consul.v1.health.model.HealthService;
import com.orbitz.consul.Consul;
import com.orbitz.consul.model.ConsulResponse;
import com.orbitz.consul.model.agent.ImmutableRegCheck;
import com.orbitz.consul.model.agent.ImmutableRegistration;
import com.orbitz.consul.model.health.ServiceHealth;
import com.orbitz.consul.option.ImmutableQueryOptions;
import com.orbitz.consul.option.QueryOptions;
import java.io.IOException;
import java.math.BigInteger;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The emulator answers as Consul does: its replies parse with both Java clients people use
 * (com.orbitz.consul:consul-client and com.ecwid.consul:consul-api), and its agent follows Consul's
 * rules for checks, TTLs, the reaper, blocking queries and errors.
 */
class ConsulEmulatorTest {

    private final ManualClock clock = new ManualClock();
    private ConsulEmulator emulator;
    private Consul orbitz;
    private ConsulClient ecwid;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() {
        // reads right after writes: the catalog syncs at once here (anti-entropy has a test of its own)
        emulator = ConsulEmulator.builder().clock(clock).reapInterval(Duration.ofSeconds(30)).syncDelay(Duration.ZERO)
                .start();
        orbitz = Consul.builder().withUrl(emulator.url()).withPing(false).build();
        ecwid = new ConsulClient("127.0.0.1", emulator.port());
    }

    @AfterEach
    void stop() {
        orbitz.destroy();
        emulator.close();
    }

    private void registerWithOrbitz(String id, String name, String address, List<String> tags) {
        orbitz.agentClient().register(ImmutableRegistration.builder()
                .id(id).name(name).address(address).port(8000).tags(tags)
                .meta(Map.of("protocol", "ws", "zone", "a"))
                .check(ImmutableRegCheck.builder().ttl("15s").status("passing")
                        .deregisterCriticalServiceAfter("20s").build())
                .build());
    }

    @Test
    void healthRepliesParseWithConsulClient() {
        registerWithOrbitz("logic-1", "chat.logic", "10.0.0.5", List.of("gate", "zone-a"));

        ConsulResponse<List<ServiceHealth>> reply = orbitz.healthClient().getHealthyServiceInstances("chat.logic");

        assertEquals(1, reply.getResponse().size());
        ServiceHealth entry = reply.getResponse().get(0);
        assertEquals("logic-1", entry.getService().getId());
        assertEquals("chat.logic", entry.getService().getService());
        assertEquals("10.0.0.5", entry.getService().getAddress());
        assertEquals(8000, entry.getService().getPort());
        assertEquals(List.of("gate", "zone-a"), entry.getService().getTags());
        assertEquals("ws", entry.getService().getMeta().get("protocol"));
        assertEquals(AgentState.NODE_ADDRESS, entry.getNode().getAddress());
        assertEquals(AgentState.NODE, entry.getNode().getNode());
        assertTrue(entry.getNode().getTaggedAddresses().isPresent());
        assertEquals(1, entry.getService().getWeights().orElseThrow().getPassing());
        assertEquals(2, entry.getChecks().size());
        assertEquals("serfHealth", entry.getChecks().get(0).getCheckId());
        assertEquals("service:logic-1", entry.getChecks().get(1).getCheckId());
        assertEquals("passing", entry.getChecks().get(1).getStatus());
        assertEquals("logic-1", entry.getChecks().get(1).getServiceId().orElseThrow());
        assertTrue(reply.getIndex().compareTo(BigInteger.ZERO) > 0);
        assertTrue(reply.isKnownLeader());
        assertEquals(0, reply.getLastContact());
    }

    @Test
    void healthRepliesParseWithConsulApi() {
        registerWithOrbitz("logic-1", "chat.logic", "10.0.0.5", List.of("gate", "zone-a"));

        Response<List<HealthService>> reply = ecwid.getHealthServices("chat.logic",
                HealthServicesRequest.newBuilder().setPassing(true).build());

        assertEquals(1, reply.getValue().size());
        HealthService entry = reply.getValue().get(0);
        assertEquals("logic-1", entry.getService().getId());
        assertEquals("chat.logic", entry.getService().getService());
        assertEquals("10.0.0.5", entry.getService().getAddress());
        assertEquals(8000, entry.getService().getPort());
        assertEquals(List.of("gate", "zone-a"), entry.getService().getTags());
        assertEquals("a", entry.getService().getMeta().get("zone"));
        assertEquals(AgentState.NODE_ADDRESS, entry.getNode().getAddress());
        assertEquals(AgentState.DATACENTER, entry.getNode().getDatacenter());
        assertEquals(2, entry.getChecks().size());
        assertEquals(HealthService.class, entry.getClass());
        assertEquals(com.ecwid.consul.v1.health.model.Check.CheckStatus.PASSING, entry.getChecks().get(1).getStatus());
        assertEquals("service:logic-1", entry.getChecks().get(1).getCheckId());
        assertTrue(reply.getConsulIndex() > 0);
        assertTrue(reply.isConsulKnownLeader());
    }

    @Test
    void agentListingsParseWithBothClients() {
        NewService service = new NewService();
        service.setId("api-1");
        service.setName("api");
        service.setPort(9000);
        service.setTags(List.of("v1"));
        NewService.Check check = new NewService.Check();
        check.setTtl("10s");
        check.setStatus("passing");
        service.setCheck(check);
        ecwid.agentServiceRegister(service);

        var viaEcwid = ecwid.getAgentServices().getValue();
        assertEquals(9000, viaEcwid.get("api-1").getPort());
        assertEquals(List.of("v1"), viaEcwid.get("api-1").getTags());
        assertEquals(com.ecwid.consul.v1.agent.model.Check.CheckStatus.PASSING,
                ecwid.getAgentChecks().getValue().get("service:api-1").getStatus());

        var viaOrbitz = orbitz.agentClient().getServices();
        assertEquals("api", viaOrbitz.get("api-1").getService());
        assertEquals("", viaOrbitz.get("api-1").getAddress());
        assertEquals("passing", orbitz.agentClient().getChecks().get("service:api-1").getStatus());
    }

    @Test
    void ttlCheckTurnsCriticalWhenNotPassedAndPassingAgainWhenPassed() throws Exception {
        registerWithOrbitz("logic-1", "chat.logic", "10.0.0.5", List.of());
        clock.advance(Duration.ofSeconds(16));
        emulator.tick();
        assertEquals("critical", emulator.checkStatus("service:logic-1"));
        assertTrue(orbitz.healthClient().getHealthyServiceInstances("chat.logic").getResponse().isEmpty());
        assertEquals(1, orbitz.healthClient().getAllServiceInstances("chat.logic").getResponse().size());

        orbitz.agentClient().pass("logic-1");
        assertEquals("passing", emulator.checkStatus("service:logic-1"));
        assertEquals(1, orbitz.healthClient().getHealthyServiceInstances("chat.logic").getResponse().size());
    }

    @Test
    void reaperRemovesCriticalServicesNoSoonerThanItsFloor() {
        registerWithOrbitz("logic-1", "chat.logic", "10.0.0.5", List.of());
        clock.advance(Duration.ofSeconds(16));
        emulator.tick();
        assertEquals("critical", emulator.checkStatus("service:logic-1"));

        clock.advance(Duration.ofSeconds(30)); // critical 30 s: past the 20 s asked, not the 1 min floor
        emulator.tick();
        assertEquals(List.of("logic-1"), emulator.serviceIds());

        clock.advance(Duration.ofSeconds(31)); // critical 61 s, reaper due
        emulator.tick();
        assertEquals(List.of(), emulator.serviceIds());
    }

    @Test
    void httpAndTcpChecksAreRunByTheAgent() throws Exception {
        emulator.clock(java.time.Clock.systemUTC());
        String self = emulator.url() + "/v1/agent/self";
        assertEquals(200, put("/v1/agent/service/register", "{\"ID\":\"h\",\"Name\":\"web\",\"Port\":80,"
                + "\"Check\":{\"HTTP\":\"" + self + "\",\"Interval\":\"1s\",\"Timeout\":\"1s\"}}").statusCode());
        assertEquals(200, put("/v1/agent/service/register", "{\"ID\":\"t\",\"Name\":\"web\",\"Port\":80,"
                + "\"Check\":{\"TCP\":\"" + emulator.hostPort() + "\",\"Interval\":\"1s\"}}").statusCode());
        assertEquals(200, put("/v1/agent/service/register", "{\"ID\":\"down\",\"Name\":\"web\",\"Port\":80,"
                + "\"check\":{\"tcp\":\"127.0.0.1:1\",\"interval\":\"1s\"}}").statusCode());
        assertEquals("critical", emulator.checkStatus("service:h"), "checks start critical");

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() ->
                "passing".equals(emulator.checkStatus("service:h")) && "passing".equals(emulator.checkStatus("service:t")));
        assertEquals("critical", emulator.checkStatus("service:down"));
        assertEquals(2, orbitz.healthClient().getHealthyServiceInstances("web").getResponse().size());
    }

    @Test
    void blockingQueryWaitsForAChangeAndReturnsTheNewIndex() throws Exception {
        registerWithOrbitz("logic-1", "chat.logic", "10.0.0.5", List.of());
        long index = emulator.index("chat.logic");

        long started = System.nanoTime();
        HttpResponse<String> quiet = get("/v1/health/service/chat.logic?passing&index=" + index + "&wait=300ms");
        assertTrue(System.nanoTime() - started >= Duration.ofMillis(290).toNanos(), "held for the wait");
        assertEquals(String.valueOf(index), quiet.headers().firstValue("X-Consul-Index").orElseThrow());

        // the change comes while the query is held, so it is the change that must not end the wait
        Thread change = new Thread(() -> {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> emulator.openBlockingQueries() == 1);
            registerWithOrbitz("logic-2", "chat.logic", "10.0.0.6", List.of());
        });
        started = System.nanoTime();
        change.start();
        HttpResponse<String> changed = get("/v1/health/service/chat.logic?passing&index=" + index + "&wait=10s");
        change.join();
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(5).toNanos(), "returned on the change");
        assertTrue(Long.parseLong(changed.headers().firstValue("X-Consul-Index").orElseThrow()) > index);
        assertTrue(changed.body().contains("logic-2"));
        assertEquals("true", changed.headers().firstValue("X-Consul-KnownLeader").orElseThrow());
        assertEquals("0", changed.headers().firstValue("X-Consul-LastContact").orElseThrow());
    }

    @Test
    void aChangeAnswersBlockedQueriesWithoutTheirTakingTheAgentsLock() throws Exception {
        // Consul readies every blocked query when a commit closes their watch channels, and each
        // reads its own snapshot: none waits for another's reply, nor for the agent's lock
        registerWithOrbitz("logic-1", "chat.logic", "10.0.0.5", List.of());
        long index = emulator.index("chat.logic");
        java.util.concurrent.CompletableFuture<HttpResponse<String>> held = http.sendAsync(HttpRequest.newBuilder(
                URI.create(emulator.url() + "/v1/health/service/chat.logic?passing&index=" + index + "&wait=10s")).build(),
                HttpResponse.BodyHandlers.ofString());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> emulator.openBlockingQueries() == 1);
        AgentState state = emulator.state();
        synchronized (state) {
            state.register(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                    "{\"ID\":\"logic-2\",\"Name\":\"chat.logic\",\"Address\":\"10.0.0.6\",\"Port\":8000}"), false);
            HttpResponse<String> answered = held.get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(answered.body().contains("logic-2"), answered.body());
        }
    }

    @Test
    void heartbeatsWithTheSameStatusDoNotMoveTheIndex() throws Exception {
        registerWithOrbitz("logic-1", "chat.logic", "10.0.0.5", List.of());
        long index = emulator.index("chat.logic");
        orbitz.agentClient().pass("logic-1");
        orbitz.agentClient().pass("logic-1", "still fine");
        assertEquals(index, emulator.index("chat.logic"));
    }

    @Test
    void repeatedTagsMeanAllOfThemAndOldAgentsUseOnlyTheFirst() {
        registerWithOrbitz("a", "svc", "10.0.0.1", List.of("gate", "zone-a"));
        registerWithOrbitz("b", "svc", "10.0.0.2", List.of("gate"));
        QueryOptions both = ImmutableQueryOptions.builder().addTag("gate").addTag("zone-a").build();

        assertEquals(1, orbitz.healthClient().getHealthyServiceInstances("svc", both).getResponse().size());
        emulator.legacyTagFilter(true);
        assertEquals(2, orbitz.healthClient().getHealthyServiceInstances("svc", both).getResponse().size());
    }

    @Test
    void idsArePercentDecodedFromThePath() throws Exception {
        registerWithOrbitz("a/b c", "svc", "10.0.0.1", List.of());
        assertEquals(List.of("a/b c"), emulator.serviceIds());
        assertEquals(200, put("/v1/agent/check/pass/service:a%2Fb%20c").statusCode());
        assertEquals(200, put("/v1/agent/service/deregister/a%2Fb%20c").statusCode());
        assertEquals(List.of(), emulator.serviceIds());
    }

    @Test
    void pathsThatGoWouldCleanAreRedirectedAsConsulsRouterDoes() throws Exception {
        HttpResponse<String> r = get("/v1/health/service/x%2F..%2Fchat.logic?passing");
        assertEquals(301, r.statusCode());
        assertEquals("/v1/health/service/chat.logic?passing", r.headers().firstValue("Location").orElseThrow());
        assertEquals(301, get("/v1/health/service/a%2F%2Fb").statusCode());
        assertEquals(200, get("/v1/health/service/a%2Fb").statusCode());
        assertEquals(200, get("/v1/health/service/a%2F").statusCode());
    }

    @Test
    void unknownIdsAndChecksAnswer404AndOldAgents500() throws Exception {
        assertEquals(404, put("/v1/agent/service/deregister/nope").statusCode());
        assertEquals(404, put("/v1/agent/check/pass/service:nope").statusCode());
        emulator.unknownCheckStatus(500);
        assertEquals(500, put("/v1/agent/check/pass/service:nope").statusCode());
        assertEquals(405, get("/v1/agent/service/register").statusCode());
    }

    @Test
    void metaBeyondConsulLimitsIsRefusedWith400() throws Exception {
        for (String meta : List.of("{\"a.b\":\"x\"}", "{\"consul-x\":\"x\"}", "{\"k\":\"" + "v".repeat(513) + "\"}",
                "{\"" + "k".repeat(129) + "\":\"v\"}")) {
            HttpResponse<String> r = put("/v1/agent/service/register", "{\"Name\":\"svc\",\"Meta\":" + meta + "}");
            assertEquals(400, r.statusCode(), meta);
            assertTrue(r.body().startsWith("Invalid Service Meta"), r.body());
        }
        assertEquals(List.of(), emulator.serviceIds());
    }

    @Test
    void faultsAnswerAsABrokenAgentWould() throws Exception {
        emulator.fault(Fault.TOO_MANY_REQUESTS);
        assertEquals(429, get("/v1/health/service/svc").statusCode());
        emulator.fault(Fault.UNAVAILABLE, "/v1/health/");
        assertEquals(503, get("/v1/health/service/svc").statusCode());
        assertEquals(200, get("/v1/agent/services").statusCode());
        emulator.fault(Fault.MALFORMED_JSON);
        String body = get("/v1/health/service/svc").body();
        assertThrows(IOException.class, () -> new com.fasterxml.jackson.databind.ObjectMapper().readTree(body));
        emulator.fault(Fault.CLOSE_CONNECTION);
        assertThrows(IOException.class, () -> get("/v1/health/service/svc"));
        emulator.fault(Fault.NONE);

        emulator.setReachable(false);
        assertThrows(ConnectException.class, () -> get("/v1/health/service/svc"));
        emulator.setReachable(true);
        assertEquals(200, get("/v1/health/service/svc").statusCode());
    }

    @Test
    void aSnapshotRestoreWakesBlockedQueriesWithTheLowerIndex() throws Exception {
        registerWithOrbitz("logic-1", "chat.logic", "10.0.0.5", List.of());
        long before = emulator.index("chat.logic");
        java.util.concurrent.CompletableFuture<HttpResponse<String>> blocked = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> uncheckedGet("/v1/health/service/chat.logic?index=" + before + "&wait=10s"));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> emulator.openBlockingQueries() == 1);

        emulator.indexGoesBackwards();
        // answered within 5 s of a 10 s wait: woken by the restore
        HttpResponse<String> r = blocked.get(5, java.util.concurrent.TimeUnit.SECONDS);

        assertTrue(Long.parseLong(r.headers().firstValue("X-Consul-Index").orElseThrow()) < before,
                "answered with the lower index: " + r.headers().map());
    }

    @Test
    void aQueryWithAnIndexBeyondTheAgentsIsHeldUntilTheIndexPassesIt() throws Exception {
        registerWithOrbitz("logic-1", "chat.logic", "10.0.0.5", List.of());
        long old = emulator.index("chat.logic");
        emulator.restartAgent(); // the index starts again from 1: a client still holds `old`

        long started = System.nanoTime();
        // the change comes while the query is held, so it is the change that must not end the wait
        Thread change = new Thread(() -> {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> emulator.openBlockingQueries() == 1);
            registerWithOrbitz("logic-2", "chat.logic", "10.0.0.6", List.of());
        });
        change.start();
        HttpResponse<String> held = get("/v1/health/service/chat.logic?index=" + old + "&wait=400ms");
        change.join();

        assertTrue(System.nanoTime() - started >= Duration.ofMillis(390).toNanos(),
                "held for the whole wait: a change that leaves the index at or below " + old + " does not end it");
        assertTrue(Long.parseLong(held.headers().firstValue("X-Consul-Index").orElseThrow()) <= old);
        assertTrue(held.body().contains("logic-2"), "the answer is the current list: " + held.body());

        Thread passing = new Thread(() -> {
            for (int i = 0; emulator.index("chat.logic") <= old && i < 50; i++) {
                registerWithOrbitz("logic-" + (10 + i), "chat.logic", "10.0.0.7", List.of());
            }
        });
        started = System.nanoTime();
        passing.start();
        HttpResponse<String> passed = get("/v1/health/service/chat.logic?index=" + old + "&wait=10s");
        passing.join();
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(5).toNanos(), "returned once the index passed");
        assertTrue(Long.parseLong(passed.headers().firstValue("X-Consul-Index").orElseThrow()) > old);
    }

    @Test
    void aRegistrationReachesHealthReadsOnlyWhenTheAgentHasSyncedIt() throws Exception {
        try (ConsulEmulator syncing = ConsulEmulator.builder().syncDelay(Duration.ofSeconds(1)).start()) {
            String health = syncing.url() + "/v1/health/service/web";
            long before = syncing.index("web");
            HttpResponse<String> registered = http.send(HttpRequest.newBuilder(
                    URI.create(syncing.url() + "/v1/agent/service/register"))
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"ID\":\"web-1\",\"Name\":\"web\",\"Port\":80}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, registered.statusCode());

            assertEquals(List.of("web-1"), syncing.serviceIds(), "the agent holds it at once");
            HttpResponse<String> early = http.send(HttpRequest.newBuilder(URI.create(health)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("[]", early.body(), "the catalog does not list it before the sync");
            assertEquals(String.valueOf(before), early.headers().firstValue("X-Consul-Index").orElseThrow());

            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> http.send(
                    HttpRequest.newBuilder(URI.create(health)).build(), HttpResponse.BodyHandlers.ofString())
                    .body().contains("web-1"));
            assertTrue(syncing.index("web") > before);

            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(syncing.url() + "/v1/agent/service/deregister/web-1"))
                    .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            assertTrue(http.send(HttpRequest.newBuilder(URI.create(health)).build(), HttpResponse.BodyHandlers.ofString())
                    .body().contains("web-1"), "a deregistration too reaches the catalog with the sync");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> http.send(
                    HttpRequest.newBuilder(URI.create(health)).build(), HttpResponse.BodyHandlers.ofString())
                    .body().equals("[]"));
        }
    }

    @Test
    void restartLosesEveryServiceAndCheck() throws Exception {
        registerWithOrbitz("logic-1", "chat.logic", "10.0.0.5", List.of());
        emulator.restartAgent();
        assertEquals(List.of(), emulator.serviceIds());
        assertEquals(404, put("/v1/agent/check/pass/service:logic-1").statusCode());
    }

    @Test
    void requestsAreRecordedWithTheirHeaders() throws Exception {
        emulator.requireToken("s3cret");
        Consul withToken = Consul.builder().withUrl(emulator.url()).withPing(false).withTokenAuth("s3cret").build();
        try {
            assertNotNull(withToken.agentClient().getServices());
        } finally {
            withToken.destroy();
        }
        RecordedRequest last = emulator.requests("/v1/agent/services").get(0);
        assertEquals("s3cret", last.header("X-Consul-Token"));
        assertFalse(last.uri().contains("s3cret"));
        assertNull(last.param("token"));
    }

    @Test
    void readsWithoutARightfulTokenAre200WithNothingAndTheFilteredHeader() throws Exception {
        registerWithOrbitz("logic-1", "chat.logic", "10.0.0.5", List.of());
        emulator.requireToken("s3cret");
        emulator.unprivilegedToken("weak");

        for (String token : java.util.Arrays.asList(null, "weak")) {
            // a request without a token is never told that something was hidden (maskResultsFilteredByACLs)
            String flag = token == null ? null : "true";
            HttpResponse<String> health = get("/v1/health/service/chat.logic?passing", token);
            assertEquals(200, health.statusCode(), "token " + token);
            assertEquals("[]", health.body());
            assertEquals(flag, health.headers().firstValue("X-Consul-Results-Filtered-By-ACLs").orElse(null));
            assertTrue(health.headers().firstValue("X-Consul-Index").isPresent());
            HttpResponse<String> services = get("/v1/agent/services", token);
            assertEquals(200, services.statusCode());
            assertEquals("{}", services.body());
            assertEquals(flag, services.headers().firstValue("X-Consul-Results-Filtered-By-ACLs").orElse(null));
        }
        HttpResponse<String> unknownService = get("/v1/health/service/nobody", "weak");
        assertEquals("[]", unknownService.body());
        assertTrue(unknownService.headers().firstValue("X-Consul-Results-Filtered-By-ACLs").isEmpty(),
                "nothing was left out: no header");
        HttpResponse<String> rightful = get("/v1/health/service/chat.logic?passing", "s3cret");
        assertTrue(rightful.body().contains("logic-1"));
        assertTrue(rightful.headers().firstValue("X-Consul-Results-Filtered-By-ACLs").isEmpty());

        HttpResponse<String> unknownToken = get("/v1/health/service/chat.logic", "nobody-knows-this");
        assertEquals(403, unknownToken.statusCode());
        assertEquals("ACL not found", unknownToken.body());
    }

    @Test
    void writesWithoutARightfulTokenAre403PermissionDenied() throws Exception {
        registerWithOrbitz("logic-1", "chat.logic", "10.0.0.5", List.of());
        emulator.requireToken("s3cret");
        emulator.unprivilegedToken("weak");
        String body = "{\"ID\":\"logic-2\",\"Name\":\"chat.logic\",\"Port\":8000}";

        HttpResponse<String> anonymous = put("/v1/agent/service/register", body);
        assertEquals(403, anonymous.statusCode());
        assertTrue(anonymous.body().startsWith("Permission denied: anonymous token lacks permission 'service:write'"
                + " on \"chat.logic\""), anonymous.body());
        HttpResponse<String> weak = send("PUT", "/v1/agent/service/register", body, "weak");
        assertEquals(403, weak.statusCode());
        assertTrue(weak.body().startsWith("Permission denied: token with AccessorID '"), weak.body());
        assertEquals(403, put("/v1/agent/check/pass/service:logic-1").statusCode());
        assertEquals(403, put("/v1/agent/service/deregister/logic-1").statusCode());
        assertEquals(403, put("/v1/agent/service/maintenance/logic-1?enable=true").statusCode());
        assertEquals(404, put("/v1/agent/service/deregister/nope").statusCode(), "an unknown id is still 404");
        assertEquals(403, get("/v1/agent/self", null).statusCode());
        assertEquals("ACL not found", send("PUT", "/v1/agent/service/register", body, "nobody-knows-this").body());

        assertEquals(200, send("PUT", "/v1/agent/service/register", body, "s3cret").statusCode());
        assertEquals(List.of("logic-1", "logic-2"), emulator.serviceIds());
    }

    @Test
    void maintenanceModeTakesAServiceOutOfPassingReadsAsTheAgentDoes() throws Exception {
        registerWithOrbitz("logic-1", "chat.logic", "10.0.0.5", List.of("gate"));
        assertEquals(400, put("/v1/agent/service/maintenance/logic-1").statusCode(), "enable is required");
        assertEquals(400, put("/v1/agent/service/maintenance/logic-1?enable=maybe").statusCode());
        assertEquals(404, put("/v1/agent/service/maintenance/nobody?enable=true").statusCode());

        assertEquals(200, put("/v1/agent/service/maintenance/logic-1?enable=true&reason=draining").statusCode());
        assertEquals(List.of(), orbitz.healthClient().getHealthyServiceInstances("chat.logic").getResponse());
        ServiceHealth all = orbitz.healthClient().getAllServiceInstances("chat.logic").getResponse().get(0);
        assertTrue(all.getChecks().stream().anyMatch(c -> c.getCheckId().equals("_service_maintenance:logic-1")
                && c.getStatus().equals("critical") && c.getNotes().orElse("").equals("draining")));

        assertEquals(200, put("/v1/agent/service/maintenance/logic-1?enable=false").statusCode());
        assertEquals(1, orbitz.healthClient().getHealthyServiceInstances("chat.logic").getResponse().size());
    }

    @Test
    void restartForgetsEverythingAndStartsTheIndexAgain() {
        registerWithOrbitz("logic-1", "chat.logic", "10.0.0.5", List.of("gate"));
        BigInteger before = orbitz.healthClient().getHealthyServiceInstances("chat.logic").getIndex();
        emulator.restartAgent();
        ConsulResponse<List<ServiceHealth>> after = orbitz.healthClient().getHealthyServiceInstances("chat.logic");
        assertEquals(List.of(), after.getResponse());
        assertTrue(after.getIndex().compareTo(before) < 0, "the index went back: " + before + " -> " + after.getIndex());
    }

    @Test
    void aReplyLongerThanGosBufferIsChunkedAndAShortOneHasALength() throws Exception {
        registerWithOrbitz("logic-1", "chat.logic", "10.0.0.5", List.of("gate"));
        for (int i = 0; i < 8; i++) {
            registerWithOrbitz("gate-" + i, "chat.gate", "10.0.1." + i, List.of("edge", "zone-a"));
        }
        try (ConsulEmulator jetty = ConsulEmulator.builder().jetty().syncDelay(Duration.ZERO).start()) {
            Consul toJetty = Consul.builder().withUrl(jetty.url()).withPing(false).build();
            for (int i = 0; i < 8; i++) {
                toJetty.agentClient().register(ImmutableRegistration.builder().id("gate-" + i).name("chat.gate")
                        .address("10.0.1." + i).port(8000).tags(List.of("edge", "zone-a")).build());
            }
            for (int port : new int[] {emulator.port(), jetty.port()}) {
                String longReply = rawHead(port, "/v1/health/service/chat.gate?passing=1");
                String shortReply = rawHead(port, "/v1/health/service/nothing.here?passing=1");

                assertTrue(longReply.toLowerCase(java.util.Locale.ROOT).contains("\r\ntransfer-encoding: chunked\r\n"),
                        longReply);
                assertFalse(longReply.toLowerCase(java.util.Locale.ROOT).contains("content-length"), longReply);
                assertTrue(shortReply.toLowerCase(java.util.Locale.ROOT).contains("\r\ncontent-length: 2\r\n"),
                        shortReply);
            }
            toJetty.destroy();
        }
    }

    /** The status line and headers of a GET on a kept-alive connection, as clients send it, read off the socket. */
    private static String rawHead(int port, String pathAndQuery) throws IOException {
        try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(15_000);
            s.getOutputStream().write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            StringBuilder head = new StringBuilder();
            java.io.InputStream in = s.getInputStream();
            while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    break;
                }
                head.append((char) c);
            }
            return head.toString();
        }
    }

    private HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(emulator.url() + pathAndQuery)).timeout(Duration.ofSeconds(15))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String pathAndQuery, String token) throws IOException, InterruptedException {
        return send("GET", pathAndQuery, "", token);
    }

    private HttpResponse<String> send(String method, String pathAndQuery, String body, String token)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(emulator.url() + pathAndQuery))
                .timeout(Duration.ofSeconds(15)).method(method, HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("X-Consul-Token", token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> uncheckedGet(String pathAndQuery) {
        try {
            return get(pathAndQuery);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> put(String pathAndQuery) throws IOException, InterruptedException {
        return put(pathAndQuery, "");
    }

    private HttpResponse<String> put(String pathAndQuery, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(emulator.url() + pathAndQuery)).timeout(Duration.ofSeconds(15))
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
