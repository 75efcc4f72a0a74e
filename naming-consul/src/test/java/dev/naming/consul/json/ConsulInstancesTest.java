package dev.naming.consul.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.naming.ServiceInstance;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsulInstancesTest {

    private static String entry(String id, String address, int port, String meta) {
        return "{\"Node\":{\"Node\":\"n1\",\"Address\":\"192.168.0.9\"},\"Service\":{\"ID\":\"" + id
                + "\",\"Service\":\"svc\",\"Tags\":[\"b\",\"a\"],\"Address\":\"" + address + "\",\"Meta\":" + meta
                + ",\"Port\":" + port + "},\"Checks\":[]}";
    }

    private static List<ServiceInstance> read(String... entries) throws Exception {
        return parse("[" + String.join(",", entries) + "]");
    }

    private static List<ServiceInstance> parse(String json) throws Exception {
        return ConsulInstances.fromJson("svc", json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void addressFallsBackToTheNodeAndProtocolToHttp() throws Exception {
        List<ServiceInstance> found = read(entry("a", "", 80, "{}"), entry("b", "10.0.0.2", 81, "{\"protocol\":\"ws\",\"k\":\"v\"}"));
        assertEquals("http://192.168.0.9:80", found.get(0).endpoint());
        assertEquals("ws://10.0.0.2:81", found.get(1).endpoint());
        assertEquals(Map.of("k", "v"), found.get(1).meta());
        assertEquals(List.of("b", "a"), found.get(1).tags());
    }

    @Test
    void unusableEntriesAreSkippedAndRepeatedIdsKeptOnce() throws Exception {
        List<ServiceInstance> found = read(entry("a", "10.0.0.1", 0, "{}"), entry("b", "10.0.0.2", 81, "null"),
                entry("b", "10.0.0.3", 82, "{}"), entry("c", "10.0.0.4", 83, "{\"protocol\":\"not a scheme\"}"));
        assertEquals(List.of("b", "c"), found.stream().map(ServiceInstance::id).toList());
        assertEquals("10.0.0.2", found.get(0).address());
        assertEquals("http", found.get(1).protocol());
    }

    @Test
    void aReplyThatIsNotAHealthListIsAnError() {
        assertThrows(IllegalStateException.class, () -> parse("{}"));
        assertThrows(IllegalStateException.class, () -> parse("[{}]"));
        assertThrows(IllegalStateException.class, () -> parse("[{\"Service\":\"svc\"}]"));
        assertThrows(IllegalStateException.class, () -> parse("[1]"));
        assertThrows(java.io.IOException.class, () -> parse("[{\"Service\":{\"ID\":"));
    }

    @Test
    void fieldsAreReadInAnyOrderAndUnknownOnesSkipped() throws Exception {
        List<ServiceInstance> found = parse("[{\"Checks\":[{\"Status\":\"passing\",\"Definition\":{}}],"
                + "\"Service\":{\"Weights\":{\"Passing\":1},\"Port\":\"8080\",\"Meta\":{\"k\":null,\"protocol\":\"ws\"},"
                + "\"Tags\":[\"x\"],\"ID\":\"a\",\"Address\":\"\"},\"Node\":{\"Meta\":{\"m\":\"v\"},\"Address\":\"10.1.1.1\"}}]");
        assertEquals(List.of(new ServiceInstance("a", "svc", "10.1.1.1", 8080, "ws", List.of("x"), Map.of("k", ""))), found);
    }
}
