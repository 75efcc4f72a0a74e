package dev.naming.consul;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The well-behaved agent behind a hostile one: the hostile servers of {@link ConsulHostileAgentTest}
 * pass every request they do not attack on to it (an emulator), so that blocking queries, indexes
 * and lists stay Consul's, and copy its answer back in their own protocol.
 */
final class AgentUpstream {

    /** What the hostile server copies back: the status, the index and the body. */
    record Answer(int status, String index, byte[] body) {
    }

    private final URI base;
    private final HttpClient client;

    AgentUpstream(String hostPort) {
        this.base = URI.create("http://" + hostPort);
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
    }

    /** Sends {@code method pathQuery} with {@code body} (or none) to the agent; a blocking query waits there. */
    CompletableFuture<Answer> forward(String method, String pathQuery, byte[] body) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(pathQuery))
                .method(method, body == null || body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body))
                // longer than any wait the tests give (1-2 s) with the agent's jitter
                .timeout(Duration.ofSeconds(30))
                .build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(r -> new Answer(r.statusCode(), r.headers().firstValue("X-Consul-Index").orElse(null),
                        r.body()));
    }

    /** Registers an instance without a check (passing at once) on the agent. */
    void register(String id, String service) throws IOException, InterruptedException {
        String json = "{\"ID\":\"" + id + "\",\"Name\":\"" + service + "\",\"Address\":\"10.0.0.1\",\"Port\":8080}";
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve("/v1/agent/service/register"))
                .PUT(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("register " + id + ": " + r.statusCode() + " " + r.body());
        }
    }
}
