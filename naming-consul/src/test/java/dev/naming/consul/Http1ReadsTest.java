package dev.naming.consul;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpConnectTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class Http1ReadsTest {

    private final Http1Reads reads = newReads();
    private final List<Script> servers = new ArrayList<>();

    private static Http1Reads newReads() {
        try {
            return new Http1Reads(Duration.ofSeconds(2));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void close() {
        reads.close();
        servers.forEach(Script::close);
    }

    /** What a scripted server does with one request: the bytes it writes back (in pieces), and whether it then closes. */
    private record Answer(List<byte[]> pieces, boolean closeAfter) {
        static Answer of(String reply) {
            return new Answer(List.of(reply.getBytes(StandardCharsets.ISO_8859_1)), false);
        }

        static Answer ofPieces(List<String> pieces, boolean closeAfter) {
            return new Answer(pieces.stream().map(p -> p.getBytes(StandardCharsets.ISO_8859_1)).toList(), closeAfter);
        }

        static Answer none(boolean closeAfter) {
            return new Answer(List.of(), closeAfter);
        }

        /** No answer: the request is held until the client closes the connection. */
        static Answer hold() {
            return new Answer(null, false);
        }
    }

    /**
     * A server on 127.0.0.1 that answers the requests it reads, in order, from a script; it notes
     * every request head and every connection. A {@code null} in the script: hold the request unanswered.
     */
    private final class Script implements AutoCloseable {
        final ServerSocket socket;
        final LinkedBlockingQueue<Answer> answers = new LinkedBlockingQueue<>();
        final List<String> requests = new CopyOnWriteArrayList<>();
        final AtomicInteger connections = new AtomicInteger();
        final CompletableFuture<Void> peerClosed = new CompletableFuture<>();
        final List<Socket> open = new CopyOnWriteArrayList<>();

        Script(Answer... script) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            answers.addAll(List.of(script));
            Thread acceptor = new Thread(this::accept, "script-server");
            acceptor.setDaemon(true);
            acceptor.start();
            servers.add(this);
        }

        int port() {
            return socket.getLocalPort();
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    s.setTcpNoDelay(true);
                    connections.incrementAndGet();
                    open.add(s);
                    Thread t = new Thread(() -> serve(s), "script-connection");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        peerClosed.complete(null);
                        return;
                    }
                    requests.add(head);
                    Answer answer = answers.poll(10, TimeUnit.SECONDS);
                    if (answer == null) {
                        return;
                    }
                    if (answer.pieces() == null) {
                        while (in.read() >= 0) {
                            // held until the client closes
                        }
                        peerClosed.complete(null);
                        return;
                    }
                    for (int i = 0; i < answer.pieces().size(); i++) {
                        if (i > 0) {
                            // apart in time, so that each piece reaches the client in a read of its own
                            Thread.sleep(5);
                        }
                        out.write(answer.pieces().get(i));
                        out.flush();
                    }
                    if (answer.closeAfter()) {
                        return;
                    }
                }
            } catch (IOException | InterruptedException e) {
                peerClosed.complete(null);
            }
        }

        private String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int c = in.read();
                if (c < 0) {
                    return null;
                }
                head.write(c);
                matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3))
                        ? matched + 1 : (c == '\r' ? 1 : 0);
            }
            return head.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() {
            try {
                socket.close();
                for (Socket s : open) {
                    s.close();
                }
            } catch (IOException ignored) {
                // test teardown
            }
        }
    }

    /** A request's outcome: the reply, or what it failed with. */
    private static final class Outcome implements Http1Reads.Handler {
        final CompletableFuture<Http1Reads.Response> result = new CompletableFuture<>();
        final List<String> threads = new CopyOnWriteArrayList<>();
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public void answered(Http1Reads.Response response) {
            threads.add(Thread.currentThread().getName());
            calls.incrementAndGet();
            result.complete(response);
        }

        @Override
        public void failed(Throwable error) {
            threads.add(Thread.currentThread().getName());
            calls.incrementAndGet();
            result.completeExceptionally(error);
        }

        Http1Reads.Response reply() throws Exception {
            return result.get(10, TimeUnit.SECONDS);
        }

        Throwable failure() throws InterruptedException, TimeoutException {
            try {
                Http1Reads.Response r = result.get(10, TimeUnit.SECONDS);
                throw new AssertionError("answered " + r.status() + ": " + body(r));
            } catch (ExecutionException e) {
                return e.getCause();
            } catch (CancellationException e) {
                // a future completed with a CancellationException throws it as it is
                return e;
            }
        }
    }

    private Outcome get(Script server, String target) {
        Outcome outcome = new Outcome();
        reads.get("127.0.0.1", server.port(), target, Map.of("X-Consul-Token", "secret"), Duration.ofSeconds(10), outcome);
        return outcome;
    }

    /** What a request fails with when the agent answers {@code reply}. */
    private Throwable failureFor(String reply) throws Exception {
        return get(new Script(Answer.of(reply)), "/a").failure();
    }

    private static String body(Http1Reads.Response r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static String reply(String body, String... headers) {
        StringBuilder b = new StringBuilder("HTTP/1.1 200 OK\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return b.append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n\r\n")
                .append(body).toString();
    }

    @Test
    void aReplyWithALengthIsReadAndItsConnectionServesTheNextRequest() throws Exception {
        Script server = new Script(Answer.of(reply("[1]", "X-Consul-Index: 7")), Answer.of(reply("[2]")));

        Outcome first = get(server, "/v1/health/service/a?passing=1");
        Http1Reads.Response r = first.reply();
        Outcome second = get(server, "/v1/health/service/a?passing=1&index=7&wait=5s");

        assertEquals(200, r.status());
        assertEquals("[1]", body(r));
        assertEquals("7", r.header("x-consul-index").orElseThrow(), "header names are case-insensitive");
        assertEquals("[2]", body(second.reply()));
        assertEquals(1, server.connections.get(), "the kept-alive connection carried both requests");
        String head = server.requests.get(1);
        assertTrue(head.startsWith("GET /v1/health/service/a?passing=1&index=7&wait=5s HTTP/1.1\r\n"), head);
        assertTrue(head.contains("\r\nHost: 127.0.0.1:" + server.port() + "\r\n"), head);
        assertTrue(head.contains("\r\nX-Consul-Token: secret\r\n"), head);
        assertEquals(List.of(Http1Reads.THREAD_NAME), first.threads, "handed on by the selector thread");
    }

    @Test
    void aChunkedReplyIsDecodedWhateverPiecesItComesIn() throws Exception {
        // Go's server chunks every reply longer than 2 KiB that sets no length, as Consul's do
        String body = "[" + "x".repeat(5000) + "]";
        String first = body.substring(0, 2000);
        String second = body.substring(2000);
        // cut inside a size line, inside an extension, inside data, between the CR and LF after
        // data, inside the last chunk's line, inside a trailer and before the final CRLF
        List<String> pieces = List.of(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Consul-Index: 9\r\n\r\n7d",
                "0\r\n" + first.substring(0, 700), first.substring(700) + "\r",
                "\n" + Integer.toHexString(second.length()) + ";na", "me=value\r\n" + second + "\r\n0",
                "\r\nX-Trai", "ler: t\r\n", "\r\n");
        Script server = new Script(Answer.ofPieces(pieces, false), Answer.of(reply("[]")));

        Http1Reads.Response r = get(server, "/a").reply();

        assertEquals(body, body(r));
        assertEquals("9", r.header("X-Consul-Index").orElseThrow());
        assertEquals("[]", body(get(server, "/b").reply()));
        assertEquals(1, server.connections.get(), "a chunked reply leaves the connection reusable");
    }

    @Test
    void aChunkSizeBeyondTheLimitFailsInsteadOfOverflowing() throws Exception {
        Throwable failure = failureFor("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n"
                + "7fffffffffffffff\r\n");

        assertTrue(failure.getMessage().contains("bad chunk size"), failure.getMessage());
    }

    @Test
    void aCodingOtherThanChunkedAloneIsRefused() throws Exception {
        Throwable failure = failureFor("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");

        assertTrue(failure.getMessage().contains("unsupported Transfer-Encoding"), failure.getMessage());
    }

    @Test
    void aReplyWithoutLengthEndsWhenTheAgentClosesAndItsConnectionIsNotReused() throws Exception {
        Script server = new Script(Answer.ofPieces(List.of("HTTP/1.1 200 OK\r\n\r\n", "[\"until", " close\"]"), true),
                Answer.of(reply("[]")));

        assertEquals("[\"until close\"]", body(get(server, "/a").reply()));
        assertEquals("[]", body(get(server, "/b").reply()));
        assertEquals(2, server.connections.get());
    }

    @Test
    void aReplyThatSaysConnectionCloseIsNotReused() throws Exception {
        Script server = new Script(Answer.ofPieces(List.of(reply("[1]", "Connection: close")), true),
                Answer.of(reply("[2]")));

        assertEquals("[1]", body(get(server, "/a").reply()));
        assertEquals("[2]", body(get(server, "/b").reply()));
        assertEquals(2, server.connections.get());
    }

    @Test
    void anInterimReplyIsSkipped() throws Exception {
        Script server = new Script(Answer.of("HTTP/1.1 100 Continue\r\n\r\n" + reply("[3]")));

        Http1Reads.Response r = get(server, "/a").reply();

        assertEquals(200, r.status());
        assertEquals("[3]", body(r));
    }

    @Test
    void aStatusOtherThan200ComesWithItsBody() throws Exception {
        Script server = new Script(Answer.of("HTTP/1.1 403 Forbidden\r\nContent-Length: 13\r\n\r\nACL not found"));

        Http1Reads.Response r = get(server, "/a").reply();

        assertEquals(403, r.status());
        assertEquals("ACL not found", body(r));
    }

    @Test
    void aRequestOnAKeptAliveConnectionTheAgentDroppedIsSentAgainOnANewOne() throws Exception {
        // the agent reads the second request on the kept-alive connection and closes it unanswered
        Script server = new Script(Answer.of(reply("[1]")), Answer.none(true), Answer.of(reply("[2]")));

        assertEquals("[1]", body(get(server, "/a").reply()));
        Http1Reads.Response second = get(server, "/b").reply();

        assertEquals("[2]", body(second));
        assertEquals(2, server.connections.get());
        assertEquals(3, server.requests.size(), server.requests.toString());
        assertTrue(server.requests.get(2).startsWith("GET /b "), server.requests.get(2));
    }

    @Test
    void aRequestOnAReusedConnectionThatGotPartOfAReplyIsNotSentAgain() throws Exception {
        // an interim reply, then the agent closes: something came back, so the request reached it
        Script server = new Script(Answer.of(reply("[1]")),
                Answer.ofPieces(List.of("HTTP/1.1 100 Continue\r\n\r\n"), true), Answer.of(reply("[2]")));

        assertEquals("[1]", body(get(server, "/a").reply()));
        Throwable failure = get(server, "/b").failure();

        assertInstanceOf(IOException.class, failure);
        assertEquals(2, server.requests.size(), server.requests.toString());
    }

    @Test
    void aHandlerThatSendsAgainWhenItsRequestTimesOutIsServed() throws Exception {
        Script server = new Script(Answer.hold(), Answer.of(reply("[2]")));
        Outcome again = new Outcome();

        reads.get("127.0.0.1", server.port(), "/a", Map.of(), Duration.ofMillis(50), new Http1Reads.Handler() {
            @Override
            public void answered(Http1Reads.Response response) {
                again.failed(new AssertionError("answered: " + body(response)));
            }

            @Override
            public void failed(Throwable error) {
                // on the selector thread, with nothing else pending: the new request must still go out
                reads.get("127.0.0.1", server.port(), "/b", Map.of(), Duration.ofSeconds(10), again);
            }
        });

        assertEquals("[2]", body(again.reply()));
    }

    @Test
    void aReplyCutShortFails() throws Exception {
        Script server = new Script(Answer.ofPieces(List.of("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n[1,2"), true));

        Throwable failure = get(server, "/a").failure();

        assertInstanceOf(IOException.class, failure);
        assertTrue(failure.getMessage().contains("before its reply ended"), failure.getMessage());
    }

    @Test
    void somethingThatIsNotHttpFails() throws Exception {
        Throwable failure = failureFor("SSH-2.0-OpenSSH_9.6\r\n\r\n");

        assertInstanceOf(IOException.class, failure);
        assertTrue(failure.getMessage().contains("not an HTTP/1.x reply"), failure.getMessage());
    }

    @Test
    void aBadChunkSizeFails() throws Exception {
        Throwable failure = failureFor("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");

        assertTrue(failure.getMessage().contains("bad chunk size"), failure.getMessage());
    }

    @Test
    void aRefusedConnectionFails() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        Outcome outcome = new Outcome();

        reads.get("127.0.0.1", port, "/a", Map.of(), Duration.ofSeconds(10), outcome);

        assertInstanceOf(IOException.class, outcome.failure());
        assertFalse(outcome.failure() instanceof HttpConnectTimeoutException);
    }

    /**
     * A DNS server for the lookup tests: every name is the loopback address, but a lookup of one
     * of {@code slow} waits until {@link #answer()}. It notes each name looked up.
     */
    private static final class Dns implements Http1Reads.Resolver {
        private final Set<String> slow;
        private final java.util.concurrent.CountDownLatch answered = new java.util.concurrent.CountDownLatch(1);
        final List<String> lookedUp = new CopyOnWriteArrayList<>();

        Dns(String... slow) {
            this.slow = Set.of(slow);
        }

        @Override
        public InetAddress resolve(String host) throws IOException {
            lookedUp.add(host);
            if (slow.contains(host)) {
                try {
                    answered.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return InetAddress.getLoopbackAddress();
        }

        void answer() {
            answered.countDown();
        }
    }

    /**
     * A host name is looked up off the selector thread: a lookup that hangs (a DNS server that
     * does not answer) does not hold a request to an agent given by address.
     */
    @Test
    void aSlowLookupHoldsNoRequestToAnAgentGivenByAddress() throws Exception {
        Dns dns = new Dns("agent.slow");
        Script server = new Script(Answer.of(reply("[1]")), Answer.of(reply("[2]")));
        try (Http1Reads named = new Http1Reads(Duration.ofSeconds(30), dns)) {
            Outcome slow = new Outcome();
            named.get("agent.slow", server.port(), "/slow", Map.of(), Duration.ofSeconds(30), slow);
            Outcome other = new Outcome();

            named.get("127.0.0.1", server.port(), "/other", Map.of(), Duration.ofSeconds(30), other);

            assertEquals("[1]", body(other.reply()));
            assertFalse(slow.result.isDone(), "the request to the slow name waits for its lookup");
            dns.answer();
            assertEquals("[2]", body(slow.reply()));
        } finally {
            dns.answer();
        }
    }

    /** Failing over from an agent whose name does not resolve to one whose name does. */
    @Test
    void aHungLookupOfOneAgentDoesNotHoldTheLookupOfAnother() throws Exception {
        Dns dns = new Dns("agent.a");
        Script server = new Script(Answer.of(reply("[b]")));
        try (Http1Reads named = new Http1Reads(Duration.ofSeconds(30), dns)) {
            Outcome a = new Outcome();
            named.get("agent.a", server.port(), "/a", Map.of(), Duration.ofSeconds(30), a);
            Outcome b = new Outcome();

            named.get("agent.b", server.port(), "/b", Map.of(), Duration.ofSeconds(30), b);

            assertEquals("[b]", body(b.reply()));
            assertFalse(a.result.isDone());
        } finally {
            dns.answer();
        }
    }

    /** Watches retrying towards a name that does not resolve do not pile up lookups of it. */
    @Test
    void requestsToANameBeingLookedUpShareItsLookup() throws Exception {
        Dns dns = new Dns("agent.slow");
        Script server = new Script(Answer.of(reply("[1]")), Answer.of(reply("[2]")), Answer.of(reply("[3]")));
        try (Http1Reads named = new Http1Reads(Duration.ofSeconds(30), dns)) {
            List<Outcome> outcomes = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Outcome o = new Outcome();
                outcomes.add(o);
                named.get("agent.slow", server.port(), "/" + i, Map.of(), Duration.ofSeconds(30), o);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> !dns.lookedUp.isEmpty());

            dns.answer();

            for (Outcome o : outcomes) {
                assertEquals(200, o.reply().status());
            }
            assertEquals(List.of("agent.slow"), dns.lookedUp);
        } finally {
            dns.answer();
        }
    }

    @Test
    void anAddressIsNotLookedUpAndANameIs() throws Exception {
        assertEquals(InetAddress.getByName("127.0.0.1"), Http1Reads.literal("127.0.0.1"));
        assertEquals(InetAddress.getByName("::1"), Http1Reads.literal("::1"));
        for (String name : List.of("localhost", "consul.service.consul", "10.1", "256.1.1.1", "1.2.3.4.5", "1..2.3")) {
            assertEquals(null, Http1Reads.literal(name), name);
        }
        Dns dns = new Dns();
        Script server = new Script(Answer.of(reply("[1]")), Answer.of(reply("[2]")));
        try (Http1Reads named = new Http1Reads(Duration.ofSeconds(30), dns)) {
            Outcome byAddress = new Outcome();
            named.get("127.0.0.1", server.port(), "/a", Map.of(), Duration.ofSeconds(30), byAddress);
            assertEquals("[1]", body(byAddress.reply()));
            Outcome byName = new Outcome();
            named.get("agent.local", server.port(), "/b", Map.of(), Duration.ofSeconds(30), byName);
            assertEquals("[2]", body(byName.reply()));

            assertEquals(List.of("agent.local"), dns.lookedUp);
        }
    }

    @Test
    void aNameThatCannotBeLookedUpFailsNamingIt() throws Exception {
        try (Http1Reads named = new Http1Reads(Duration.ofSeconds(30), host -> {
            throw new java.net.UnknownHostException(host + ": Name or service not known");
        })) {
            Outcome outcome = new Outcome();

            named.get("agent.nowhere", 8500, "/a", Map.of(), Duration.ofSeconds(30), outcome);

            Throwable failure = outcome.failure();
            assertInstanceOf(IOException.class, failure);
            assertTrue(failure.getMessage().contains("agent.nowhere"), failure.getMessage());
        }
    }

    /** The connect timeout covers the lookup: one that never answers fails the request in time. */
    @Test
    void aLookupThatNeverAnswersFailsAsAConnectTimeout() throws Exception {
        Dns dns = new Dns("agent.silent");
        try (Http1Reads named = new Http1Reads(Duration.ofMillis(200), dns)) {
            Outcome outcome = new Outcome();

            named.get("agent.silent", 8500, "/a", Map.of(), Duration.ofSeconds(30), outcome);

            Throwable failure = outcome.failure();
            assertInstanceOf(HttpConnectTimeoutException.class, failure);
            assertEquals("connecting to agent.silent:8500 took more than PT0.2S", failure.getMessage());
        } finally {
            dns.answer();
        }
    }

    /**
     * An agent that does not answer the handshake: a listener whose accept queue is full drops
     * further connection attempts (Linux, BSD), so a connect there stays pending until the
     * reader's connect deadline ends it.
     */
    @Test
    void aConnectionNotEstablishedInTimeFailsAsAConnectTimeout() throws Exception {
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> queued = new ArrayList<>();
            boolean dropping = false;
            try {
                for (int i = 0; i < 10 && !dropping; i++) {
                    Socket s = new Socket();
                    queued.add(s);
                    try {
                        s.connect(full.getLocalSocketAddress(), 300);
                    } catch (java.net.SocketTimeoutException e) {
                        dropping = true;
                    }
                }
                org.junit.jupiter.api.Assumptions.assumeTrue(dropping,
                        "this system answers connection attempts past a full accept queue");
                Outcome outcome = new Outcome();

                reads.get("127.0.0.1", full.getLocalPort(), "/a", Map.of(), Duration.ofSeconds(30), outcome);

                Throwable failure = outcome.failure();
                assertInstanceOf(HttpConnectTimeoutException.class, failure);
                assertEquals("connecting to 127.0.0.1:" + full.getLocalPort() + " took more than PT2S", failure.getMessage());
            } finally {
                for (Socket s : queued) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aRequestNotAnsweredInTimeFailsAndItsConnectionIsClosed() throws Exception {
        Script server = new Script(Answer.hold());
        Outcome held = new Outcome();

        reads.get("127.0.0.1", server.port(), "/a", Map.of(), Duration.ofMillis(100), held);

        Throwable failure = held.failure();
        assertInstanceOf(java.net.http.HttpTimeoutException.class, failure);
        assertEquals("agent 127.0.0.1:" + server.port() + " did not finish its reply within PT0.1S", failure.getMessage());
        server.peerClosed.get(5, TimeUnit.SECONDS);
    }

    @Test
    void cancelAnswersAtOnceAndClosesTheConnection() throws Exception {
        Script server = new Script(Answer.of(reply("[1]")), Answer.hold(), Answer.of(reply("[3]")));
        assertEquals("[1]", body(get(server, "/a").reply()));
        Outcome held = new Outcome();
        SelectorReads.Exchange exchange = reads.get("127.0.0.1", server.port(), "/b", Map.of(), Duration.ofSeconds(30), held);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.requests.size() == 2);

        exchange.cancel();

        assertInstanceOf(CancellationException.class, held.failure());
        server.peerClosed.get(5, TimeUnit.SECONDS);
        exchange.cancel();
        // the selector thread runs its tasks in order: once a later request is answered, the second cancel has run
        assertEquals("[3]", body(get(server, "/c").reply()));
        assertEquals(1, held.calls.get(), "one outcome per request");
    }

    @Test
    void closeFailsWhatIsPendingEndsItsThreadAndRefusesNewRequests() throws Exception {
        Script server = new Script(Answer.hold());
        Outcome held = get(server, "/a");
        await().atMost(Duration.ofSeconds(5)).until(() -> server.requests.size() == 1);

        reads.close();

        assertInstanceOf(CancellationException.class, held.failure());
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals(Http1Reads.THREAD_NAME)
                && t.isAlive()), "the selector thread ended");
        assertInstanceOf(CancellationException.class, get(server, "/b").failure());
    }

    /** A handler that leaves a task which throws, as a watch with a bug would; then closes, if asked. */
    private Http1Reads.Handler leavingAFailingTask(boolean thenClose, CompletableFuture<Void> ran) {
        return new Http1Reads.Handler() {
            @Override
            public void answered(Http1Reads.Response response) {
                reads.afterReplies(() -> {
                    ran.complete(null);
                    throw new IllegalStateException("a task that throws, left by a reply's handler");
                });
                if (thenClose) {
                    reads.close();
                }
            }

            @Override
            public void failed(Throwable error) {
            }
        };
    }

    @Test
    void aTaskAReplyLeftThatThrowsIsLoggedAndTheReadsGoOn() throws Exception {
        Script server = new Script(Answer.of(reply("[1]")), Answer.of(reply("[2]")));
        CompletableFuture<Void> ran = new CompletableFuture<>();

        reads.get("127.0.0.1", server.port(), "/a", Map.of(), Duration.ofSeconds(10), leavingAFailingTask(false, ran));
        ran.get(10, TimeUnit.SECONDS);

        assertEquals("[2]", body(get(server, "/b").reply()));
        assertTrue(reads.usable());
    }

    @Test
    void aTaskLeftAtCloseThatThrowsDoesNotKeepPendingRequestsFromTheirEnd() throws Exception {
        Script holding = new Script(Answer.hold());
        Outcome pending = get(holding, "/pending");
        await().atMost(Duration.ofSeconds(5)).until(() -> holding.requests.size() == 1);
        Script server = new Script(Answer.of(reply("[1]")));

        reads.get("127.0.0.1", server.port(), "/a", Map.of(), Duration.ofSeconds(10), leavingAFailingTask(true, new CompletableFuture<>()));

        assertInstanceOf(CancellationException.class, pending.failure());
    }

    @Test
    void aHandlerMayCloseFromTheSelectorThread() throws Exception {
        Script server = new Script(Answer.of(reply("[1]")));
        CompletableFuture<Void> closed = new CompletableFuture<>();

        reads.get("127.0.0.1", server.port(), "/a", Map.of(), Duration.ofSeconds(10), new Http1Reads.Handler() {
            @Override
            public void answered(Http1Reads.Response response) {
                long start = System.nanoTime();
                reads.close();
                // closing waits up to 5 s for the selector thread; from that thread it must not wait for itself
                long tookMillis = (System.nanoTime() - start) / 1_000_000;
                if (tookMillis < 4000) {
                    closed.complete(null);
                } else {
                    closed.completeExceptionally(new AssertionError("close waited " + tookMillis + " ms for its own thread"));
                }
            }

            @Override
            public void failed(Throwable error) {
                closed.completeExceptionally(error);
            }
        });

        closed.get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals(Http1Reads.THREAD_NAME)));
    }

    @Test
    void aHeaderValueWithALineBreakIsRefusedAndNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> reads.get("127.0.0.1", 1, "/a", Map.of("X-Consul-Token", "a\r\nHost: evil"), Duration.ofSeconds(1), new Outcome()));

        assertTrue(e.getMessage().startsWith("X-Consul-Token "), e.getMessage());
    }

    @Test
    void anIpv6AgentIsNamedInBracketsInTheHostHeader() throws Exception {
        ServerSocket v6;
        try {
            v6 = new ServerSocket(0, 1, InetAddress.getByName("::1"));
        } catch (IOException noIpv6) {
            org.junit.jupiter.api.Assumptions.abort("no IPv6 loopback here: " + noIpv6);
            return;
        }
        try (v6) {
            Outcome outcome = new Outcome();
            reads.get("[::1]", v6.getLocalPort(), "/a", Map.of(), Duration.ofSeconds(10), outcome);
            try (Socket s = v6.accept()) {
                String head = new String(s.getInputStream().readNBytes(36), StandardCharsets.ISO_8859_1);
                assertTrue(head.contains("Host: [::1]:" + v6.getLocalPort() + "\r\n"), head);
            }
        }
    }
}
