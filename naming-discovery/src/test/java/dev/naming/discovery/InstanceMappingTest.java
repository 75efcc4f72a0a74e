package dev.naming.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InstanceMappingTest {

    private static JsonNode json(String s) throws Exception {
        return DiscoveryClient.JSON.readTree(s.replace('\'', '"'));
    }

    @Test
    void registrationRoundTripsThroughTheWireShape() throws Exception {
        ServiceRegistration r = ServiceRegistration.builder().id("logic-1").name("chat.logic").address("::1")
                .port(8000).protocol("ws").tags("gate", "b").meta("weight", "10").build();
        String addr = r.instance().endpoint();
        assertEquals("ws://[::1]:8000", addr);
        JsonNode node = json("{'hostname':'logic-1','status':1,'addrs':['" + addr + "'],'metadata':"
                + InstanceMapping.metadata(r).replace('"', '\'') + "}");
        assertEquals(Optional.of(r.instance()), InstanceMapping.instance("chat.logic", node));
    }

    @Test
    void addressMatchingTheProtocolWinsElseTheFirst() throws Exception {
        JsonNode node = json("{'hostname':'h','addrs':['grpc://1.1.1.1:9000,http://1.1.1.1:8000'],"
                + "'metadata':{'protocol':'http'}}");
        ServiceInstance i = InstanceMapping.instance("a", node).orElseThrow();
        assertEquals("http://1.1.1.1:8000", i.endpoint());
        JsonNode other = json("{'hostname':'h','addrs':['bogus','tcp://2.2.2.2:1/path','http://3.3.3.3:2'],"
                + "'metadata':{'w':1}}");
        ServiceInstance j = InstanceMapping.instance("a", other).orElseThrow();
        assertEquals("tcp://2.2.2.2:1", j.endpoint());
        assertEquals(Map.of("w", "1"), j.meta());
        assertEquals(List.of(), j.tags());
    }

    @Test
    void unreadableInstancesAreSkipped() throws Exception {
        assertTrue(InstanceMapping.instance("a", json("{'hostname':'h','addrs':['10.0.0.1:80']}")).isEmpty());
        assertTrue(InstanceMapping.instance("a", json("{'hostname':'','addrs':['http://h:1']}")).isEmpty());
    }

    @Test
    void malformedTagsAreNoTags() {
        assertEquals(List.of(), InstanceMapping.tags("gate,b"));
        assertEquals(List.of("gate", "b"), InstanceMapping.tags("[\"gate\",\"b\"]"));
    }

    @Test
    void onlyUpInstancesOfEveryZoneAreRead() throws Exception {
        JsonNode info = json("{'instances':{'z1':[{'hostname':'a','status':1,'addrs':['http://h:1']},"
                + "{'hostname':'b','status':2,'addrs':['http://h:2']}],'z2':[{'hostname':'c','status':1,"
                + "'addrs':['http://h:3']}],'z3':[]},'latest_timestamp':1700000000000000001}");
        assertEquals(List.of("a", "c"), InstanceMapping.instances("x", info).stream().map(ServiceInstance::id).toList());
    }
}
