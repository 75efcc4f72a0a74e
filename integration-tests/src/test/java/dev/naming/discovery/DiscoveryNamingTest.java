package dev.naming.discovery;

import static dev.naming.discovery.DiscoveryTestSupport.ENV;
import static dev.naming.discovery.DiscoveryTestSupport.ZONE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.naming.Naming;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.Subscription;
import dev.naming.discovery.emulator.DiscoveryEmulator;
import dev.naming.discovery.emulator.RecordedRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The discovery backend against one emulator node: wire format, mapping, find, subscribe. */
class DiscoveryNamingTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);

    private DiscoveryEmulator server;

    @BeforeEach
    void start() {
        server = DiscoveryEmulator.start().hold(Duration.ofSeconds(1));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static ServiceRegistration logic(String id, int port) {
        return ServiceRegistration.builder().id(id).name("chat.logic").address("10.0.0.5").port(port)
                .protocol("ws").tags("gate", "zone-a").meta("weight", "10").build();
    }

    @Test
    void registerSendsAFormPostWithTheMappedInstance() throws Exception {
        try (Naming naming = DiscoveryTestSupport.connect(server)) {
            naming.register(logic("logic-1", 8000));
        }
        RecordedRequest register = server.requests("register").get(0);
        assertEquals("POST", register.method());
        assertEquals("application/x-www-form-urlencoded", register.contentType());
        assertEquals("", register.query());
        assertEquals("chat.logic", register.first("appid"));
        assertEquals("logic-1", register.first("hostname"));
        assertEquals(ZONE, register.first("zone"));
        assertEquals(ENV, register.first("env"));
        assertEquals("1", register.first("status"));
        assertEquals(List.of("ws://10.0.0.5:8000"), register.all("addrs"));
        JsonNode meta = new ObjectMapper().readTree(register.first("metadata"));
        assertEquals("10", meta.get("weight").asText());
        assertEquals("[\"gate\",\"zone-a\"]", meta.get("tags").asText());
        assertEquals("ws", meta.get("protocol").asText());
    }

    @Test
    void findReturnsTheRegisteredInstanceWithTagsProtocolAndMeta() {
        try (Naming naming = DiscoveryTestSupport.connect(server)) {
            naming.register(logic("logic-1", 8000));
            List<ServiceInstance> found = naming.find("chat.logic", "gate");
            assertEquals(List.of(logic("logic-1", 8000).instance()), found);
            assertEquals(List.of(), naming.find("chat.logic", "other-tag"));
            assertEquals(List.of(), naming.find("nobody.here"));
        }
    }

    @Test
    void closeCancelsWhatItRegistered() {
        try (Naming naming = DiscoveryTestSupport.connect(server)) {
            naming.register(logic("logic-1", 8000));
            assertEquals(1, server.instanceCount());
        }
        assertEquals(0, server.instanceCount());
        assertEquals(1, server.requests("cancel").size());
    }

    @Test
    void deregisterOfAnInstanceTheServerForgotIsNotAnError() {
        try (Naming naming = DiscoveryTestSupport.connect(server)) {
            naming.register(logic("logic-1", 8000));
            assertTrue(server.cancel(ENV, ZONE, "chat.logic", "logic-1"), "the server forgets the instance");

            // the cancel is sent and answered -404 (nothing to cancel): done, not a failure
            assertDoesNotThrow(() -> naming.deregister("logic-1"));
            List<RecordedRequest> cancels = server.requests("cancel");
            assertEquals(List.of("logic-1"), cancels.stream().map(r -> r.first("hostname")).toList());
            // an id this Naming never registered names no appid: nothing to send
            assertDoesNotThrow(() -> naming.deregister("never-registered"));
            assertEquals(1, server.requests("cancel").size());
        }
        // deregistered for good: close() has nothing left to cancel, and nothing came back
        assertEquals(1, server.requests("cancel").size());
        assertEquals(0, server.instanceCount());
    }

    @Test
    void registeringNeedsAZoneAndRejectsReservedMetaKeysBeforeAnyRequest() {
        try (Naming naming = DiscoveryTestSupport.connect(server)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> naming.register(
                    logic("x", 1).toBuilder().meta(Map.of("tags", "a")).build()));
            assertTrue(e.getMessage().contains("tags"), e.getMessage());
        }
        try (Naming naming = DiscoveryTestSupport.connect(server.address(), "zone=")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> naming.register(logic("x", 1)));
            assertTrue(e.getMessage().contains("ZONE"), e.getMessage());
        }
        assertEquals(List.of(), server.requests("register"));
    }

    @Test
    void subscriberGetsTheCurrentListThenEveryChange() {
        try (Naming writer = DiscoveryTestSupport.connect(server);
             Naming reader = DiscoveryTestSupport.connect(server)) {
            writer.register(logic("logic-1", 8000));
            DiscoveryTestSupport.Lists lists = new DiscoveryTestSupport.Lists();
            reader.subscribe("chat.logic", lists);
            await().atMost(DEADLINE).until(() -> List.of("logic-1").equals(lists.lastIds()));
            writer.register(logic("logic-2", 8001));
            await().atMost(DEADLINE).until(() -> List.of("logic-1", "logic-2").equals(lists.lastIds()));
            writer.deregister("logic-1");
            await().atMost(DEADLINE).until(() -> List.of("logic-2").equals(lists.lastIds()));
        }
    }

    @Test
    void unknownAppIsDeliveredAsEmptyAndStaysWatched() {
        try (Naming writer = DiscoveryTestSupport.connect(server);
             Naming reader = DiscoveryTestSupport.connect(server)) {
            DiscoveryTestSupport.Lists lists = new DiscoveryTestSupport.Lists();
            reader.subscribe("chat.logic", lists);
            await().atMost(DEADLINE).until(() -> List.of().equals(lists.lastIds()));
            writer.register(logic("logic-1", 8000));
            await().atMost(DEADLINE).until(() -> List.of("logic-1").equals(lists.lastIds()));
            assertEquals(2, lists.count());
        }
    }

    @Test
    void appGoingToZeroInstancesIsDeliveredAsEmpty() {
        try (Naming writer = DiscoveryTestSupport.connect(server);
             Naming reader = DiscoveryTestSupport.connect(server)) {
            writer.register(logic("logic-1", 8000));
            DiscoveryTestSupport.Lists lists = new DiscoveryTestSupport.Lists();
            reader.subscribe("chat.logic", lists);
            await().atMost(DEADLINE).until(() -> List.of("logic-1").equals(lists.lastIds()));
            writer.deregister("logic-1");
            // the server wakes no poller for a last-instance cancel: the confirmation after -304 finds it
            await().atMost(DEADLINE).until(() -> List.of().equals(lists.lastIds()));
            assertTrue(server.requests("fetchs").stream().anyMatch(r -> "2".equals(r.first("status"))));
        }
    }

    @Test
    void newlyWatchedAppJoinsWithoutWaitingOutTheHold() {
        server.hold(Duration.ofSeconds(30));
        // registered on the server as by other processes: a Naming that registers polls its own apps too
        try (Naming reader = DiscoveryTestSupport.connect(server.address(), "hold=30s")) {
            registerDirectly("chat.logic", "logic-1");
            registerDirectly("chat.gate", "gate-1");
            DiscoveryTestSupport.Lists logic = new DiscoveryTestSupport.Lists();
            reader.subscribe("chat.logic", logic);
            await().atMost(DEADLINE).until(() -> server.heldPolls() == 1);
            DiscoveryTestSupport.Lists gate = new DiscoveryTestSupport.Lists();
            reader.subscribe("chat.gate", gate);
            await().atMost(Duration.ofSeconds(3)).until(() -> List.of("gate-1").equals(gate.lastIds()));
            await().atMost(Duration.ofSeconds(3)).until(() -> server.requests("polls").stream()
                    .anyMatch(r -> r.all("appid").equals(List.of("chat.logic", "chat.gate", "infra.discovery"))));
            // the poll held before the join was aborted, not left hanging on the server
            await().atMost(Duration.ofSeconds(3)).until(() -> server.heldPolls() == 1);
            registerDirectly("chat.gate", "gate-2");
            await().atMost(Duration.ofSeconds(3)).until(() -> List.of("gate-1", "gate-2").equals(gate.lastIds()));
        }
    }

    private void registerDirectly(String appid, String hostname) {
        server.register(DiscoveryTestSupport.ENV, DiscoveryTestSupport.ZONE, appid, hostname,
                List.of("http://10.0.0.5:8000"), Map.of());
    }

    @Test
    void closingTheLastSubscriptionOfAnAppEndsThePollThatNamesIt() {
        server.hold(Duration.ofSeconds(30));
        try (Naming reader = DiscoveryTestSupport.connect(server.address(), "hold=30s")) {
            DiscoveryTestSupport.Lists logic = new DiscoveryTestSupport.Lists();
            Subscription subscription = reader.subscribe("chat.logic", logic);
            await().atMost(DEADLINE).until(() -> server.heldPolls() == 1);
            subscription.close();
            // no app is watched any more: the held poll must not wait out the 30 s hold
            await().atMost(Duration.ofSeconds(3)).until(() -> server.heldPolls() == 0);
            DiscoveryTestSupport.Lists gate = new DiscoveryTestSupport.Lists();
            reader.subscribe("chat.gate", gate);
            await().atMost(DEADLINE).until(() -> server.heldPolls() == 1);
            assertEquals(List.of("chat.gate", "infra.discovery"), server.requests("polls").get(server.requests("polls").size() - 1)
                    .all("appid"));
        }
    }

    @Test
    void pollsNameEveryAppWithItsOwnTimestampAndTheHostname() {
        try (Naming writer = DiscoveryTestSupport.connect(server);
             Naming reader = DiscoveryTestSupport.connect(server)) {
            writer.register(logic("logic-1", 8000));
            DiscoveryTestSupport.Lists a = new DiscoveryTestSupport.Lists();
            DiscoveryTestSupport.Lists b = new DiscoveryTestSupport.Lists();
            reader.subscribe("chat.logic", a);
            reader.subscribe("chat.gate", b);
            // the two apps, then infra.discovery, which every poll names so that a restarted node answers at once
            await().atMost(DEADLINE).until(() -> server.requests("polls").stream()
                    .anyMatch(r -> r.all("appid").size() == 3));
            RecordedRequest poll = server.requests("polls").stream().filter(r -> r.all("appid").size() == 3)
                    .findFirst().orElseThrow();
            assertEquals("infra.discovery", poll.all("appid").get(2));
            assertEquals("GET", poll.method());
            assertTrue(poll.first("hostname").startsWith("test-host-"), poll.first("hostname"));
            assertEquals(3, poll.all("latest_timestamp").size());
            long logicStamp = Long.parseLong(poll.all("latest_timestamp").get(0));
            assertTrue(logicStamp > 1L << 53, "nanosecond timestamps above 2^53 round-trip as long");
            assertEquals("0", poll.all("latest_timestamp").get(1));
        }
    }

    @Test
    void namingIsFoundThroughTheServiceLoader() {
        try (Naming naming = DiscoveryTestSupport.viaServiceLoader(server.address())) {
            assertNotNull(naming);
            assertTrue(naming instanceof DiscoveryNaming);
            assertFalse(naming.find("x").iterator().hasNext());
        }
    }

    @Test
    void readsCoverEveryZoneUnlessAZoneFilterIsSet() {
        server.register(ENV, "sh001", "chat.logic", "a", List.of("http://10.0.0.1:80"), Map.of());
        server.register(ENV, "sh002", "chat.logic", "b", List.of("http://10.0.0.2:80"), Map.of());
        try (Naming all = DiscoveryTestSupport.connect(server);
             Naming onlySh002 = DiscoveryTestSupport.connect(server.address(), "zoneFilter=sh002")) {
            assertEquals(List.of("a", "b"), all.find("chat.logic").stream().map(ServiceInstance::id).toList());
            assertEquals(List.of("b"), onlySh002.find("chat.logic").stream().map(ServiceInstance::id).toList());
            DiscoveryTestSupport.Lists lists = new DiscoveryTestSupport.Lists();
            onlySh002.subscribe("chat.logic", lists);
            await().atMost(DEADLINE).until(() -> List.of("b").equals(lists.lastIds()));
            assertTrue(server.requests("polls").stream().allMatch(r -> "sh002".equals(r.first("zone"))));
        }
    }

    @Test
    void httpAndTcpChecksAreAcceptedAndMeanRenewalOnly() {
        try (Naming naming = DiscoveryTestSupport.connect(server)) {
            naming.register(logic("logic-1", 8000).toBuilder()
                    .check(dev.naming.HealthCheck.http("http://10.0.0.5:8000/health")).build());
            naming.register(logic("logic-2", 8001).toBuilder().check(dev.naming.HealthCheck.tcp("10.0.0.5:8001")).build());
            await().atMost(DEADLINE).until(() -> server.requests("renew").size() >= 4);
            assertEquals(2, naming.find("chat.logic").size());
        }
    }

    @Test
    void noThreadIsLeftAfterClose() {
        Naming naming = DiscoveryTestSupport.connect(server);
        naming.register(logic("logic-1", 8000));
        DiscoveryTestSupport.Lists lists = new DiscoveryTestSupport.Lists();
        naming.subscribe("chat.logic", lists);
        await().atMost(DEADLINE).until(() -> List.of("logic-1").equals(lists.lastIds()));
        assertTrue(namingThreads().contains("naming-discovery-poll"), namingThreads().toString());
        assertTrue(namingThreads().contains("naming-discovery-keepalive"), namingThreads().toString());
        naming.close();
        await().atMost(DEADLINE).until(() -> namingThreads().isEmpty());
    }

    private static List<String> namingThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("naming-discovery")).sorted().toList();
    }
}
