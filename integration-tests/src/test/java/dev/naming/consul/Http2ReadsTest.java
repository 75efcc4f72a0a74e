package dev.naming.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.consul.emulator.ConsulEmulator;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http.compression.HuffmanDecoder;
import org.eclipse.jetty.http2.hpack.HpackDecoder;
import org.eclipse.jetty.http2.hpack.HpackEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HTTP/2 client of the watches over TLS, against Jetty's HTTP/2 server (the emulator) and
 * against a scripted server that writes frames by hand, for what Jetty would not send on cue
 * (GOAWAY, a refused stream, padding, a header block split over CONTINUATION frames). Header
 * blocks are encoded and decoded by Jetty's HPACK, an implementation independent of ours.
 */
class Http2ReadsTest {

    private static final String PASSWORD = "changeit-h2reads";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    private static AgentCertificate certificate;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void certificate() throws Exception {
        certificate = AgentCertificate.create(dir, PASSWORD);
    }

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private Http2Reads reads(SSLContext trust) throws IOException {
        Http2Reads reads = new Http2Reads(Duration.ofSeconds(2), trust, List.of("X-Consul-Token"));
        closing.add(reads);
        return reads;
    }

    /** A handler whose outcome is a future: the reply, or the failure. */
    private static final class Outcome implements SelectorReads.Handler {
        final CompletableFuture<SelectorReads.Response> reply = new CompletableFuture<>();
        SelectorReads.Exchange exchange;

        @Override
        public void answered(SelectorReads.Response response) {
            reply.complete(response);
        }

        @Override
        public void failed(Throwable error) {
            reply.completeExceptionally(error);
        }

        SelectorReads.Response get() throws Exception {
            return reply.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }

        Throwable failure() throws Exception {
            try {
                SelectorReads.Response r = reply.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                throw new AssertionError("answered " + r.status() + ", expected a failure");
            } catch (java.util.concurrent.ExecutionException e) {
                return e.getCause();
            } catch (CancellationException e) {
                return e; // a future completed with a CancellationException throws it as it is
            }
        }
    }

    private static Outcome get(Http2Reads reads, int port, String target) {
        return get(reads, "127.0.0.1", port, target, Duration.ofSeconds(30));
    }

    private static Outcome get(Http2Reads reads, String host, int port, String target, Duration timeout) {
        Outcome o = new Outcome();
        o.exchange = reads.get(host, port, target, Map.of(), timeout, o);
        return o;
    }

    // ---- HPACK ---------------------------------------------------------------------------------

    @Test
    void theHuffmanCodeOfEveryByteIsTheOneJettyDecodes() throws Exception {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        byte[] encoded = huffman(all);
        HuffmanDecoder jetty = new HuffmanDecoder();
        jetty.setLength(encoded.length);
        String byJetty = jetty.decode(ByteBuffer.wrap(encoded));
        String ours = Hpack.huffman(encoded, 0, encoded.length);

        String expected = new String(all, StandardCharsets.ISO_8859_1);
        assertEquals(expected, byJetty, "our codes, read by Jetty's table");
        assertEquals(expected, ours);
    }

    @Test
    void repliesThatJettyEncodesWithItsDynamicTableAndHuffmanDecodeInOrder() throws Exception {
        HpackEncoder encoder = new HpackEncoder();
        Hpack.Decoder decoder = new Hpack.Decoder();
        for (int i = 0; i < 40; i++) {
            HttpFields fields = HttpFields.build()
                    .add("Content-Type", "application/json")
                    .add("X-Consul-Index", String.valueOf(1000 + i))
                    .add("X-Consul-Knownleader", "true")
                    .add("X-Consul-Lastcontact", "0")
                    .add("X-Consul-Effective-Consistency", "leader")
                    .add("Vary", "Accept-Encoding")
                    .add("Date", "Fri, 27 Nov 2026 07:0" + (i % 10) + ":00 GMT");
            ByteBuffer block = ByteBuffer.allocate(4096);
            encoder.encode(block, new MetaData.Response(i % 7 == 0 ? 404 : 200, null, HttpVersion.HTTP_2, fields));
            block.flip();
            byte[] bytes = new byte[block.remaining()];
            block.get(bytes);

            List<String[]> decoded = decoder.decode(bytes, 0, bytes.length);

            assertEquals(List.of(":status", i % 7 == 0 ? "404" : "200"), List.of(decoded.get(0)));
            List<String> rest = decoded.subList(1, decoded.size()).stream().map(f -> f[0] + ": " + f[1]).toList();
            assertEquals(fields.stream().map(f -> f.getLowerCaseName() + ": " + f.getValue()).toList(), rest);
        }
        assertTrue(decoder.tableLength() > 0, "Jetty indexed fields, and the decoder followed its table");
    }

    @Test
    void theRequestBlockReadsBackWithJettysDecoder() throws Exception {
        byte[] block = Hpack.request("agent.example:8501", "/v1/health/service/web?passing=1&index=7",
                Map.of("Accept", "application/json", "X-Consul-Token", "secret"), List.of("X-Consul-Token"));
        MetaData.Request request = (MetaData.Request) new HpackDecoder(8192, System::nanoTime)
                .decode(ByteBuffer.wrap(block));

        assertEquals("GET", request.getMethod());
        assertEquals("https", request.getHttpURI().getScheme());
        assertEquals("agent.example:8501", request.getHttpURI().getAuthority());
        assertEquals("/v1/health/service/web?passing=1&index=7", request.getHttpURI().getPathQuery());
        assertEquals("application/json", request.getHttpFields().get("accept"));
        assertEquals("secret", request.getHttpFields().get("x-consul-token"));
        assertEquals("naming-consul", request.getHttpFields().get("user-agent"));
    }

    // ---- against Jetty's HTTP/2 server ---------------------------------------------------------

    @Test
    void aReplyComesWithItsStatusHeadersAndBody() throws Exception {
        ConsulEmulator agent = ConsulEmulator.builder().tls(certificate.serverContext()).http2().start();
        closing.add(agent);
        Http2Reads reads = reads(certificate.clientContext());

        SelectorReads.Response ok = get(reads, agent.port(), "/v1/health/service/web?passing=1").get();
        SelectorReads.Response missing = get(reads, agent.port(), "/v1/nothing/here").get();

        assertEquals(200, ok.status());
        assertTrue(ok.header("x-consul-index").isPresent() && ok.header("X-Consul-Index").isPresent(), ok.headers().toString());
        assertEquals("[]", new String(ok.body(), StandardCharsets.UTF_8).strip());
        assertEquals(404, missing.status());
        assertEquals(1, agent.acceptedConnections(), "both on one connection");
    }

    @Test
    void pastTheAgentsStreamLimitASecondConnectionOpensAndCancelledStreamsEnd() throws Exception {
        ConsulEmulator agent = ConsulEmulator.builder().tls(certificate.serverContext()).http2().maxConcurrentStreams(10)
                .start();
        closing.add(agent);
        Http2Reads reads = reads(certificate.clientContext());
        long index = agent.index("web");
        List<Outcome> pending = new ArrayList<>();
        List<SelectorReads.Exchange> exchanges = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            Outcome o = get(reads, "127.0.0.1", agent.port(), "/v1/health/service/web?passing=1&index="
                    + Math.max(1, index) + "&wait=30s", Duration.ofSeconds(60));
            exchanges.add(o.exchange);
            pending.add(o);
        }
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> agent.openBlockingQueries() == 15);

        assertEquals(2, agent.acceptedConnections(), "10 streams on the first connection, 5 on a second");
        exchanges.forEach(SelectorReads.Exchange::cancel);
        for (Outcome o : pending) {
            assertInstanceOf(CancellationException.class, o.failure());
        }
        assertEquals(200, get(reads, agent.port(), "/v1/health/service/web?passing=1").get().status(),
                "the connections still carry requests after the resets");
    }

    @Test
    void anAgentWhoseCertificateIsNotTrustedFailsTheHandshake() throws Exception {
        ConsulEmulator agent = ConsulEmulator.builder().tls(certificate.serverContext()).http2().start();
        closing.add(agent);
        Http2Reads reads = reads(null);

        Throwable failure = get(reads, agent.port(), "/v1/health/service/web").failure();

        assertInstanceOf(SSLHandshakeException.class, failure);
    }

    // ---- against a scripted server -------------------------------------------------------------

    /**
     * An agent without ALPN, or one that chooses http/1.1: the client learns it speaks no HTTP/2.
     * A server whose ALPN list shares nothing with the client's offer may end the handshake (Go's
     * does since 1.17, the JDK's too), so the client offers http/1.1 beside h2.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "http/1.1"})
    void anAgentThatDoesNotChooseH2FailsWithNotHttp2(String alpn) throws Exception {
        Script agent = alpn.isEmpty() ? script() : script(alpn);
        Http2Reads reads = reads(certificate.clientContext());
        Outcome o = get(reads, agent.port(), "/v1/health/service/web");
        try (Script.Conn c = agent.accept()) {
            try {
                c.socket.startHandshake();
            } catch (IOException closedByTheClient) {
                // the client hangs up as soon as its side of the handshake is done and no h2 was chosen
            }

            assertInstanceOf(Http2Reads.NotHttp2Exception.class, o.failure());
        }
    }

    @Test
    void anAgentNamedWithoutADotGetsItsNameBySni() throws Exception {
        Script agent = script("h2");
        Http2Reads reads = reads(certificate.clientContext());
        Outcome o = get(reads, "localhost", agent.port(), "/sni", Duration.ofSeconds(30));
        try (Script.Conn c = agent.accept()) {
            c.open(100);
            Frame request = c.awaitRequest();
            c.reply(request.stream(), 200, Map.of(), "[]", false);

            assertEquals(200, o.get().status());
            assertEquals(List.of("localhost"), agent.serverNames);
        }
    }

    /**
     * A connection on which a reply missed its deadline may be dead without a word (a paused agent,
     * a dropped NAT entry): the next request goes on a new connection, not back onto it.
     */
    @Test
    void aStreamThatMissesItsDeadlineSendsTheNextRequestOnANewConnection() throws Exception {
        Script agent = script("h2");
        Http2Reads reads = reads(certificate.clientContext());
        Outcome late = get(reads, "127.0.0.1", agent.port(), "/held", Duration.ofMillis(500));
        try (Script.Conn c = agent.accept()) {
            c.open(100);
            c.awaitRequest();

            assertInstanceOf(java.net.http.HttpTimeoutException.class, late.failure());
            Outcome next = get(reads, agent.port(), "/next");
            try (Script.Conn fresh = agent.accept()) {
                fresh.open(100);
                Frame request = fresh.awaitRequest();
                assertEquals("/next", request.path());
                fresh.reply(request.stream(), 200, Map.of(), "[]", false);
                assertEquals(200, next.get().status());
            }
        }
    }

    /**
     * The other streams of a connection on which a reply missed its deadline do not each wait out
     * their own (about a minute): the client sends a PING, and without an answer the connection
     * counts as dead and they fail, so their watches ask again on a new one.
     */
    @Test
    void theOtherStreamsOfAConnectionThatMissedADeadlineFailWhenItLeavesAPingUnanswered() throws Exception {
        Retired r = retired();

        assertEquals(0, r.ping().flags() & 0x1, "a PING, not an answer to one");
        Throwable failure = r.other().failure();
        assertInstanceOf(IOException.class, failure);
        assertTrue(String.valueOf(failure.getMessage()).contains("PING"), failure.toString());
    }

    /** A connection retired after a missed deadline closes once its last stream ends, by a cancel here. */
    @Test
    void aRetiredConnectionThatAnswersItsPingClosesOnceItsLastStreamEnds() throws Exception {
        Retired r = retired();
        r.conn().write(0x6, 0x1, 0, r.ping().payload());

        r.other().exchange.cancel();

        assertInstanceOf(CancellationException.class, r.other().failure());
        r.conn().awaitClosed();
    }

    /** A connection on which "/late" missed its deadline while "/other" waits, and the PING the client sent on it then. */
    private record Retired(Script.Conn conn, Outcome other, Frame ping) {
    }

    private Retired retired() throws Exception {
        Script agent = script("h2");
        Http2Reads reads = reads(certificate.clientContext());
        Outcome late = get(reads, "127.0.0.1", agent.port(), "/late", Duration.ofMillis(500));
        Outcome other = get(reads, "127.0.0.1", agent.port(), "/other", Duration.ofSeconds(60));
        Script.Conn c = agent.accept();
        closing.add(c);
        c.open(100);
        c.awaitRequest();
        c.awaitRequest();
        assertInstanceOf(java.net.http.HttpTimeoutException.class, late.failure());
        return new Retired(c, other, c.awaitFrame(0x6));
    }

    @Test
    void aGoAwaySendsTheRequestsTheAgentDidNotTakeOnANewConnection() throws Exception {
        Script agent = script("h2");
        Http2Reads reads = reads(certificate.clientContext());
        Outcome first = get(reads, agent.port(), "/first");
        Outcome second = get(reads, agent.port(), "/second");
        try (Script.Conn c = agent.accept()) {
            c.open(100);
            int[] ids = {c.awaitRequest().stream, c.awaitRequest().stream};
            c.goAway(ids[0]);
            c.reply(ids[0], 200, Map.of("x-consul-index", "11"), "[1]", false);

            assertEquals("[1]", new String(first.get().body(), StandardCharsets.UTF_8));
            try (Script.Conn again = agent.accept()) {
                again.open(100);
                Frame request = again.awaitRequest();
                assertEquals("/second", request.path);
                again.reply(request.stream, 200, Map.of("x-consul-index", "12"), "[2]", false);

                assertEquals("[2]", new String(second.get().body(), StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void aCancelledRequestResetsItsStreamAndTheConnectionCarriesTheNext() throws Exception {
        Script agent = script("h2");
        Http2Reads reads = reads(certificate.clientContext());
        Outcome cancelled = get(reads, agent.port(), "/held");
        try (Script.Conn c = agent.accept()) {
            c.open(100);
            int held = c.awaitRequest().stream;
            cancelled.exchange.cancel();

            Frame reset = c.awaitFrame(0x3);
            assertEquals(held, reset.stream());
            assertEquals(0x8, ByteBuffer.wrap(reset.payload()).getInt(), "CANCEL");
            assertInstanceOf(CancellationException.class, cancelled.failure());
            Outcome next = get(reads, agent.port(), "/next");
            Frame request = c.awaitRequest();
            c.reply(request.stream, 200, Map.of(), "[]", false);
            assertEquals(200, next.get().status());
        }
    }

    @Test
    void aRefusedStreamIsSentOnceMore() throws Exception {
        Scripted s = scripted("/refused");
        s.conn().reset(s.request().stream(), 0x7);
        Frame again = s.conn().awaitRequest();
        assertEquals("/refused", again.path());
        s.conn().reply(again.stream(), 200, Map.of(), "ok", false);

        assertEquals("ok", new String(s.outcome().get().body(), StandardCharsets.UTF_8));
    }

    @Test
    void paddedFramesAndAHeaderBlockSplitOverContinuationsAreRead() throws Exception {
        Scripted s = scripted("/padded");
        s.conn().reply(s.request().stream(), 200, Map.of("x-consul-index", "42", "x-long", "v".repeat(3000)),
                "[\"padded\"]", true);

        SelectorReads.Response r = s.outcome().get();
        assertEquals("42", r.header("X-Consul-Index").orElseThrow());
        assertEquals(3000, r.header("x-long").orElseThrow().length());
        assertEquals("[\"padded\"]", new String(r.body(), StandardCharsets.UTF_8));
    }

    @Test
    void theHeaderNamesGivenAsSensitiveGoAsNeverIndexedLiteralsTheOthersWithoutIndexing() throws Exception {
        Script agent = script("h2");
        Http2Reads reads = reads(certificate.clientContext());
        Outcome o = new Outcome();
        reads.get("127.0.0.1", agent.port(), "/token", Map.of("X-Consul-Token", "secret", "Accept", "application/json"),
                Duration.ofSeconds(30), o);
        try (Script.Conn c = agent.accept()) {
            c.open(100);
            byte[] block = c.awaitRequest().payload();

            // RFC 7541 6.2.3: 0001 0000 and a literal name; 6.2.2: 0000 0000
            assertTrue(contains(block, literal(0x10, "x-consul-token", "secret")), "the token never indexed");
            assertTrue(contains(block, literal(0x00, "accept", "application/json")), "the other without indexing");
        }
    }

    private static byte[] literal(int first, String name, String value) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(first);
        out.write(name.length());
        out.writeBytes(name.getBytes(StandardCharsets.ISO_8859_1));
        out.write(value.length());
        out.writeBytes(value.getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aConnectionTheAgentDropsFailsItsStreamsAndTheNextRequestOpensAnother() throws Exception {
        Scripted s = scripted("/lost");
        s.conn().close();
        assertInstanceOf(IOException.class, s.outcome().failure());

        Outcome next = get(s.reads(), s.agent().port(), "/next");
        try (Script.Conn c = s.agent().accept()) {
            c.open(100);
            Frame request = c.awaitRequest();
            c.reply(request.stream(), 200, Map.of(), "[]", false);
            assertEquals(200, next.get().status());
        }
    }

    // ---- the scripted server -------------------------------------------------------------------

    /** A scripted agent, a reader, its request to a path, and the connection the request came on. */
    private record Scripted(Script agent, Http2Reads reads, Outcome outcome, Script.Conn conn, Frame request) {
    }

    /** Sends a request to {@code path}; the scripted agent accepts the connection, exchanges SETTINGS and reads it. */
    private Scripted scripted(String path) throws Exception {
        Script agent = script("h2");
        Http2Reads reads = reads(certificate.clientContext());
        Outcome outcome = get(reads, agent.port(), path);
        Script.Conn conn = agent.accept();
        closing.add(conn);
        conn.open(100);
        return new Scripted(agent, reads, outcome, conn, conn.awaitRequest());
    }

    private Script script(String... protocols) throws IOException {
        Script s = new Script(protocols);
        closing.add(s);
        return s;
    }

    /** A frame the client sent; for HEADERS, the request's path. */
    private record Frame(int type, int flags, int stream, byte[] payload, String path) {
    }

    /**
     * A TLS server on 127.0.0.1 whose test writes each frame; ALPN with the given protocols (none:
     * no ALPN). It notes the host names clients sent by SNI.
     */
    private static final class Script implements AutoCloseable {
        private final SSLServerSocket server;
        final List<String> serverNames = new java.util.concurrent.CopyOnWriteArrayList<>();

        Script(String... protocols) throws IOException {
            server = (SSLServerSocket) certificate.serverContext().getServerSocketFactory()
                    .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
            SSLParameters p = server.getSSLParameters();
            p.setApplicationProtocols(protocols);
            p.setSNIMatchers(List.of(new javax.net.ssl.SNIMatcher(javax.net.ssl.StandardConstants.SNI_HOST_NAME) {
                @Override
                public boolean matches(javax.net.ssl.SNIServerName name) {
                    serverNames.add(((javax.net.ssl.SNIHostName) name).getAsciiName());
                    return true;
                }
            }));
            server.setSSLParameters(p);
            server.setSoTimeout((int) WAIT.toMillis());
        }

        int port() {
            return server.getLocalPort();
        }

        Conn accept() throws IOException {
            SSLSocket s = (SSLSocket) server.accept();
            s.setSoTimeout((int) WAIT.toMillis());
            return new Conn(s);
        }

        @Override
        public void close() throws IOException {
            server.close();
        }

        static final class Conn implements AutoCloseable {
            final SSLSocket socket;
            private DataInputStream in;
            private OutputStream out;
            private final HpackEncoder encoder = new HpackEncoder();
            private final HpackDecoder decoder = new HpackDecoder(64 * 1024, System::nanoTime);

            Conn(SSLSocket socket) {
                this.socket = socket;
            }

            /** Reads the client's preface and SETTINGS, sends ours. */
            void open(int maxStreams) throws IOException {
                in = new DataInputStream(socket.getInputStream());
                out = socket.getOutputStream();
                byte[] preface = new byte[24];
                in.readFully(preface);
                assertEquals("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", new String(preface, StandardCharsets.ISO_8859_1));
                ByteBuffer settings = ByteBuffer.allocate(6).putShort((short) 3).putInt(maxStreams);
                write(0x4, 0, 0, settings.array());
            }

            Frame read() throws IOException {
                int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int stream = in.readInt() & 0x7fffffff;
                byte[] payload = new byte[length];
                in.readFully(payload);
                return new Frame(type, flags, stream, payload, null);
            }

            /** Reads until the client closes the connection; fails if it stays open past the socket's timeout. */
            void awaitClosed() throws IOException {
                try {
                    while (true) {
                        read();
                    }
                } catch (java.io.EOFException | javax.net.ssl.SSLException closed) {
                    // closed, with or without a TLS close_notify
                } catch (java.net.SocketException reset) {
                    // closed by a reset
                }
            }

            /** The next frame of {@code type}; the others are skipped. */
            Frame awaitFrame(int type) throws IOException {
                while (true) {
                    Frame f = read();
                    if (f.type() == type) {
                        return f;
                    }
                }
            }

            /** The next request (HEADERS; the client's other frames are skipped). */
            Frame awaitRequest() throws Exception {
                while (true) {
                    Frame f = read();
                    if (f.type() == 0x1) {
                        assertTrue((f.flags() & 0x4) != 0 && (f.flags() & 0x1) != 0, "one HEADERS frame, ending the stream");
                        MetaData.Request r = (MetaData.Request) decoder.decode(ByteBuffer.wrap(f.payload()));
                        return new Frame(f.type(), f.flags(), f.stream(), f.payload(), r.getHttpURI().getPathQuery());
                    }
                }
            }

            void goAway(int lastStream) throws IOException {
                write(0x7, 0, 0, ByteBuffer.allocate(8).putInt(lastStream).putInt(0).array());
            }

            void reset(int stream, int code) throws IOException {
                write(0x3, 0, stream, ByteBuffer.allocate(4).putInt(code).array());
            }

            /**
             * A 200-class reply; {@code split}: its header block over a HEADERS and CONTINUATION
             * frames, HEADERS and DATA padded, the body in two DATA frames.
             */
            void reply(int stream, int status, Map<String, String> headers, String body, boolean split) throws Exception {
                HttpFields.Mutable fields = HttpFields.build();
                headers.forEach(fields::add);
                ByteBuffer block = ByteBuffer.allocate(16 * 1024);
                encoder.encode(block, new MetaData.Response(status, null, HttpVersion.HTTP_2, fields));
                block.flip();
                byte[] b = new byte[block.remaining()];
                block.get(b);
                byte[] data = body.getBytes(StandardCharsets.UTF_8);
                if (!split) {
                    write(0x1, 0x4, stream, b);
                    write(0x0, 0x1, stream, data);
                    return;
                }
                int first = b.length / 3;
                int second = 2 * b.length / 3;
                int half = data.length / 2;
                // one write, one TLS record: every frame but the first starts inside the decrypted bytes
                java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                all.write(frame(0x1, 0x8, stream, padded(java.util.Arrays.copyOfRange(b, 0, first), 7)));
                all.write(frame(0x9, 0, stream, java.util.Arrays.copyOfRange(b, first, second)));
                all.write(frame(0x9, 0x4, stream, java.util.Arrays.copyOfRange(b, second, b.length)));
                all.write(frame(0x0, 0x8, stream, padded(java.util.Arrays.copyOfRange(data, 0, half), 3)));
                all.write(frame(0x0, 0x1 | 0x8, stream, padded(java.util.Arrays.copyOfRange(data, half, data.length), 2)));
                out.write(all.toByteArray());
                out.flush();
            }

            private static byte[] padded(byte[] payload, int pad) {
                byte[] p = new byte[1 + payload.length + pad];
                p[0] = (byte) pad;
                System.arraycopy(payload, 0, p, 1, payload.length);
                return p;
            }

            void write(int type, int flags, int stream, byte[] payload) throws IOException {
                out.write(frame(type, flags, stream, payload));
                out.flush();
            }

            private static byte[] frame(int type, int flags, int stream, byte[] payload) {
                ByteBuffer f = ByteBuffer.allocate(9 + payload.length);
                f.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
                f.put((byte) type).put((byte) flags).putInt(stream).put(payload);
                return f.array();
            }

            @Override
            public void close() throws IOException {
                socket.close();
            }
        }
    }

    /** Encodes {@code bytes} with our table of codes, as an encoder that Huffman-codes would. */
    private static byte[] huffman(byte[] bytes) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long bits = 0;
        int count = 0;
        for (byte b : bytes) {
            int symbol = b & 0xff;
            int length = Hpack.huffmanLength(symbol);
            bits = bits << length | Hpack.HUFFMAN_CODES[symbol];
            count += length;
            while (count >= 8) {
                out.write((int) (bits >>> (count - 8)));
                count -= 8;
            }
        }
        if (count > 0) {
            // padded with the first bits of EOS: ones
            out.write((int) (bits << (8 - count) | (0xff >>> count)));
        }
        return out.toByteArray();
    }
}
