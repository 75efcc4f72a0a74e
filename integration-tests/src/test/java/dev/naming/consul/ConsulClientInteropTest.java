package dev.naming.consul;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.orbitz.consul.Consul;
import com.orbitz.consul.model.agent.ImmutableRegCheck;
import com.orbitz.consul.model.agent.ImmutableRegistration;
import com.orbitz.consul.model.health.ServiceHealth;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.consul.emulator.ConsulEmulator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Interoperability with programs that use consul-client (com.orbitz.consul), the client this
 * library used before and the benchmark's peer: each side sees what the other registered, with
 * the same fields.
 */
class ConsulClientInteropTest {

    private ConsulEmulator emulator;
    private ConsulNaming naming;
    private Consul other;

    @BeforeEach
    void start() {
        emulator = ConsulEmulator.start();
        naming = FastConsul.connect("consul://" + emulator.hostPort() + "?wait=1s");
        other = Consul.builder().withUrl("http://" + emulator.hostPort()).withPing(false).build();
    }

    @AfterEach
    void stop() {
        naming.close();
        other.destroy();
        emulator.close();
    }

    @Test
    void whatWeRegisterReadsBackThroughConsulClient() {
        naming.register(ServiceRegistration.builder().id("logic-1").name("chat.logic").address("10.0.0.5").port(8000)
                .protocol("ws").tags("gate", "zone-a").meta("weight", "10").build());

        com.orbitz.consul.model.health.Service agentView = other.agentClient().getServices().get("logic-1");
        assertEquals("chat.logic", agentView.getService());
        assertEquals("10.0.0.5", agentView.getAddress());
        assertEquals(8000, agentView.getPort());
        assertEquals(List.of("gate", "zone-a"), agentView.getTags());
        assertEquals(Map.of("protocol", "ws", "weight", "10"), agentView.getMeta());

        await().atMost(Duration.ofSeconds(5)).until(() ->
                other.healthClient().getHealthyServiceInstances("chat.logic").getResponse().size() == 1);
        ServiceHealth healthy = other.healthClient().getHealthyServiceInstances("chat.logic").getResponse().get(0);
        assertEquals("logic-1", healthy.getService().getId());
        assertTrue(healthy.getChecks().stream().anyMatch(c -> c.getCheckId().equals("service:logic-1")
                && c.getStatus().equals("passing")), healthy.getChecks().toString());
    }

    @Test
    void serviceRegisteredThroughConsulClientIsFoundAndWatched() throws Exception {
        List<List<ServiceInstance>> lists = new CopyOnWriteArrayList<>();
        naming.subscribe("billing", lists::add);
        await().atMost(Duration.ofSeconds(5)).until(() -> lists.size() == 1 && lists.get(0).isEmpty());

        other.agentClient().register(ImmutableRegistration.builder().id("billing-1").name("billing")
                .address("10.3.0.7").port(9090).addTags("v2").putMeta("team", "payments")
                .check(ImmutableRegCheck.builder().ttl("30s").status("passing").build()).build());

        await().atMost(Duration.ofSeconds(5)).until(() -> naming.find("billing", "v2").size() == 1);
        ServiceInstance b = naming.find("billing", "v2").get(0);
        assertEquals("http://10.3.0.7:9090", b.endpoint(), "no protocol in Meta: http");
        assertEquals(Map.of("team", "payments"), b.meta());
        await().atMost(Duration.ofSeconds(5)).until(() -> lists.get(lists.size() - 1).equals(List.of(b)));

        other.agentClient().fail("billing-1");
        await().atMost(Duration.ofSeconds(5)).until(() -> lists.get(lists.size() - 1).isEmpty());
        assertTrue(naming.find("billing").isEmpty(), "a failing check is not healthy");
    }
}
