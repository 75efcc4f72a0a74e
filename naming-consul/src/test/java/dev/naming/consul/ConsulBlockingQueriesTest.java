package dev.naming.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.NamingUri;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConsulBlockingQueriesTest {

    private static ConsulBlockingQueries queries(String uri) {
        return new ConsulBlockingQueries(ConsulConfig.from(NamingUri.parse(uri), name -> null));
    }

    @Test
    void firstReadDoesNotBlockAndLaterOnesCarryIndexAndWait() {
        ConsulBlockingQueries q = queries("consul://10.0.0.1:8500?dc=dc2&wait=30s");
        assertEquals("http://10.0.0.1:8500/v1/health/service/chat.logic?passing=1&dc=dc2",
                q.request(0, "chat.logic", 0).uri().toString());
        HttpRequest blocking = q.request(0, "chat.logic", 42);
        assertEquals("http://10.0.0.1:8500/v1/health/service/chat.logic?passing=1&dc=dc2&index=42&wait=30s",
                blocking.uri().toString());
        assertEquals(Duration.ofSeconds(30).plus(Duration.ofMillis(1875)).plusSeconds(5), blocking.timeout().orElseThrow());
    }

    @Test
    void theNameIsOneEncodedSegmentAndTheTokenOnlyAHeader() {
        HttpRequest r = queries("consul://h:8500?token=t0ken-value").request(0, "a/b?c#d e", 0);
        assertEquals("/v1/health/service/a%2Fb%3Fc%23d%20e", r.uri().getRawPath());
        assertEquals("t0ken-value", r.headers().firstValue("X-Consul-Token").orElseThrow());
        assertFalse(r.uri().toString().contains("t0ken-value"));
    }

    @Test
    void indexHeaderIsReadAsAnUnsignedNumber() {
        assertEquals(0, ConsulBlockingQueries.parseIndex(Optional.empty()));
        assertEquals(0, ConsulBlockingQueries.parseIndex(Optional.of("junk")));
        assertEquals(17, ConsulBlockingQueries.parseIndex(Optional.of("17")));
        assertEquals(Long.MAX_VALUE, ConsulBlockingQueries.parseIndex(Optional.of("18446744073709551615")));
    }

    /** Log lines written to standard error (slf4j-simple looks it up on every line) while {@code action} runs. */
    private static List<String> errorLines(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        System.setErr(new PrintStream(copy, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return copy.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void oneWarningWhenPlainHttpWatchesNearTheAgentsConnectionLimit() {
        try (ConsulBlockingQueries q = queries("consul://10.0.0.1:8500")) {
            List<String> upToTheLimit = errorLines(() -> {
                for (int i = 0; i < ConsulBlockingQueries.PLAIN_HTTP_WARNING; i++) {
                    q.join();
                }
            });
            List<String> past = errorLines(() -> {
                for (int i = 0; i < 50; i++) {
                    q.join();
                }
            });

            assertEquals(List.of(), upToTheLimit.stream().filter(l -> l.contains("WARN")).toList());
            List<String> warnings = past.stream().filter(l -> l.contains("WARN")).toList();
            assertEquals(1, warnings.size(), past.toString());
            assertTrue(warnings.get(0).contains("181 services are watched over plain HTTP")
                    && warnings.get(0).contains("tls=true"), warnings.get(0));
            assertEquals(1, q.lanes(), "plain HTTP: one client, a connection per pending query");
        }
    }

    @Test
    void aStoppedPlainHttpReaderIsReplacedOnTheNextRead() throws Exception {
        try (java.net.ServerSocket agent = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             ConsulBlockingQueries q = queries("consul://127.0.0.1:" + agent.getLocalPort())) {
            ConsulBlockingQueries.Lane lane = q.join();
            SelectorReads stopped = lane.reads();
            // as its selector thread dying leaves it: closed, every request failing
            stopped.close();
            java.util.concurrent.CompletableFuture<ConsulBlockingQueries.Reply> done = new java.util.concurrent.CompletableFuture<>();

            q.read(lane, 0, "chat.logic", 0, (reply, error) -> {
                if (error != null) {
                    done.completeExceptionally(error);
                } else {
                    done.complete(reply);
                }
            });
            try (java.net.Socket s = agent.accept()) {
                s.getInputStream().read(new byte[1024]);
                s.getOutputStream().write("HTTP/1.1 200 OK\r\nX-Consul-Index: 5\r\nContent-Length: 2\r\n\r\n[]"
                        .getBytes(StandardCharsets.ISO_8859_1));
                ConsulBlockingQueries.Reply reply = done.get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals(5, reply.index());
            }
            assertTrue(lane.reads() != stopped && lane.reads().usable(), "a new reader took its place");
        }
    }

    @Test
    void overTlsNoWarningAndOneLaneWhoseReaderSpeaksHttp2() {
        try (ConsulBlockingQueries q = queries("consul://10.0.0.1:8501?tls=true")) {
            List<String> lines = errorLines(() -> {
                for (int i = 0; i < 501; i++) {
                    q.join();
                }
            });

            assertEquals(List.of(), lines.stream().filter(l -> l.contains("WARN")).toList());
            // the reader opens a connection per 250 streams itself
            assertEquals(1, q.lanes());
            assertTrue(q.join().reads() instanceof Http2Reads);
            // the token goes as a never-indexed field, which no proxy on the way may put in a table
            assertEquals(List.of("X-Consul-Token"), ((Http2Reads) q.join().reads()).sensitive());
        }
    }
}
