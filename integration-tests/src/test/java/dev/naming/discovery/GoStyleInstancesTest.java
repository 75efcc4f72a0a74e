package dev.naming.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.naming.Naming;
import dev.naming.ServiceInstance;
import dev.naming.discovery.emulator.DiscoveryCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Instances registered by other clients (kratos' Go client and its replication) read correctly. */
class GoStyleInstancesTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** Registers the way the Go client does: no tags or protocol in metadata, addrs repeated. */
    private static void goRegister(String node, String appid, String hostname, List<String> addrs, String metadata)
            throws Exception {
        StringBuilder form = new StringBuilder("zone=sh001&env=test&status=1&region=sh&version=v1");
        form.append("&appid=").append(URLEncoder.encode(appid, StandardCharsets.UTF_8));
        form.append("&hostname=").append(URLEncoder.encode(hostname, StandardCharsets.UTF_8));
        for (String a : addrs) {
            form.append("&addrs=").append(URLEncoder.encode(a, StandardCharsets.UTF_8));
        }
        form.append("&metadata=").append(URLEncoder.encode(metadata, StandardCharsets.UTF_8));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + node + "/discovery/register"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(0, new ObjectMapper().readTree(r.body()).get("code").asInt(), r.body());
    }

    @Test
    void instancesRegisteredByAGoStyleClientAreReadCorrectly() throws Exception {
        try (DiscoveryCluster cluster = DiscoveryCluster.start(2)) {
            String node0 = cluster.node(0).address();
            goRegister(node0, "demo.service", "grpc-only", List.of("grpc://10.0.0.1:9000", "http://10.0.0.1:8000"),
                    "{\"weight\":\"10\",\"color\":\"red\"}");
            goRegister(node0, "demo.service", "odd-scheme", List.of("thrift://10.0.0.2:7000"), "{}");
            goRegister(node0, "demo.service", "with-protocol", List.of("grpc://10.0.0.3:9000", "http://10.0.0.3:8000"),
                    "{\"protocol\":\"http\",\"tags\":\"[\\\"gate\\\"]\"}");
            goRegister(node0, "demo.service", "no-address", List.of("not an address"), "{}");
            // node 1 holds the replicas, whose multiple addrs arrive joined by commas
            assertEquals(List.of("grpc://10.0.0.1:9000,http://10.0.0.1:8000"), cluster.node(1)
                    .instances("test", "demo.service").stream().filter(i -> i.hostname().equals("grpc-only"))
                    .findFirst().orElseThrow().addrs());
            for (String node : List.of(node0, cluster.node(1).address())) {
                try (Naming naming = DiscoveryTestSupport.connect(node, "")) {
                    List<ServiceInstance> found = naming.find("demo.service");
                    assertEquals(List.of(
                            new ServiceInstance("grpc-only", "demo.service", "10.0.0.1", 9000, "grpc", List.of(),
                                    Map.of("weight", "10", "color", "red")),
                            new ServiceInstance("odd-scheme", "demo.service", "10.0.0.2", 7000, "thrift", List.of(),
                                    Map.of()),
                            new ServiceInstance("with-protocol", "demo.service", "10.0.0.3", 8000, "http",
                                    List.of("gate"), Map.of())), found, "read from " + node);
                    assertEquals(List.of("with-protocol"), naming.find("demo.service", "gate").stream()
                            .map(ServiceInstance::id).toList());
                }
            }
        }
    }
}
