package dev.naming.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.ecwid.consul.v1.ConsulClient;
import com.ecwid.consul.v1.agent.model.NewService;
import dev.naming.ServiceInstance;
import dev.naming.consul.emulator.ConsulEmulator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How instances registered by other programs read back through find. */
class ConsulReadTest {

    private ConsulEmulator emulator;
    private ConsulNaming naming;
    private ConsulClient other;

    @BeforeEach
    void start() {
        emulator = ConsulEmulator.start();
        naming = FastConsul.connect("consul://" + emulator.hostPort());
        other = new ConsulClient("127.0.0.1", emulator.port());
    }

    @AfterEach
    void stop() {
        naming.close();
        emulator.close();
    }

    private void registerElsewhere(String id, String address, Map<String, String> meta) {
        NewService s = new NewService();
        s.setId(id);
        s.setName("legacy");
        s.setPort(7000);
        if (address != null) {
            s.setAddress(address);
        }
        s.setMeta(meta);
        other.agentServiceRegister(s);
    }

    @Test
    void addressFallsBackToTheNodeAddressWhenTheServiceHasNone() {
        registerElsewhere("no-address", null, Map.of());
        registerElsewhere("with-address", "10.1.1.1", Map.of());

        List<ServiceInstance> found = findLegacy(2);

        assertEquals("127.0.0.1", found.get(0).address());
        assertEquals("10.1.1.1", found.get(1).address());
    }

    @Test
    void protocolDefaultsToHttpWithoutOurMetaKeyAndIsNotPartOfMeta() {
        registerElsewhere("plain", "10.1.1.1", Map.of("zone", "a"));
        registerElsewhere("grpc", "10.1.1.2", Map.of("protocol", "grpc", "zone", "b"));

        List<ServiceInstance> found = findLegacy(2);

        assertEquals("grpc://10.1.1.2:7000", found.get(0).endpoint());
        assertEquals(Map.of("zone", "b"), found.get(0).meta());
        assertEquals("http://10.1.1.1:7000", found.get(1).endpoint());
        assertEquals(Map.of("zone", "a"), found.get(1).meta());
    }

    @Test
    void unknownServiceIsAnEmptyList() {
        assertEquals(List.of(), naming.find("nobody"));
    }

    /** The instances of {@code legacy} once the agent has synced all {@code count} to the catalog (anti-entropy). */
    private List<ServiceInstance> findLegacy(int count) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> naming.find("legacy").size() == count);
        return naming.find("legacy");
    }
}
