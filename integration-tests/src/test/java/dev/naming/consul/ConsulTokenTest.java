package dev.naming.consul;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.NamingException;
import dev.naming.NamingUri;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.consul.emulator.ConsulEmulator;
import dev.naming.consul.emulator.RecordedRequest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ACL token travels in the X-Consul-Token header only: never in a URL, a log line or toString(). */
class ConsulTokenTest {

    private static final String TOKEN = "5e1a7c3b-secret-acl-token";

    private ConsulEmulator emulator;
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    private PrintStream originalErr;

    @BeforeEach
    void start() {
        emulator = ConsulEmulator.start();
        emulator.requireToken(TOKEN);
        emulator.unprivilegedToken("weak");
        originalErr = System.err;
        // slf4j-simple writes to whatever System.err is at each call
        System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        System.setErr(originalErr);
        emulator.close();
    }

    private static ServiceRegistration logic(String id) {
        return ServiceRegistration.builder().id(id).name("chat.logic").address("10.0.0.5").port(8000)
                .check(dev.naming.HealthCheck.ttl(Duration.ofSeconds(1))).build();
    }

    @Test
    void tokenTravelsOnlyInTheHeaderOfEveryRequest() {
        List<List<ServiceInstance>> lists = new CopyOnWriteArrayList<>();
        try (ConsulNaming naming = FastConsul.connect("consul://" + emulator.hostPort() + "?wait=1s&token=" + TOKEN)) {
            naming.register(logic("logic-1"));
            await().atMost(Duration.ofSeconds(5)).until(() -> naming.find("chat.logic").size() == 1);
            naming.subscribe("chat.logic", lists::add);
            await().atMost(Duration.ofSeconds(5)).until(() -> !lists.isEmpty()
                    && emulator.requests("/v1/agent/check/pass/").size() >= 1);
            naming.deregister("logic-1");
        }

        List<RecordedRequest> all = emulator.requests();
        assertTrue(all.size() >= 5, all.toString());
        for (RecordedRequest r : all) {
            assertEquals(TOKEN, r.header("X-Consul-Token"), r.toString());
            assertFalse(r.uri().contains(TOKEN), r.uri());
            assertNull(r.param("token"), r.uri());
        }
    }

    @Test
    void tokenNeverAppearsInToStringErrorsOrLogs() {
        String wrong = "0000-wrong-secret-token";
        try (ConsulNaming naming = FastConsul.connect("consul://" + emulator.hostPort() + "?wait=1s&token=" + wrong)) {
            assertFalse(naming.toString().contains(wrong), naming.toString());
            assertTrue(naming.toString().contains("token=****"), naming.toString());
            NamingException refused = assertThrows(NamingException.class, () -> naming.register(logic("logic-1")));
            assertFalse(refused.getMessage().contains(wrong), refused.getMessage());
            assertTrue(refused.getMessage().contains("403") || refused.getMessage().contains("ACL"), refused.getMessage());
            naming.subscribe("chat.logic", list -> { });
            // the agent answers (its status needs no token) while this watch is refused: a failure of
            // the watch's own, logged at its second try
            await().atMost(Duration.ofSeconds(5)).until(() -> logs.toString(StandardCharsets.UTF_8).contains(
                    "watch of 'chat.logic'"));
        }
        String logged = logs.toString(StandardCharsets.UTF_8);
        assertFalse(logged.contains(wrong), logged);
    }

    @Test
    void aListTheTokenMayNotReadIsFlaggedAndWarnedOnceNamingTheTokenSetting() {
        List<List<ServiceInstance>> lists = new CopyOnWriteArrayList<>();
        try (ConsulNaming owner = FastConsul.connect("consul://" + emulator.hostPort() + "?token=" + TOKEN)) {
            owner.register(logic("logic-1"));
            owner.register(ServiceRegistration.builder().id("gate-1").name("chat.gate").address("10.0.0.6").port(9000)
                    .build());
            // in the catalog once the agent has synced them (anti-entropy): only then is there anything to filter
            await().atMost(Duration.ofSeconds(5)).until(() -> owner.find("chat.logic").size() == 1
                    && owner.find("chat.gate").size() == 1);
            // a token without read rights: a request without any is never told that something was hidden
            try (ConsulNaming reader = FastConsul.connect("consul://" + emulator.hostPort() + "?wait=1s&token=weak")) {
                assertEquals(List.of(), reader.find("chat.logic"));
                assertTrue(reader.resultsFiltered("chat.logic"), "an empty list the ACLs made is flagged");
                assertEquals(List.of(), reader.find("chat.gate"));
                assertTrue(reader.resultsFiltered("chat.gate"));
                assertEquals(List.of(), reader.find("nobody"));
                assertFalse(reader.resultsFiltered("nobody"), "nothing was left out of an unknown service's list");

                reader.subscribe("chat.logic", lists::add);
                await().atMost(Duration.ofSeconds(5)).until(() -> !lists.isEmpty()
                        && emulator.requests("/v1/health/service/chat.logic").size() >= 3);
                assertEquals(List.of(List.of()), lists);
                assertTrue(reader.resultsFiltered("chat.logic"), "the watch keeps the flag");
            }
            assertEquals(List.of("logic-1"), owner.find("chat.logic").stream().map(ServiceInstance::id).toList());
            assertFalse(owner.resultsFiltered("chat.logic"));
        }
        String logged = logs.toString(StandardCharsets.UTF_8);
        String warning = "because the ACL token may not read them";
        assertEquals(1, logged.split(warning, -1).length - 1, "one warning per Naming, not per reply: " + logged);
        String line = logged.lines().filter(l -> l.contains(warning)).findFirst().orElseThrow();
        assertTrue(line.contains("URI parameter token=") && line.contains("CONSUL_HTTP_TOKEN"), line);
        assertFalse(logged.contains(TOKEN), logged);
    }

    @Test
    void tokenAndAddressComeFromConsulsEnvironmentVariables() {
        Map<String, String> env = Map.of("CONSUL_HTTP_ADDR", "http://" + emulator.hostPort(),
                "CONSUL_HTTP_TOKEN", TOKEN);
        ConsulConfig config = ConsulConfig.from(NamingUri.parse("consul:"), env::get);
        assertFalse(config.toString().contains(TOKEN), config.toString());
        try (ConsulNaming naming = new ConsulNaming(config)) {
            naming.register(logic("logic-1"));
            assertEquals(List.of("logic-1"), emulator.serviceIds());
        }
    }
}
