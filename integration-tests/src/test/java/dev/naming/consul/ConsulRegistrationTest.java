package dev.naming.consul;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.naming.HealthCheck;
import dev.naming.NamingException;
import dev.naming.RegistrationPendingException;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.consul.emulator.ConsulEmulator;
import dev.naming.consul.emulator.Fault;
import dev.naming.consul.emulator.RecordedRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What register, deregister and the heartbeats send to the agent, and how they recover. */
class ConsulRegistrationTest {

    private ConsulEmulator emulator;
    private ConsulNaming naming;

    @BeforeEach
    void start() {
        emulator = ConsulEmulator.start();
        naming = FastConsul.connect("consul://" + emulator.hostPort());
    }

    @AfterEach
    void stop() {
        naming.close();
        emulator.close();
    }

    private static ServiceRegistration.Builder logic(String id) {
        return ServiceRegistration.builder().id(id).name("chat.logic").address("10.0.0.5").port(8000);
    }

    @Test
    void registerSendsTheInstanceWithProtocolInMetaAndAPassingTtlCheck() {
        naming.register(logic("logic-1").protocol("ws").tags("gate", "zone-a").meta("weight", "10").build());

        JsonNode service = emulator.service("logic-1");
        assertEquals("chat.logic", service.path("Service").asText());
        assertEquals("10.0.0.5", service.path("Address").asText());
        assertEquals(8000, service.path("Port").asInt());
        assertEquals("[\"gate\",\"zone-a\"]", service.path("Tags").toString());
        assertEquals("ws", service.path("Meta").path("protocol").asText());
        assertEquals("10", service.path("Meta").path("weight").asText());
        JsonNode check = emulator.check("service:logic-1");
        assertEquals("ttl", check.path("Type").asText());
        assertEquals("passing", check.path("Status").asText(), "visible at once");
        assertEquals("20s", check.path("Definition").path("DeregisterCriticalServiceAfter").asText());
        String body = emulator.requests("/v1/agent/service/register").get(0).body();
        assertTrue(body.contains("\"TTL\":\"15s\""), body);
        // health reads show it once the agent has synced it to the catalog (anti-entropy)
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(List.of("logic-1"),
                naming.find("chat.logic", "gate").stream().map(ServiceInstance::id).toList()));
        assertEquals("ws://10.0.0.5:8000", naming.find("chat.logic").get(0).endpoint());
    }

    @Test
    void httpTcpAndNoCheckAreRegisteredAsAsked() {
        naming.register(logic("h").check(HealthCheck.http("http://127.0.0.1:1/health"))
                .deregisterCriticalAfter(Duration.ofSeconds(90)).build());
        naming.register(logic("t").check(HealthCheck.tcp("127.0.0.1:1")).build());
        naming.register(logic("n").check(HealthCheck.none()).build());

        List<RecordedRequest> writes = emulator.requests("/v1/agent/service/register");
        assertTrue(writes.get(0).body().contains("\"HTTP\":\"http://127.0.0.1:1/health\""), writes.get(0).body());
        assertTrue(writes.get(0).body().contains("\"Interval\":\"10s\""), writes.get(0).body());
        assertTrue(writes.get(0).body().contains("\"Timeout\":\"1s\""), writes.get(0).body());
        assertTrue(writes.get(0).body().contains("\"DeregisterCriticalServiceAfter\":\"90s\""), writes.get(0).body());
        assertEquals("http", emulator.check("service:h").path("Type").asText());
        assertEquals("tcp", emulator.check("service:t").path("Type").asText());
        assertTrue(writes.get(1).body().contains("\"TCP\":\"127.0.0.1:1\""), writes.get(1).body());
        assertNull(emulator.check("service:n"));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(List.of("n"),
                naming.find("chat.logic").stream().map(ServiceInstance::id).toList()));
    }

    @Test
    void ttlCheckIsPassedEveryThirdOfItsTtl() {
        naming.register(logic("logic-1").check(HealthCheck.ttl(Duration.ofSeconds(3))).build());
        emulator.clearRequests();

        long started = System.nanoTime();
        await().atMost(Duration.ofSeconds(3)).until(() ->
                emulator.requests("/v1/agent/check/pass/service:logic-1").size() >= 2);
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(tookMillis >= 1900, "two passes of a 3 s TTL take about 2 s, took " + tookMillis + " ms");
        assertEquals("passing", emulator.checkStatus("service:logic-1"));
    }

    @Test
    void reRegistersAfterTheAgentLostItsState() {
        naming.register(logic("logic-1").check(HealthCheck.ttl(Duration.ofSeconds(1))).build());
        emulator.restartAgent();

        await().atMost(Duration.ofSeconds(3)).until(() -> emulator.serviceIds().equals(List.of("logic-1")));
        assertEquals("passing", emulator.checkStatus("service:logic-1"));
    }

    @Test
    void reRegistersWhenAnOlderAgentAnswers500ToThePass() {
        emulator.unknownCheckStatus(500);
        naming.register(logic("logic-1").check(HealthCheck.ttl(Duration.ofSeconds(1))).build());
        emulator.restartAgent();

        await().atMost(Duration.ofSeconds(3)).until(() -> emulator.serviceIds().equals(List.of("logic-1")));
    }

    @Test
    void reRegistersAnInstanceWithoutTtlAfterTheAgentLostIt() {
        naming.register(logic("logic-1").check(HealthCheck.none()).build());
        emulator.restartAgent();

        await().atMost(Duration.ofSeconds(3)).until(() -> emulator.serviceIds().equals(List.of("logic-1")));
    }

    @Test
    void aRefusedUpdateKeepsThePreviousRegistrationAlive() {
        naming.register(logic("logic-1").check(HealthCheck.ttl(Duration.ofSeconds(1))).build());
        emulator.fault(Fault.PERMISSION_DENIED, "/v1/agent/service/register");
        NamingException refused = assertThrows(NamingException.class, () -> naming.register(logic("logic-1")
                .port(9000).check(HealthCheck.ttl(Duration.ofSeconds(1))).build()));
        assertFalse(refused instanceof RegistrationPendingException, "an answer is not an outage: " + refused);
        emulator.fault(Fault.NONE);
        emulator.clearRequests();

        await().atMost(Duration.ofSeconds(2)).until(() ->
                emulator.requests("/v1/agent/check/pass/service:logic-1").size() >= 3);
        assertEquals("passing", emulator.checkStatus("service:logic-1"));
        assertEquals(8000, emulator.service("logic-1").path("Port").asInt());
        assertEquals(List.of(), emulator.requests("/v1/agent/service/register"), "the refused update was retried");
    }

    @Test
    void anUpdateTheAgentFailsWith5xxIsKeptAndLandsOnceTheAgentRecovers() {
        naming.register(logic("logic-1").check(HealthCheck.ttl(Duration.ofSeconds(1))).build());
        emulator.fault(Fault.SERVER_ERROR, "/v1/agent/service/register");
        RegistrationPendingException pending = assertThrows(RegistrationPendingException.class,
                () -> naming.register(logic("logic-1").port(9000).check(HealthCheck.ttl(Duration.ofSeconds(1))).build()));
        assertEquals("logic-1", pending.serviceId());
        assertEquals(8000, emulator.service("logic-1").path("Port").asInt());
        emulator.fault(Fault.NONE);

        await().atMost(Duration.ofSeconds(2)).until(() -> emulator.service("logic-1").path("Port").asInt() == 9000);
        assertEquals("passing", emulator.checkStatus("service:logic-1"));
    }

    @Test
    void concurrentUpdatesOfOneIdLeaveNoHeartbeatBehindThatRegistersItAgainAfterDeregister() throws Exception {
        // slow answers: both updates read "no previous registration" before either is stored
        emulator.slowReplies(Duration.ofMillis(300));
        List<ServiceRegistration> versions = List.of(
                logic("logic-1").check(HealthCheck.ttl(Duration.ofSeconds(1))).build(),
                logic("logic-1").port(9000).check(HealthCheck.ttl(Duration.ofSeconds(1))).build());
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> calls = new ArrayList<>();
            for (ServiceRegistration version : versions) {
                calls.add(callers.submit(() -> {
                    go.await();
                    naming.register(version);
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> call : calls) {
                call.get(5, TimeUnit.SECONDS);
            }
        } finally {
            callers.shutdownNow();
        }
        emulator.slowReplies(Duration.ZERO);

        naming.deregister("logic-1");

        // a heartbeat of the update that lost the race would pass, get 404 and register it again
        await().during(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(3)).until(() ->
                emulator.serviceIds().isEmpty());
    }

    @Test
    void deregisterRemovesTheInstanceAndAnUnknownIdIsNotAnError() {
        naming.register(logic("logic-1").build());
        naming.deregister("logic-1");
        assertEquals(List.of(), emulator.serviceIds());
        assertDoesNotThrow(() -> naming.deregister("never-registered"));
        assertEquals(2, emulator.requests("/v1/agent/service/deregister/").size());
    }

    @Test
    void closeDeregistersWhatThisNamingRegistered() {
        try (ConsulNaming other = FastConsul.connect("consul://" + emulator.hostPort())) {
            other.register(logic("theirs").build());
            naming.register(logic("mine-1").build());
            naming.register(logic("mine-2").build());

            naming.close();

            assertEquals(List.of("theirs"), emulator.serviceIds());
            assertTrue(FastConsul.threads("naming-consul-keepalive").size() <= 1, "only the other naming's");
        }
    }

    @Test
    void idsNamesAndTagsAreEncodedSoTheyCannotChangeThePath() {
        naming.register(logic("a/b?c#d").name("svc/x y").tags("t&u=v").build());
        try (ConsulNaming reader = FastConsul.connect("consul://" + emulator.hostPort())) {
            reader.find("svc/x y", "t&u=v"); // the registering Naming may answer from its own service's watch
        }
        naming.deregister("a/b?c#d");

        // the find, and the watch the registering Naming keeps on its own service: each on the encoded path
        List<RecordedRequest> reads = emulator.requests("/v1/health/service/");
        assertEquals(reads, emulator.requests("/v1/health/service/svc%2Fx%20y"), emulator.requests().toString());
        assertEquals(List.of("t%26u%3Dv"), reads.stream().filter(r -> r.hasParam("tag")).map(r -> r.param("tag"))
                .toList(), emulator.requests().toString());
        assertEquals(1, emulator.requests("/v1/agent/service/deregister/a%2Fb%3Fc%23d").size(),
                emulator.requests().toString());
        emulator.clearRequests();
        for (String rewritten : List.of("..", ".", "x/../chat.logic", "a//b", "./a", "a/.", "/a")) {
            assertThrows(IllegalArgumentException.class, () -> naming.register(logic(rewritten).build()), rewritten);
            assertThrows(IllegalArgumentException.class, () -> naming.register(logic("ok").name(rewritten).build()));
            assertThrows(IllegalArgumentException.class, () -> naming.find(rewritten), rewritten);
            assertThrows(IllegalArgumentException.class, () -> naming.subscribe(rewritten, list -> { }), rewritten);
            assertThrows(IllegalArgumentException.class, () -> naming.deregister(rewritten), rewritten);
        }
        assertEquals(List.of(), emulator.requests(), "refused before any request");
    }

    @Test
    void metaIsCheckedAgainstConsulLimitsBeforeAnyRequest() {
        Map<String, String> tooMany = new LinkedHashMap<>();
        for (int i = 0; i < 64; i++) {
            tooMany.put("k" + i, "v");
        }
        List<ServiceRegistration> bad = List.of(
                logic("x").meta(tooMany).build(),                       // 64 + protocol > 64
                logic("x").meta("zone.name", "a").build(),              // dot
                logic("x").meta("k".repeat(129), "a").build(),          // key too long
                logic("x").meta("k", "v".repeat(513)).build(),          // value too long
                logic("x").meta("consul-version", "1").build(),         // reserved by Consul
                logic("x").meta("protocol", "ws").build());             // ours
        for (ServiceRegistration r : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> naming.register(r));
            assertTrue(e.getMessage().startsWith("meta"), e.getMessage());
        }
        assertEquals(List.of(), emulator.requests());

        tooMany.remove("k63");
        tooMany.remove("k62"); // 62 + one more + protocol = 64: the most Consul takes
        naming.register(logic("x").meta(tooMany).meta("k_-", "v".repeat(512)).build());
        assertEquals(List.of("x"), emulator.serviceIds());
    }

    @Test
    void tagsAreFilteredHereTooBecauseOldAgentsHonourOnlyTheFirst() {
        emulator.legacyTagFilter(true);
        naming.register(logic("a").tags("gate", "zone-a").build());
        naming.register(logic("b").tags("gate").build());

        // another Naming's find: the registering one answers from the watch of its own service
        try (ConsulNaming reader = FastConsul.connect("consul://" + emulator.hostPort())) {
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(List.of("a"),
                    reader.find("chat.logic", "gate", "zone-a").stream().map(ServiceInstance::id).toList()));
        }
        RecordedRequest read = emulator.requests("/v1/health/service/").stream().filter(r -> r.hasParam("tag"))
                .findFirst().orElseThrow();
        assertTrue(read.rawQuery().contains("tag=gate") && read.rawQuery().contains("tag=zone-a"), read.uri());
    }

    @Test
    void theConsulSchemeFindsThisBackendThroughServiceLoader() {
        try (dev.naming.Naming viaUri = dev.naming.Naming.connect("consul://" + emulator.hostPort())) {
            assertEquals(ConsulNaming.class, viaUri.getClass());
            viaUri.register(logic("via-uri").build());
            assertEquals(List.of("via-uri"), emulator.serviceIds());
        }
    }

    @Test
    void buildingANamingSendsNothingAndStartsNoThread() {
        emulator.clearRequests();
        List<String> before = FastConsul.threads("naming-consul-");
        try (var fresh = new ConsulProvider().create(dev.naming.NamingUri.parse("consul://" + emulator.hostPort()))) {
            assertEquals(List.of(), emulator.requests());
            assertEquals(before, FastConsul.threads("naming-consul-"));
            assertFalse(fresh.toString().isEmpty());
        }
    }
}
