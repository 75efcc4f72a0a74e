package dev.naming.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.spi.UriParameter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DiscoveryClientTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);

    /**
     * The future {@code sendAsync} returns completes only after a hand-off to
     * {@code CompletableFuture}'s default executor, which on a machine with fewer than three cores
     * starts a thread per task: the reply must reach the caller from the client's own workers.
     */
    @Test
    void aReplyIsHandedOnByTheClientsOwnWorkersNotByAThreadStartedForIt() throws Exception {
        try (HeldReplyServer server = new HeldReplyServer("{\"code\":0,\"message\":\"0\",\"ttl\":1,\"data\":{}}");
             DiscoveryClient client = new DiscoveryClient(new DiscoveryNodes(List.of(server.node())), DEADLINE,
                     UriParameter.DEFAULT_MAX_REPLY)) {
            CompletableFuture<Reply> reply = client.getAsync(server.node(), "fetchs",
                    new FormBody().add("env", "test").add("appid", "chat.logic"), DEADLINE);
            // attached before the reply exists, so it runs on the thread that completes the reply. Only
            // this stage is waited for: a thread waiting in reply.get() may run reply's dependents itself
            CompletableFuture<String> completedOn = reply.thenApply(r -> r.code() + " on " + Thread.currentThread().getName());
            server.release();
            String outcome = completedOn.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(outcome.startsWith(Reply.OK + " on naming-discovery-http-"), "reply completed: " + outcome);
        }
    }

    @Test
    void jsonDeeperLongerOrWithLongerNumbersThanTheProtocolsFailsNamingTheLimit() {
        String deep = "{\"code\":0,\"data\":" + "[".repeat(40) + "]".repeat(40) + "}";
        assertParseFails(deep, "answered JSON past a limit: Document nesting depth (33) exceeds the maximum allowed (32");
        String longString = "{\"code\":0,\"data\":{\"m\":\"" + "x".repeat(DiscoveryClient.MAX_STRING + 1) + "\"}}";
        assertParseFails(longString, "answered JSON past a limit: String value length (1048577) exceeds the maximum "
                + "allowed (1048576");
        String longNumber = "{\"code\":0,\"data\":{\"ts\":" + "9".repeat(33) + "}}";
        assertParseFails(longNumber, "answered JSON past a limit: Number value length (33) exceeds the maximum "
                + "allowed (32");
        // the protocol's own: a 19-digit timestamp, a metadata value of some size, 7 levels
        Reply ok = parse("{\"code\":0,\"data\":{\"a\":{\"instances\":{\"z\":[{\"metadata\":{\"k\":\""
                + "v".repeat(100_000) + "\"},\"addrs\":[\"http://h:1\"]}]},\"latest_timestamp\":1700000000000000000}}}");
        assertEquals(1700000000000000000L, ok.data().path("a").path("latest_timestamp").asLong());
    }

    private static void assertParseFails(String json, String expected) {
        NodeFailure e = assertThrows(NodeFailure.class, () -> parse(json));
        assertTrue(e.getMessage().startsWith("http://n:7171: fetchs " + expected), e.getMessage());
    }

    private static Reply parse(String json) {
        return DiscoveryClient.parse("http://n:7171", "fetchs",
                new java.io.ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }

    /** Answers one request on 127.0.0.1 with a fixed JSON body, once released. */
    private static final class HeldReplyServer implements AutoCloseable {
        private final ServerSocket listener;
        private final CountDownLatch released = new CountDownLatch(1);
        private final Thread thread;
        private volatile Socket connection;

        HeldReplyServer(String json) throws IOException {
            listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            thread = new Thread(() -> serve(body), "held-reply-server");
            thread.setDaemon(true);
            thread.start();
        }

        String node() {
            return "http://127.0.0.1:" + listener.getLocalPort();
        }

        void release() {
            released.countDown();
        }

        private void serve(byte[] body) {
            try {
                Socket s = listener.accept();
                connection = s;
                readHead(s.getInputStream());
                if (!released.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: "
                        + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
            } catch (IOException | InterruptedException e) {
                // closed by the test
            }
        }

        /** A GET has no body: the request ends with its blank line. */
        private static void readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                if (head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                    return;
                }
            }
        }

        @Override
        public void close() throws IOException {
            release();
            listener.close();
            Socket s = connection;
            if (s != null) {
                s.close();
            }
            try {
                thread.join(DEADLINE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
