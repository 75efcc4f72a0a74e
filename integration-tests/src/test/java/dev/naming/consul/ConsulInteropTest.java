package dev.naming.consul;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ecwid.consul.v1.ConsulClient;
import com.ecwid.consul.v1.agent.model.NewService;
import com.ecwid.consul.v1.agent.model.Service;
import com.ecwid.consul.v1.health.HealthServicesRequest;
import com.ecwid.consul.v1.health.model.Check;
import com.ecwid.consul.v1.health.model.HealthService;
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
 * Interoperability with programs that use another Consul client (com.ecwid.consul:consul-api, as
 * Spring Cloud Consul does): each side sees what the other registered.
 */
class ConsulInteropTest {

    private ConsulEmulator emulator;
    private ConsulNaming naming;
    private ConsulClient other;

    @BeforeEach
    void start() {
        emulator = ConsulEmulator.start();
        naming = FastConsul.connect("consul://" + emulator.hostPort() + "?wait=1s");
        other = new ConsulClient("127.0.0.1", emulator.port());
    }

    @AfterEach
    void stop() {
        naming.close();
        emulator.close();
    }

    @Test
    void whatWeRegisterReadsBackThroughConsulApiWithProtocolTagsAndTtlCheck() {
        naming.register(ServiceRegistration.builder().id("logic-1").name("chat.logic").address("10.0.0.5").port(8000)
                .protocol("ws").tags("gate", "zone-a").meta("weight", "10").build());

        Service agentView = other.getAgentServices().getValue().get("logic-1");
        assertEquals("chat.logic", agentView.getService());
        assertEquals("10.0.0.5", agentView.getAddress());
        assertEquals(8000, agentView.getPort());
        assertEquals(List.of("gate", "zone-a"), agentView.getTags());
        assertEquals(Map.of("protocol", "ws", "weight", "10"), agentView.getMeta());

        // health reads show it once the agent has synced it to the catalog (anti-entropy)
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> other.getHealthServices(
                "chat.logic", HealthServicesRequest.newBuilder().setPassing(true).build()).getValue().size() == 1);
        List<HealthService> healthy = other.getHealthServices("chat.logic",
                HealthServicesRequest.newBuilder().setPassing(true).setTags(new String[] {"gate", "zone-a"}).build())
                .getValue();
        assertEquals(1, healthy.size());
        Check ttl = healthy.get(0).getChecks().stream().filter(c -> c.getCheckId().equals("service:logic-1"))
                .findFirst().orElseThrow();
        assertEquals(Check.CheckStatus.PASSING, ttl.getStatus());
        assertEquals("logic-1", ttl.getServiceId());
        assertEquals("ttl", emulator.check("service:logic-1").path("Type").asText());
        assertEquals(com.ecwid.consul.v1.agent.model.Check.CheckStatus.PASSING,
                other.getAgentChecks().getValue().get("service:logic-1").getStatus());
    }

    @Test
    void serviceRegisteredThroughConsulApiIsFoundAndWatched() {
        List<List<ServiceInstance>> lists = new CopyOnWriteArrayList<>();
        naming.subscribe("billing", lists::add);
        await().atMost(Duration.ofSeconds(5)).until(() -> lists.size() == 1 && lists.get(0).isEmpty());

        NewService s = new NewService();
        s.setId("billing-1");
        s.setName("billing");
        s.setAddress("10.3.0.7");
        s.setPort(9090);
        s.setTags(List.of("v2"));
        s.setMeta(Map.of("team", "payments"));
        NewService.Check check = new NewService.Check();
        check.setTtl("30s");
        check.setStatus("passing");
        s.setCheck(check);
        other.agentServiceRegister(s);

        // while subscribed, find answers from the watch's list: wait for the watch to see it
        await().atMost(Duration.ofSeconds(5)).until(() -> naming.find("billing", "v2").size() == 1);
        List<ServiceInstance> found = naming.find("billing", "v2");
        ServiceInstance b = found.get(0);
        assertEquals("http://10.3.0.7:9090", b.endpoint(), "no protocol in Meta: http");
        assertEquals(Map.of("team", "payments"), b.meta());
        await().atMost(Duration.ofSeconds(5)).until(() -> lists.get(lists.size() - 1).equals(found));

        other.agentCheckFail("service:billing-1");
        await().atMost(Duration.ofSeconds(5)).until(() -> lists.get(lists.size() - 1).isEmpty());
        assertTrue(naming.find("billing").isEmpty(), "a failing check is not healthy");
    }
}
