package dev.naming.consul.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.naming.HealthCheck;
import dev.naming.ServiceRegistration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConsulJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ServiceRegistration.Builder registration() {
        return ServiceRegistration.builder().id("a").name("svc").address("10.0.0.1").port(80);
    }

    @Test
    void durationsAreWrittenAsGoReadsThem() {
        assertEquals("15s", ConsulJson.goDuration(Duration.ofSeconds(15)));
        assertEquals("1500ms", ConsulJson.goDuration(Duration.ofMillis(1500)));
        assertEquals("120s", ConsulJson.goDuration(Duration.ofMinutes(2)));
    }

    @Test
    void defaultRegistrationHasATtlCheckPassingAtOnceAndDeregisterAfter20s() throws Exception {
        JsonNode r = JSON.readTree(ConsulJson.registration(registration().protocol("ws").tags("b", "a")
                .meta("zone", "x").meta("empty", "").build()));
        assertEquals("a", r.get("ID").asText());
        assertEquals("svc", r.get("Name").asText());
        assertEquals("10.0.0.1", r.get("Address").asText());
        assertEquals(80, r.get("Port").asInt());
        assertEquals("[\"b\",\"a\"]", r.get("Tags").toString());
        JsonNode meta = r.get("Meta");
        assertEquals(3, meta.size());
        assertEquals("x", meta.get("zone").asText());
        assertEquals("", meta.get("empty").asText());
        assertEquals("ws", meta.get("protocol").asText());
        JsonNode check = r.get("Check");
        assertEquals("15s", check.get("TTL").asText());
        assertEquals("passing", check.get("Status").asText());
        assertEquals("20s", check.get("DeregisterCriticalServiceAfter").asText());
    }

    @Test
    void httpAndTcpChecksCarryTheirTargetIntervalAndTimeout() throws Exception {
        JsonNode http = JSON.readTree(ConsulJson.registration(registration()
                .check(HealthCheck.http("http://10.0.0.1/health")).build())).get("Check");
        assertEquals("http://10.0.0.1/health", http.get("HTTP").asText());
        assertEquals("10s", http.get("Interval").asText());
        assertEquals("1s", http.get("Timeout").asText());
        JsonNode tcp = JSON.readTree(ConsulJson.registration(registration()
                .check(HealthCheck.tcp("10.0.0.1:80")).build())).get("Check");
        assertEquals("10.0.0.1:80", tcp.get("TCP").asText());
        assertFalse(tcp.has("HTTP"));
    }

    @Test
    void noCheckMeansNoCheck() throws Exception {
        JsonNode r = JSON.readTree(ConsulJson.registration(registration().check(HealthCheck.none()).build()));
        assertFalse(r.has("Check"));
        assertFalse(r.has("Checks"));
    }

    @Test
    void namesWithQuotesAndControlCharactersStayInsideTheirStrings() throws Exception {
        JsonNode r = JSON.readTree(ConsulJson.registration(registration().meta("k", "\"},\"ID\":\"x\n").build()));
        assertEquals("a", r.get("ID").asText());
        assertEquals("\"},\"ID\":\"x\n", r.get("Meta").get("k").asText());
    }

    @Test
    void theServicesOfTheAgentAreReadByTheirIds() throws Exception {
        byte[] services = ("{\"web-1\":{\"ID\":\"web-1\",\"Tags\":[\"x\"],\"Service\":\"web\"},"
                + "\"a\":{\"ID\":\"a\"}}").getBytes(StandardCharsets.UTF_8);
        assertEquals(java.util.Optional.of("web"), ConsulJson.serviceName(services, "web-1"));
        assertEquals(java.util.Optional.of(""), ConsulJson.serviceName(services, "a"), "an entry without its name");
        assertEquals(java.util.Optional.empty(), ConsulJson.serviceName(services, "x"));
        assertThrows(java.io.IOException.class, () -> ConsulJson.serviceName("[]".getBytes(StandardCharsets.UTF_8), "a"));
    }

    @Test
    void aReplyNestedDeeperThanAnyConsulReplyIsRefused() {
        String value = "[".repeat(40) + "]".repeat(40);
        byte[] deep = ("[{\"Service\":{\"ID\":\"a\",\"Meta\":{\"k\":" + value + "}}}]").getBytes(StandardCharsets.UTF_8);
        assertThrows(StreamConstraintsException.class, () -> ConsulInstances.fromJson("svc", deep));
    }

    @Test
    void aStringLongerThanAnyConsulStringIsRefused() {
        String entry = "{\"Service\":{\"ID\":\"" + "x".repeat((1 << 20) + 1) + "\"}}";
        byte[] json = ("[" + entry + "]").getBytes(StandardCharsets.UTF_8);
        assertThrows(StreamConstraintsException.class, () -> ConsulInstances.fromJson("svc", json));
    }
}
