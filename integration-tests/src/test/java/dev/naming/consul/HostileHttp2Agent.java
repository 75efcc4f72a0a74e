package dev.naming.consul;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.hpack.HpackDecoder;

/**
 * A Consul agent over TLS and HTTP/2 that turns hostile on demand: a raw-socket server on 127.0.0.1
 * (ALPN {@code h2}) that frames by hand, decodes requests with Jetty's HPACK decoder and passes each
 * one on to a well-behaved agent ({@link AgentUpstream}), answering on the stream, except the
 * health reads of the {@link #flood flooded} service: such a read starts the flood on its
 * connection, which every other watch of the client shares. Writes are serialized per connection,
 * so the other streams' answers go out between the flood's frames where the protocol allows it.
 * Every loop is bounded in count and in time.
 */
final class HostileHttp2Agent implements AutoCloseable {

    /** What a flooded health read starts on its connection. */
    enum Flood {
        /** PING frames, one after the other; the read itself gets no answer. */
        PING,
        /** As {@link #PING}, and the server stops reading meanwhile, so the client's PING ACKs back up. */
        PING_UNREAD,
        /** SETTINGS frames (two settings each, both at the value they already have). */
        SETTINGS,
        /** RST_STREAM on the read's stream at once, then RST_STREAM frames for the streams it closed. */
        RESET,
        /** HEADERS for the read without END_HEADERS, then empty CONTINUATION frames, nothing else. */
        CONTINUATION,
        /** HEADERS for the read without END_HEADERS, then CONTINUATION frames of header fields. */
        HEADER_FIELDS
    }

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DATA = 0x0;
    private static final int HEADERS = 0x1;
    private static final int RST_STREAM = 0x3;
    private static final int SETTINGS = 0x4;
    private static final int PING = 0x6;
    private static final int GOAWAY = 0x7;
    private static final int CONTINUATION = 0x9;
    private static final int END_STREAM = 0x1;
    private static final int ACK = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int PADDED = 0x8;
    private static final int PRIORITY = 0x20;
    private static final int CANCEL = 0x8;
    private static final int MAX_FRAME = 16_384;
    private static final Duration MAX_FLOOD = Duration.ofSeconds(60);
    private static final Duration LIFETIME = Duration.ofMinutes(5);
    private static final long MAX_FLOOD_FRAMES = 200_000_000L;
    private static final int MAX_CONNECTIONS = 32;
    private static final long MAX_FRAMES_READ = 50_000_000L;

    private final AgentUpstream upstream;
    private final SSLServerSocket server;
    private final long endOfLife = System.nanoTime() + LIFETIME.toNanos();
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicLong floodFrames = new AtomicLong();
    private final AtomicInteger flooded = new AtomicInteger();
    /** When the first flood started (System.nanoTime), 0 before. */
    private final AtomicLong firstFlood = new AtomicLong();
    private volatile Flood flood;
    private volatile String victimPrefix;
    private volatile boolean closed;

    HostileHttp2Agent(AgentUpstream upstream, SSLContext tls) throws IOException {
        this.upstream = upstream;
        this.server = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket(0, 50,
                InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "hostile-h2-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String hostPort() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /**
     * Floods the connection of the next health read of a service whose name starts with
     * {@code servicePrefix}; each later one starts the flood again on its connection if none is on.
     */
    void flood(Flood kind, String servicePrefix) {
        this.victimPrefix = "/v1/health/service/" + servicePrefix;
        this.flood = kind;
    }

    /**
     * Ends the flood: floods under way stop (a CONTINUATION flood ends its header block, with a
     * status of 500 for its read), and every next read is answered.
     */
    void behave() {
        flood = null;
    }

    /** Frames the floods wrote. */
    long floodFrames() {
        return floodFrames.get();
    }

    /** Flooded reads so far. */
    int flooded() {
        return flooded.get();
    }

    /** TLS connections accepted so far. */
    int accepted() {
        return accepted.get();
    }

    /** Connections the client ended (closed, or GOAWAY then closed) so far. */
    long endedByClient() {
        return connections.stream().filter(c -> c.endedByClient).count();
    }

    /**
     * From the start of the first flood until the client first ended a connection after it, in
     * milliseconds; -1 while it has not.
     */
    long clientEndedAfterFloodMillis() {
        long start = firstFlood.get();
        return connections.stream().filter(c -> c.endedByClient && start != 0 && c.endedAt >= start)
                .mapToLong(c -> (c.endedAt - start) / 1_000_000).min().orElse(-1);
    }

    /** The error codes of the GOAWAY frames the client sent, in order. */
    List<Integer> goAwayCodes() {
        return connections.stream().filter(c -> c.goAwayCode >= 0).map(c -> c.goAwayCode).toList();
    }

    private boolean alive() {
        return !closed && System.nanoTime() < endOfLife;
    }

    private void accept() {
        while (alive() && accepted.get() < 10_000) {
            SSLSocket socket;
            try {
                socket = (SSLSocket) server.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            if (connections.stream().filter(c -> !c.ended).count() >= MAX_CONNECTIONS) {
                quietly(socket);
                continue;
            }
            Connection c = new Connection(socket);
            connections.add(c);
            Thread reader = new Thread(c::read, "hostile-h2-read");
            reader.setDaemon(true);
            reader.start();
        }
    }

    /** One client connection: its reader (this thread), its writes (serialized), its flood. */
    private final class Connection {
        private final SSLSocket socket;
        /** Fair: the other streams' answers take turns with the flood's frames, in the order they came. */
        private final ReentrantLock writeLock = new ReentrantLock(true);
        private final ExecutorService answers = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "hostile-h2-answer");
            t.setDaemon(true);
            return t;
        });
        private final Set<Integer> resetByClient = ConcurrentHashMap.newKeySet();
        private final Set<Integer> closedVictims = ConcurrentHashMap.newKeySet();
        private final HpackDecoder hpack = new HpackDecoder(1 << 20, System::nanoTime);
        private OutputStream out;
        private ByteArrayOutputStream block;
        private int blockStream;
        private volatile boolean flooding;
        /** Open while the reader reads; a PING_UNREAD flood closes it until the flood ends. */
        private volatile CountDownLatch reading = new CountDownLatch(0);
        private volatile boolean ended;
        private volatile boolean endedByClient;
        /** When the client ended it (System.nanoTime), 0 before. */
        private volatile long endedAt;
        private volatile int goAwayCode = -1;

        Connection(SSLSocket socket) {
            this.socket = socket;
        }

        void read() {
            try {
                SSLParameters params = socket.getSSLParameters();
                params.setApplicationProtocols(new String[] {"h2"});
                socket.setSSLParameters(params);
                socket.setSoTimeout(5_000);
                socket.startHandshake();
                // from here on a read gives up every 100 ms, so the loops look at the server's state
                socket.setSoTimeout(100);
                out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
                DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
                byte[] preface = new byte[PREFACE.length];
                readFully(in, preface);
                if (!Arrays.equals(preface, PREFACE)) {
                    return;
                }
                write(SETTINGS, 0, 0, new byte[0], true);
                byte[] head = new byte[9];
                for (long frames = 0; frames < MAX_FRAMES_READ && alive(); frames++) {
                    // a server that does not read: the client's frames back up in its own queue
                    for (int i = 0; i < 10 * 60 * 5 && !reading.await(100, TimeUnit.MILLISECONDS) && alive(); i++) {
                        // looks at the server's state every 100 ms
                    }
                    if (!readFully(in, head)) {
                        endedAt = System.nanoTime();
                        endedByClient = true;
                        return;
                    }
                    int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
                    int type = head[3] & 0xff;
                    int flags = head[4] & 0xff;
                    int stream = ByteBuffer.wrap(head, 5, 4).getInt() & 0x7fffffff;
                    if (length > MAX_FRAME) {
                        return;
                    }
                    byte[] payload = new byte[length];
                    if (!readFully(in, payload)) {
                        endedAt = System.nanoTime();
                        endedByClient = true;
                        return;
                    }
                    onFrame(type, flags, stream, payload);
                }
            } catch (IOException e) {
                endedAt = System.nanoTime();
                endedByClient = !closed;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ended = true;
                answers.shutdownNow();
                quietly(socket);
            }
        }

        /** Reads all of {@code into}, looking at the server's state at each read timeout; false at the stream's end. */
        private boolean readFully(DataInputStream in, byte[] into) throws IOException {
            int n = 0;
            while (n < into.length) {
                if (!alive()) {
                    throw new IOException("server closed");
                }
                try {
                    int r = in.read(into, n, into.length - n);
                    if (r < 0) {
                        return false;
                    }
                    n += r;
                } catch (SocketTimeoutException nothingYet) {
                    // the read timeout only lets the loop look at the server's state
                }
            }
            return true;
        }

        private void onFrame(int type, int flags, int stream, byte[] payload) throws IOException {
            switch (type) {
                case SETTINGS -> {
                    if ((flags & ACK) == 0) {
                        write(SETTINGS, ACK, 0, new byte[0], true);
                    }
                }
                case PING -> {
                    if ((flags & ACK) == 0) {
                        write(PING, ACK, 0, payload, true);
                    }
                }
                case RST_STREAM -> resetByClient.add(stream);
                case GOAWAY -> goAwayCode = ByteBuffer.wrap(payload, 4, 4).getInt();
                case HEADERS -> {
                    int from = 0;
                    int pad = 0;
                    if ((flags & PADDED) != 0) {
                        pad = payload[0] & 0xff;
                        from = 1;
                    }
                    if ((flags & PRIORITY) != 0) {
                        from += 5;
                    }
                    block = new ByteArrayOutputStream();
                    block.write(payload, from, payload.length - from - pad);
                    blockStream = stream;
                    if ((flags & END_HEADERS) != 0) {
                        onRequest();
                    }
                }
                case CONTINUATION -> {
                    block.write(payload);
                    if ((flags & END_HEADERS) != 0) {
                        onRequest();
                    }
                }
                default -> {
                    // DATA (the watches send none), WINDOW_UPDATE, PRIORITY: nothing to answer
                }
            }
        }

        private void onRequest() throws IOException {
            int stream = blockStream;
            MetaData.Request request;
            try {
                request = (MetaData.Request) hpack.decode(ByteBuffer.wrap(block.toByteArray()));
            } catch (Exception e) {
                throw new IOException("cannot decode the client's headers", e);
            }
            String target = request.getHttpURI().getPathQuery();
            Flood kind = flood;
            String prefix = victimPrefix;
            if (kind != null && prefix != null && target.startsWith(prefix)) {
                flooded.incrementAndGet();
                firstFlood.compareAndSet(0, System.nanoTime());
                startFlood(kind, stream);
                return;
            }
            upstream.forward(request.getMethod(), target, null).thenAcceptAsync(answer -> {
                try {
                    answer(stream, answer);
                } catch (IOException e) {
                    quietly(socket);
                }
            }, answers);
        }

        /** The upstream's answer on {@code stream}: HEADERS (status, content type, index) and one DATA frame. */
        private void answer(int stream, AgentUpstream.Answer answer) throws IOException {
            ByteArrayOutputStream fields = new ByteArrayOutputStream();
            literal(fields, 0x08, null, String.valueOf(answer.status())); // :status, name index 8
            literal(fields, 0x0f, new byte[] {0x10}, "application/json"); // content-type, name index 31
            if (answer.index() != null) {
                literal(fields, 0x00, "x-consul-index".getBytes(StandardCharsets.US_ASCII), answer.index());
            }
            writeLock.lock();
            try {
                if (resetByClient.contains(stream)) {
                    return;
                }
                write(HEADERS, END_HEADERS, stream, fields.toByteArray(), false);
                write(DATA, END_STREAM, stream, answer.body(), true);
            } finally {
                writeLock.unlock();
            }
        }

        private void startFlood(Flood kind, int stream) throws IOException {
            if (kind == Flood.RESET) {
                write(RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(CANCEL).array(), true);
                closedVictims.add(stream);
            }
            if (flooding) {
                return; // one flood per connection: this read is part of it
            }
            flooding = true;
            Thread t = new Thread(() -> {
                try {
                    flood(kind, stream);
                } catch (IOException e) {
                    // the client closed the connection
                } finally {
                    flooding = false;
                    reading.countDown();
                }
            }, "hostile-h2-flood");
            t.setDaemon(true);
            t.start();
        }

        private void flood(Flood kind, int stream) throws IOException {
            long deadline = System.nanoTime() + MAX_FLOOD.toNanos();
            byte[] ping = new byte[8];
            // two settings at values the client already has: MAX_CONCURRENT_STREAMS 250, INITIAL_WINDOW_SIZE 65535
            byte[] settings = ByteBuffer.allocate(12).putShort((short) 3).putInt(250)
                    .putShort((short) 4).putInt(65_535).array();
            byte[] cancel = ByteBuffer.allocate(4).putInt(CANCEL).array();
            if (kind == Flood.PING_UNREAD) {
                reading = new CountDownLatch(1);
            }
            switch (kind) {
                case PING, PING_UNREAD, SETTINGS, RESET -> {
                    for (long i = 0; i < MAX_FLOOD_FRAMES && going(kind, deadline); i++) {
                        switch (kind) {
                            case SETTINGS -> write(SETTINGS, 0, 0, settings, i % 64 == 0);
                            case RESET -> {
                                for (int closedStream : closedVictims) {
                                    write(RST_STREAM, 0, closedStream, cancel, false);
                                    floodFrames.incrementAndGet();
                                }
                                flush();
                            }
                            default -> {
                                ByteBuffer.wrap(ping).putLong(i);
                                write(PING, 0, 0, ping, i % 64 == 0);
                            }
                        }
                        if (kind != Flood.RESET) {
                            floodFrames.incrementAndGet();
                        }
                    }
                    flush();
                }
                case CONTINUATION, HEADER_FIELDS -> {
                    // from the HEADERS on nothing else may go out on the connection until END_HEADERS: the
                    // write lock is held for the whole flood, and the other streams' answers wait
                    writeLock.lock();
                    try {
                        // :status 500 (static index 14), and END_STREAM: once the block ends the read fails
                        write(HEADERS, END_STREAM, stream, new byte[] {(byte) 0x8e}, true);
                        byte[] fragment = new byte[0];
                        if (kind == Flood.HEADER_FIELDS) {
                            ByteArrayOutputStream fields = new ByteArrayOutputStream();
                            for (int n = 0; fields.size() < MAX_FRAME - 1100; n++) {
                                byte[] name = ("x-flood-" + n).getBytes(StandardCharsets.US_ASCII);
                                literal(fields, 0x00, name, "a".repeat(1000));
                            }
                            fragment = fields.toByteArray();
                        }
                        for (long i = 0; i < MAX_FLOOD_FRAMES && going(kind, deadline); i++) {
                            write(CONTINUATION, 0, stream, fragment, i % 64 == 0);
                            floodFrames.incrementAndGet();
                        }
                        write(CONTINUATION, END_HEADERS, stream, new byte[0], true);
                    } finally {
                        writeLock.unlock();
                    }
                }
                default -> throw new IllegalStateException(kind.toString());
            }
        }

        /** Whether the flood goes on: still the one chosen, the server alive, within its time. */
        private boolean going(Flood kind, long deadline) {
            return flood == kind && alive() && System.nanoTime() < deadline;
        }

        private void write(int type, int flags, int stream, byte[] payload, boolean flush) throws IOException {
            writeLock.lock();
            try {
                byte[] head = new byte[9];
                head[0] = (byte) (payload.length >>> 16);
                head[1] = (byte) (payload.length >>> 8);
                head[2] = (byte) payload.length;
                head[3] = (byte) type;
                head[4] = (byte) flags;
                ByteBuffer.wrap(head, 5, 4).putInt(stream);
                out.write(head);
                out.write(payload);
                if (flush) {
                    out.flush();
                }
            } finally {
                writeLock.unlock();
            }
        }

        private void flush() throws IOException {
            writeLock.lock();
            try {
                out.flush();
            } finally {
                writeLock.unlock();
            }
        }
    }

    /**
     * An HPACK literal field without indexing: {@code prefix} is its first byte (a static name index
     * in its low 4 bits, 0 for a new name), {@code name} either the index's continuation bytes or,
     * for a new name, the name itself; the value is sent as it is, not Huffman-coded.
     */
    private static void literal(ByteArrayOutputStream out, int prefix, byte[] name, String value) {
        out.write(prefix);
        if (prefix == 0x00) {
            out.write(name.length);
            out.writeBytes(name);
        } else if (name != null) {
            out.writeBytes(name);
        }
        byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        if (v.length < 127) {
            out.write(v.length);
        } else {
            // a 7-bit prefixed integer: 127, then the rest 7 bits at a time
            out.write(127);
            int rest = v.length - 127;
            while (rest >= 128) {
                out.write((rest & 0x7f) | 0x80);
                rest >>>= 7;
            }
            out.write(rest);
        }
        out.writeBytes(v);
    }

    private static void quietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing
        }
    }

    @Override
    public void close() {
        closed = true;
        flood = null;
        try {
            server.close();
        } catch (IOException e) {
            // closing
        }
        for (Connection c : connections) {
            c.answers.shutdownNow();
            quietly(c.socket);
        }
        try {
            // the readers look at the server's state every 100 ms
            for (Connection c : connections) {
                c.answers.awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
