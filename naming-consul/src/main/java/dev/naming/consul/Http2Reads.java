package dev.naming.consul;

import dev.naming.spi.NamingLoggers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;

/**
 * GET requests over HTTP/2 and TLS for the watches of one {@code Naming}: every connection on one
 * selector, whose leading thread ({@value #THREAD_NAME}, one of two taking turns:
 * {@link SelectorReads}) decrypts each reply, reads its frames and hands it to its handler itself,
 * then may call a default listener while the other thread reads on.
 *
 * <p>Why not {@code java.net.http}, which speaks HTTP/2 too: its selector thread reads every
 * stream of a connection and cannot hand that reading to another thread, so a listener that must
 * not hold the other watches goes to the {@code Naming}'s dispatcher, one thread wake-up more
 * between the agent's reply and the listener than a client that reads each reply on its own thread
 * (docs/BENCHMARKS.md measures both).
 *
 * <p>It does only what Consul's HTTPS API needs: GET without a body, replies of any length in DATA
 * frames, interim (1xx) replies skipped, trailers ignored. No server push (turned off in our
 * SETTINGS), no priorities, and the request headers are literals the agent does not index
 * ({@link Hpack}). Flow control: the client opens both windows as far as the protocol allows
 * ({@value #WINDOW} bytes) and gives back, connection-wide, what it read; a reply is refused past
 * {@link #MAX_BODY}, long before a stream's window could close.
 *
 * <p>Connections: one per agent carries up to {@value #STREAMS_PER_CONNECTION} streams, or fewer if
 * the agent's {@code SETTINGS_MAX_CONCURRENT_STREAMS} says so; past that a second one opens.
 * Requests made while a connection is being opened (its name looked up, TCP and TLS handshakes)
 * wait for it instead of opening one each, and go out once the agent's first SETTINGS has come;
 * if it fails, they fail with it. An agent that does not choose {@code h2} by ALPN fails the requests
 * with {@link NotHttp2Exception}. A connection with no stream for {@link #IDLE_TIMEOUT} is closed.
 * GOAWAY: the streams the agent did not take (above its last stream id) and refused streams are
 * sent once more on another connection, as a GET may be; the others finish where they are.
 *
 * <p>Each request's handler is called once: with the reply, or with an {@link IOException}
 * (connection refused or lost, the TLS handshake failed, connect timeout as
 * {@link HttpConnectTimeoutException}, the agent reset the stream, a protocol error), or with a
 * {@link CancellationException} after {@link Exchange#cancel()} or {@link #close()}.
 */
final class Http2Reads extends SelectorReads {

    private static final Logger LOG = NamingLoggers.get(Http2Reads.class);

    static final String THREAD_NAME = "naming-consul-h2";
    /** Concurrent streams per connection at most: Go's {@code http2} server default, which Consul keeps. */
    static final int STREAMS_PER_CONNECTION = 250;
    /** Both flow-control windows, opened as far as the protocol allows. */
    static final int WINDOW = Integer.MAX_VALUE;
    private static final int DEFAULT_WINDOW = 65_535;
    /** How long a connection suspected dead has to answer a PING before its streams fail. */
    static final Duration PING_TIMEOUT = Duration.ofSeconds(5);
    /** The frame size we accept: the protocol's default, which we do not raise. */
    private static final int MAX_FRAME = 16_384;
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    private static final int DATA = 0x0;
    private static final int HEADERS = 0x1;
    private static final int RST_STREAM = 0x3;
    private static final int SETTINGS = 0x4;
    private static final int PUSH_PROMISE = 0x5;
    private static final int PING = 0x6;
    private static final int GOAWAY = 0x7;
    private static final int WINDOW_UPDATE = 0x8;
    private static final int CONTINUATION = 0x9;
    private static final int END_STREAM = 0x1;
    private static final int ACK = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int PADDED = 0x8;
    private static final int PRIORITY_FLAG = 0x20;
    private static final int REFUSED_STREAM = 0x7;
    private static final int CANCEL = 0x8;
    private static final int PROTOCOL_ERROR = 0x1;

    /** The agent spoke TLS but did not choose HTTP/2 by ALPN (a proxy in front of it, say). */
    static final class NotHttp2Exception extends IOException {
        private static final long serialVersionUID = 1L;

        NotHttp2Exception(String message) {
            super(message);
        }
    }

    private final SSLContext tls;
    /** Header names sent as never-indexed fields, which no proxy on the way may put in a table. */
    private final List<String> sensitive;
    // leading thread only
    private final Map<String, List<Connection>> connections = new HashMap<>();
    private final Set<Stream> active = new HashSet<>();
    private long nextCheck;

    /**
     * @param tls the trust towards the agents ({@code null}: the JVM's default)
     * @param sensitive header names sent as never-indexed fields (a token)
     */
    Http2Reads(Duration connectTimeout, SSLContext tls, List<String> sensitive) throws IOException {
        this(connectTimeout, tls, sensitive, InetAddress::getByName);
    }

    Http2Reads(Duration connectTimeout, SSLContext tls, List<String> sensitive, Resolver resolver) throws IOException {
        super("HTTP/2", THREAD_NAME, connectTimeout, resolver);
        this.sensitive = List.copyOf(sensitive);
        try {
            this.tls = tls != null ? tls : SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IOException("no default TLS context: " + e, e);
        }
        this.nextCheck = System.nanoTime();
        startReading();
    }

    /** The header names sent as never-indexed fields. */
    List<String> sensitive() {
        return sensitive;
    }

    /**
     * Over HTTPS: {@code :authority} and {@code user-agent} are this class's own; the sensitive
     * names given when this was made are sent as never-indexed fields.
     */
    @Override
    Exchange send(String host, int port, String authority, String target, Map<String, String> headers,
                  Duration timeout, Handler handler) {
        Stream stream = new Stream(host, port, authority, Hpack.request(authority, target, headers, sensitive),
                timeout, handler);
        submit(() -> start(stream), handler);
        return stream;
    }

    /** One request and its reply. */
    final class Stream implements Exchange {
        private final String host;
        private final int port;
        private final String key;
        private final byte[] block;
        private final Handler handler;
        private final Duration timeout;
        private final long deadline;
        // leading thread only, from here on
        private Connection connection;
        private int id;
        private boolean done;
        private boolean retried;
        private int status = -1;
        private Map<String, List<String>> headers;
        private byte[] body = new byte[0];
        private int bodyLength;

        private Stream(String host, int port, String key, byte[] block, Duration timeout, Handler handler) {
            this.host = host;
            this.port = port;
            this.key = key;
            this.block = block;
            this.timeout = timeout;
            this.deadline = System.nanoTime() + timeout.toNanos();
            this.handler = handler;
        }

        @Override
        public void cancel() {
            submit(() -> {
                Connection c = connection;
                reset(this, CANCEL);
                fail(this, new CancellationException("cancelled"));
                if (c != null) {
                    flushQuietly(c);
                }
            }, null);
        }
    }

    /** A TLS connection to an agent and its streams. */
    private final class Connection {
        private final String key;
        private final String host;
        private final int port;
        private SocketChannel channel;
        private SelectionKey selection;
        private SSLEngine engine;
        /** Encrypted bytes read and not yet decrypted (in write mode). */
        private ByteBuffer netIn;
        /** Decrypted bytes not yet read as frames (in write mode). */
        private ByteBuffer appIn;
        /** Encrypted bytes not yet written (in write mode). */
        private ByteBuffer netOut;
        /** Frames not yet encrypted. */
        private final ByteArrayOutputStream frames = new ByteArrayOutputStream(512);
        private boolean handshaken;
        /** The agent's first SETTINGS came: requests may go out. */
        private boolean settled;
        private boolean goingAway;
        private boolean dead;
        /** Until settled: when opening has taken too long. */
        private final long connectDeadline;
        private final Map<Integer, Stream> streams = new HashMap<>();
        private final ArrayDeque<Stream> queued = new ArrayDeque<>();
        private int nextId = 1;
        private int maxStreams = STREAMS_PER_CONNECTION;
        private int peerMaxFrame = MAX_FRAME;
        private final Hpack.Decoder decoder = new Hpack.Decoder();
        /** A header block being read across CONTINUATION frames: its stream (0: none), bytes, END_STREAM. */
        private int continuing;
        private final ByteArrayOutputStream headerBlock = new ByteArrayOutputStream();
        private boolean headerEndsStream;
        /** DATA bytes read since the connection's window was last given back. */
        private long unacknowledged;
        private long idleSince = System.nanoTime();
        /** When an unanswered PING makes the connection count as dead (nanoTime); 0: none sent. */
        private long pingDeadline;

        Connection(String key, String host, int port) {
            this.key = key;
            this.host = host;
            this.port = port;
            this.connectDeadline = System.nanoTime() + connectTimeout.toNanos();
        }

        int load() {
            return streams.size() + queued.size();
        }

        boolean takes() {
            // a limit of 0 (which every connection to that agent would say) queues here until the
            // deadlines, rather than opening a connection per request
            return !dead && !goingAway && (load() < maxStreams || maxStreams == 0);
        }
    }

    // ---- the leading thread --------------------------------------------------------------------

    private void start(Stream s) {
        if (s.done) {
            return;
        }
        if (closed) {
            fail(s, closedError());
            return;
        }
        active.add(s);
        Connection c = null;
        for (Connection candidate : connections.getOrDefault(s.key, List.of())) {
            if (candidate.takes()) {
                c = candidate;
                break;
            }
        }
        boolean opening = c == null;
        if (opening) {
            c = new Connection(s.key, s.host, s.port);
            connections.computeIfAbsent(s.key, k -> new ArrayList<>()).add(c);
        }
        s.connection = c;
        c.queued.add(s);
        if (opening) {
            open(c);
        } else if (c.settled) {
            sendQueued(c);
            flushQuietly(c);
        }
    }

    /** Looks the agent up if need be, then connects; the requests queued meanwhile wait for it. */
    private void open(Connection c) {
        resolve(c.host, c.port, () -> c.dead, address -> connect(c, address), failure -> broken(c, failure));
    }

    private void connect(Connection c, InetSocketAddress address) {
        try {
            c.channel = openChannel();
            if (c.channel.connect(address)) {
                c.selection = c.channel.register(selector, SelectionKey.OP_READ, c);
                handshake(c);
            } else {
                c.selection = c.channel.register(selector, SelectionKey.OP_CONNECT, c);
            }
        } catch (IOException | RuntimeException error) {
            broken(c, error);
        }
    }

    /** TCP is up: the TLS handshake starts, asking for {@code h2} by ALPN and checking the agent's name. */
    private void handshake(Connection c) throws IOException {
        SSLEngine engine = tls.createSSLEngine(c.host, c.port);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        // http/1.1 offered too: a server that shares no protocol with the offer may end the
        // handshake (Go's since 1.17 does), where one that picks http/1.1 tells what it speaks
        parameters.setApplicationProtocols(new String[] {"h2", "http/1.1"});
        if (literal(c.host) == null) {
            try {
                // the JDK sends SNI only for names with a dot; an SNI-routing proxy needs it for any name
                parameters.setServerNames(List.of(new javax.net.ssl.SNIHostName(c.host)));
            } catch (IllegalArgumentException notAHostName) {
                // a name SNI cannot carry (a trailing dot, say): the engine's own choice stands
            }
        }
        engine.setSSLParameters(parameters);
        c.engine = engine;
        int packet = engine.getSession().getPacketBufferSize();
        c.netIn = ByteBuffer.allocate(packet);
        c.netOut = ByteBuffer.allocate(packet);
        c.appIn = ByteBuffer.allocate(Math.max(engine.getSession().getApplicationBufferSize(), MAX_FRAME + 9));
        engine.beginHandshake();
        engineWork(c, engine.getHandshakeStatus());
        flush(c);
    }

    @Override
    void ready(SelectionKey selection) {
        Connection c = (Connection) selection.attachment();
        try {
            if (!selection.isValid()) {
                return;
            }
            if (selection.isConnectable()) {
                if (c.channel.finishConnect()) {
                    selection.interestOps(SelectionKey.OP_READ);
                    handshake(c);
                }
                return;
            }
            if (selection.isWritable()) {
                flush(c);
            }
            if (selection.isReadable()) {
                readable(c);
            }
        } catch (IOException | RuntimeException e) {
            // a runtime exception from the TLS engine ends this connection, not every other one
            broken(c, e);
        }
    }

    private void readable(Connection c) throws IOException {
        while (!c.dead) {
            if (!c.netIn.hasRemaining()) {
                c.netIn = grow(c.netIn, c.netIn.capacity() * 2);
            }
            int room = c.netIn.remaining();
            int n = c.channel.read(c.netIn);
            if (n < 0) {
                throw new IOException(c.handshaken ? "the agent closed the connection"
                        : "the agent closed the connection during the TLS handshake");
            }
            unwrap(c);
            if (n < room) {
                break;
            }
        }
        if (!c.dead) {
            flush(c);
        }
    }

    /** Decrypts what has come and reads the frames in it. */
    private void unwrap(Connection c) throws IOException {
        while (!c.dead && c.netIn.position() > 0) {
            c.netIn.flip();
            SSLEngineResult r;
            try {
                r = c.engine.unwrap(c.netIn, c.appIn);
            } finally {
                c.netIn.compact();
            }
            switch (r.getStatus()) {
                case BUFFER_OVERFLOW -> {
                    c.appIn = grow(c.appIn, c.appIn.capacity() + c.engine.getSession().getApplicationBufferSize());
                    continue;
                }
                case BUFFER_UNDERFLOW -> {
                    int packet = c.engine.getSession().getPacketBufferSize();
                    if (c.netIn.capacity() < packet) {
                        c.netIn = grow(c.netIn, packet);
                    }
                    return;
                }
                case CLOSED -> throw new IOException("the agent closed the TLS session");
                default -> {
                }
            }
            engineWork(c, r.getHandshakeStatus());
            if (r.bytesProduced() > 0) {
                frames(c);
            }
            if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                return;
            }
        }
    }

    /** What the TLS engine asks for besides data: its tasks, handshake messages to send, the handshake's end. */
    private void engineWork(Connection c, SSLEngineResult.HandshakeStatus status) throws IOException {
        while (true) {
            switch (status) {
                case NEED_TASK -> {
                    // certificate checks: once per connection, on this thread as the JDK client does on its selector's
                    Runnable task;
                    while ((task = c.engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                    status = c.engine.getHandshakeStatus();
                }
                case NEED_WRAP -> status = wrap(c, ByteBuffer.allocate(0)).getHandshakeStatus();
                case FINISHED -> {
                    established(c);
                    return;
                }
                default -> {
                    return;
                }
            }
        }
    }

    /** The handshake is done: {@code h2} or nothing; the preface and our SETTINGS go out. */
    private void established(Connection c) throws IOException {
        if (c.handshaken) {
            return;
        }
        c.handshaken = true;
        String protocol = c.engine.getApplicationProtocol();
        if (!"h2".equals(protocol)) {
            throw new NotHttp2Exception("agent " + c.key + " does not speak HTTP/2 over TLS (ALPN chose "
                    + (protocol == null || protocol.isEmpty() ? "nothing" : "'" + protocol + "'") + ")");
        }
        c.frames.write(PREFACE, 0, PREFACE.length);
        ByteBuffer settings = ByteBuffer.allocate(12);
        settings.putShort((short) 0x2).putInt(0); // ENABLE_PUSH off
        settings.putShort((short) 0x4).putInt(WINDOW); // INITIAL_WINDOW_SIZE
        frame(c, SETTINGS, 0, 0, settings.array(), 0, 12);
        windowUpdate(c, 0, WINDOW - DEFAULT_WINDOW);
    }

    private SSLEngineResult wrap(Connection c, ByteBuffer source) throws IOException {
        while (true) {
            SSLEngineResult r = c.engine.wrap(source, c.netOut);
            switch (r.getStatus()) {
                case BUFFER_OVERFLOW -> c.netOut = grow(c.netOut,
                        c.netOut.capacity() + c.engine.getSession().getPacketBufferSize());
                case CLOSED -> throw new IOException("the TLS session is closed");
                default -> {
                    return r;
                }
            }
        }
    }

    /** Encrypts the frames waiting and writes what the socket takes; the rest waits for OP_WRITE. */
    private void flush(Connection c) throws IOException {
        if (c.dead || c.engine == null) {
            return;
        }
        if (c.handshaken && c.frames.size() > 0) {
            ByteBuffer plain = ByteBuffer.wrap(c.frames.toByteArray());
            c.frames.reset();
            while (plain.hasRemaining()) {
                engineWork(c, wrap(c, plain).getHandshakeStatus());
            }
        }
        if (c.netOut.position() > 0) {
            c.netOut.flip();
            try {
                c.channel.write(c.netOut);
            } finally {
                c.netOut.compact();
            }
        }
        int ops = c.netOut.position() > 0 ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
        if (c.selection.interestOps() != ops) {
            c.selection.interestOps(ops);
        }
    }

    private void flushQuietly(Connection c) {
        try {
            flush(c);
        } catch (IOException | RuntimeException e) {
            broken(c, e);
        }
    }

    private static ByteBuffer grow(ByteBuffer b, int capacity) {
        ByteBuffer bigger = ByteBuffer.allocate(capacity);
        b.flip();
        bigger.put(b);
        return bigger;
    }

    // ---- frames --------------------------------------------------------------------------------

    /** Reads every whole frame decrypted so far. */
    private void frames(Connection c) throws IOException {
        ByteBuffer in = c.appIn;
        in.flip();
        try {
            while (!c.dead && in.remaining() >= 9) {
                int at = in.position();
                int length = (in.get(at) & 0xff) << 16 | (in.get(at + 1) & 0xff) << 8 | in.get(at + 2) & 0xff;
                if (length > MAX_FRAME) {
                    throw protocolError("a frame of " + length + " bytes, above the " + MAX_FRAME + " allowed");
                }
                if (in.remaining() < 9 + length) {
                    break;
                }
                int type = in.get(at + 3) & 0xff;
                int flags = in.get(at + 4) & 0xff;
                int stream = in.getInt(at + 5) & 0x7fffffff;
                in.position(at + 9 + length);
                if (c.continuing != 0 && type != CONTINUATION) {
                    throw protocolError("a frame of type " + type + " inside a header block");
                }
                if (type == DATA) {
                    // a reply's body goes from the decrypted bytes straight into its stream's buffer
                    data(c, flags, stream, in, at + 9, length);
                } else {
                    byte[] payload = new byte[length];
                    in.get(at + 9, payload);
                    frame(c, type, flags, stream, payload);
                }
            }
        } finally {
            if (c.appIn == in) {
                in.compact();
            }
        }
    }

    /** Any frame but DATA, its payload {@code p}. */
    private void frame(Connection c, int type, int flags, int id, byte[] p) throws IOException {
        switch (type) {
            case HEADERS -> {
                int from = 0;
                int to = p.length;
                if ((flags & PADDED) != 0) {
                    if (p.length < 1) {
                        throw protocolError("a padded HEADERS frame without its pad length");
                    }
                    from = 1;
                    to -= p[0] & 0xff;
                }
                if ((flags & PRIORITY_FLAG) != 0) {
                    from += 5;
                }
                if (to < from) {
                    throw protocolError("HEADERS padding longer than the frame");
                }
                c.headerBlock.reset();
                c.headerBlock.write(p, from, to - from);
                c.headerEndsStream = (flags & END_STREAM) != 0;
                if ((flags & END_HEADERS) != 0) {
                    headerBlock(c, id);
                } else {
                    c.continuing = id;
                }
            }
            case CONTINUATION -> {
                if (c.continuing == 0 || c.continuing != id) {
                    throw protocolError("CONTINUATION of no header block");
                }
                c.headerBlock.write(p, 0, p.length);
                if (c.headerBlock.size() > Hpack.MAX_HEADER_LIST) {
                    throw protocolError("a header block larger than " + Hpack.MAX_HEADER_LIST + " bytes");
                }
                if ((flags & END_HEADERS) != 0) {
                    c.continuing = 0;
                    headerBlock(c, id);
                }
            }
            case SETTINGS -> settings(c, flags, p);
            case PING -> {
                if ((flags & ACK) == 0) {
                    frame(c, PING, ACK, 0, p, 0, p.length);
                } else {
                    c.pingDeadline = 0;
                }
            }
            case RST_STREAM -> {
                Stream s = c.streams.get(id);
                int code = p.length >= 4 ? ByteBuffer.wrap(p).getInt() : PROTOCOL_ERROR;
                if (s != null) {
                    c.streams.remove(id);
                    s.connection = null;
                    if (code == REFUSED_STREAM && !s.retried) {
                        // the agent did not process it: as a GET may be, once more
                        s.retried = true;
                        s.id = 0;
                        start(s);
                    } else {
                        fail(s, new IOException("agent " + c.key + " reset the stream (HTTP/2 error " + code + ")"));
                    }
                    sendQueued(c);
                    closeIfDone(c);
                }
            }
            case GOAWAY -> goAway(c, p);
            case PUSH_PROMISE -> throw protocolError("a PUSH_PROMISE, though push is off");
            default -> {
                // WINDOW_UPDATE (we send no bodies), PRIORITY, and types we do not know: ignored, as the protocol says
            }
        }
    }

    /** A DATA frame's payload: {@code length} bytes of {@code in} from {@code at}. */
    private void data(Connection c, int flags, int id, ByteBuffer in, int at, int length) throws IOException {
        c.unacknowledged += length;
        if (c.unacknowledged >= WINDOW / 2) {
            windowUpdate(c, 0, (int) c.unacknowledged);
            c.unacknowledged = 0;
        }
        Stream s = c.streams.get(id);
        if (s == null) {
            return; // a stream we reset: its last frames may still come
        }
        int from = at;
        int to = at + length;
        if ((flags & PADDED) != 0) {
            if (length < 1 || (in.get(at) & 0xff) >= length) {
                throw protocolError("DATA padding longer than the frame");
            }
            from = at + 1;
            to -= in.get(at) & 0xff;
        }
        if (s.status < 0) {
            throw protocolError("DATA before the reply's headers");
        }
        int n = to - from;
        if (n > MAX_BODY - s.bodyLength) {
            reset(s, CANCEL);
            fail(s, new IOException("reply larger than " + MAX_BODY + " bytes"));
            return;
        }
        if (s.bodyLength + n > s.body.length) {
            s.body = Arrays.copyOf(s.body, Math.max(s.bodyLength + n, Math.min(s.body.length * 2, MAX_BODY)));
        }
        in.get(from, s.body, s.bodyLength, n);
        s.bodyLength += n;
        if ((flags & END_STREAM) != 0) {
            complete(c, s);
        }
    }

    private void headerBlock(Connection c, int id) throws IOException {
        byte[] block = c.headerBlock.toByteArray();
        // decoded whatever the stream: the table it builds is the connection's
        List<String[]> fields = c.decoder.decode(block, 0, block.length);
        Stream s = c.streams.get(id);
        if (s == null) {
            return;
        }
        if (s.status < 0) {
            int status = -1;
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String[] f : fields) {
                if (f[0].equals(":status")) {
                    try {
                        status = Integer.parseInt(f[1]);
                    } catch (NumberFormatException notANumber) {
                        throw protocolError("a :status of '" + f[1] + "'");
                    }
                } else if (!f[0].startsWith(":")) {
                    headers.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f[1]);
                }
            }
            if (status < 100 || status > 999) {
                throw protocolError("a reply without a :status");
            }
            if (status >= 200) {
                s.status = status;
                s.headers = headers;
            } else if (c.headerEndsStream) {
                throw protocolError("an interim reply that ends its stream");
            }
            // an interim reply (1xx): the real one follows
        }
        if (c.headerEndsStream) {
            complete(c, s);
        }
    }

    private void settings(Connection c, int flags, byte[] p) throws IOException {
        if ((flags & ACK) != 0) {
            return;
        }
        if (p.length % 6 != 0) {
            throw protocolError("a SETTINGS frame of " + p.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(p);
        while (b.hasRemaining()) {
            int id = b.getShort() & 0xffff;
            long value = b.getInt() & 0xffffffffL;
            if (id == 0x3) {
                c.maxStreams = (int) Math.min(value, STREAMS_PER_CONNECTION);
            } else if (id == 0x5) {
                if (value < MAX_FRAME || value > 0xffffff) {
                    throw protocolError("a SETTINGS_MAX_FRAME_SIZE of " + value);
                }
                c.peerMaxFrame = (int) value;
            }
        }
        frame(c, SETTINGS, ACK, 0, p, 0, 0);
        if (!c.settled) {
            c.settled = true;
            LOG.debug("consul: HTTP/2 connection to {} open, {} streams at most", c.key, c.maxStreams);
        }
        // past a lower limit than the one assumed, the requests waiting here go elsewhere (not for
        // a limit of 0, which every connection to that agent would say: they wait for their deadline)
        List<Stream> surplus = new ArrayList<>();
        while (c.maxStreams > 0 && c.load() > c.maxStreams && !c.queued.isEmpty()) {
            surplus.add(c.queued.pollLast());
        }
        sendQueued(c);
        for (Stream s : surplus) {
            s.connection = null;
            start(s);
        }
    }

    private void goAway(Connection c, byte[] p) {
        int last = p.length >= 8 ? ByteBuffer.wrap(p).getInt() & 0x7fffffff : 0;
        int code = p.length >= 8 ? ByteBuffer.wrap(p).getInt(4) : PROTOCOL_ERROR;
        LOG.debug("consul: agent {} is closing an HTTP/2 connection (GOAWAY, error {}, last stream {})", c.key, code, last);
        c.goingAway = true; // before the untaken streams look for a connection: not this one
        List<Stream> untaken = new ArrayList<>();
        for (var it = c.streams.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (entry.getKey() > last) {
                it.remove();
                untaken.add(entry.getValue());
            }
        }
        for (Stream s : untaken) {
            s.connection = null;
            if (s.retried) {
                fail(s, new IOException("agent " + c.key + " closed the connection (GOAWAY) before taking the request"));
            } else {
                s.retried = true;
                s.id = 0;
                start(s);
            }
        }
        retire(c);
    }

    /**
     * No new stream goes on {@code c}: the queued ones go to another connection, and {@code c}
     * closes once its last stream ends.
     */
    private void retire(Connection c) {
        c.goingAway = true;
        List<Stream> waiting = new ArrayList<>(c.queued);
        c.queued.clear();
        for (Stream s : waiting) {
            s.connection = null;
            start(s);
        }
        if (c.streams.isEmpty()) {
            closeConnection(c);
        }
    }

    /** Sends the queued requests while the connection has room. */
    private void sendQueued(Connection c) {
        while (!c.dead && c.settled && !c.goingAway && c.streams.size() < c.maxStreams && !c.queued.isEmpty()) {
            Stream s = c.queued.poll();
            if (s.done) {
                continue;
            }
            if (c.nextId < 0) {
                // stream ids ran out (2^31 requests on one connection): the rest go to a new one
                c.queued.addFirst(s);
                retire(c);
                return;
            }
            s.id = c.nextId;
            c.nextId += 2;
            c.streams.put(s.id, s);
            byte[] block = s.block;
            int first = Math.min(block.length, c.peerMaxFrame);
            frame(c, HEADERS, END_STREAM | (first == block.length ? END_HEADERS : 0), s.id, block, 0, first);
            for (int at = first; at < block.length; ) {
                int n = Math.min(block.length - at, c.peerMaxFrame);
                frame(c, CONTINUATION, at + n == block.length ? END_HEADERS : 0, s.id, block, at, n);
                at += n;
            }
        }
    }

    private static void frame(Connection c, int type, int flags, int id, byte[] payload, int from, int length) {
        ByteArrayOutputStream out = c.frames;
        out.write(length >>> 16);
        out.write(length >>> 8);
        out.write(length);
        out.write(type);
        out.write(flags);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        out.write(payload, from, length);
    }

    private static void windowUpdate(Connection c, int id, int increment) {
        frame(c, WINDOW_UPDATE, 0, id, ByteBuffer.allocate(4).putInt(increment).array(), 0, 4);
    }

    private IOException protocolError(String what) {
        return new IOException("HTTP/2 protocol error from the agent: " + what);
    }

    // ---- ends ----------------------------------------------------------------------------------

    private void complete(Connection c, Stream s) {
        c.streams.remove(s.id);
        s.connection = null;
        active.remove(s);
        if (s.done) {
            return;
        }
        s.done = true;
        byte[] body = s.bodyLength == s.body.length ? s.body : Arrays.copyOf(s.body, s.bodyLength);
        Response response = new Response(s.status, s.headers, body);
        s.body = null;
        answer(s.handler, response, s.key);
        sendQueued(c);
        closeIfDone(c);
        if (c.load() == 0) {
            c.idleSince = System.nanoTime();
        }
    }

    /** Takes {@code s} off its connection, telling the agent with RST_STREAM if it was sent. */
    private void reset(Stream s, int code) {
        Connection c = s.connection;
        if (c == null) {
            return;
        }
        s.connection = null;
        c.queued.remove(s);
        if (s.id != 0 && c.streams.remove(s.id) != null && !c.dead) {
            frame(c, RST_STREAM, 0, s.id, ByteBuffer.allocate(4).putInt(code).array(), 0, 4);
            sendQueued(c);
        }
        if (c.load() == 0) {
            c.idleSince = System.nanoTime();
        }
        closeIfDone(c);
    }

    /** A connection going away closes once its last stream ends, however it ended. */
    private void closeIfDone(Connection c) {
        if (c.goingAway && c.streams.isEmpty() && !c.dead) {
            closeConnection(c);
        }
    }

    private void fail(Stream s, Throwable error) {
        if (s.done) {
            return;
        }
        s.done = true;
        active.remove(s);
        if (s.connection != null) {
            reset(s, CANCEL);
        }
        answerFailure(s.handler, error, s.key);
    }

    /** The connection failed: it is closed, and every stream on it or waiting for it fails alike. */
    private void broken(Connection c, Throwable error) {
        if (c.dead) {
            return;
        }
        closeConnection(c);
        List<Stream> lost = new ArrayList<>(c.streams.values());
        lost.addAll(c.queued);
        c.streams.clear();
        c.queued.clear();
        for (Stream s : lost) {
            s.connection = null;
            fail(s, error);
        }
    }

    private void closeConnection(Connection c) {
        c.dead = true;
        List<Connection> pool = connections.get(c.key);
        if (pool != null) {
            pool.remove(c);
            if (pool.isEmpty()) {
                connections.remove(c.key);
            }
        }
        if (c.selection != null) {
            c.selection.cancel();
        }
        if (c.channel != null) {
            closeQuietly(c.channel);
        }
    }

    @Override
    long selectTimeoutMillis() {
        return active.isEmpty() && connections.isEmpty() ? 0 : 1000;
    }

    /** Exchange and connect deadlines, idle connections past their time: at most once a second. */
    @Override
    void expire() {
        long now = System.nanoTime();
        if (now - nextCheck < 0) {
            return;
        }
        nextCheck = now + Duration.ofSeconds(1).toNanos();
        List<Connection> late = new ArrayList<>();
        List<Connection> idle = new ArrayList<>();
        List<Connection> silent = new ArrayList<>();
        connections.values().forEach(pool -> pool.forEach(c -> {
            if (c.pingDeadline != 0 && now - c.pingDeadline >= 0) {
                silent.add(c);
            } else if (!c.settled && now - c.connectDeadline >= 0) {
                late.add(c);
            } else if (c.settled && c.load() == 0 && now - c.idleSince > IDLE_TIMEOUT.toNanos()) {
                idle.add(c);
            }
        }));
        late.forEach(c -> broken(c, new HttpConnectTimeoutException("connecting to " + c.key + " took more than "
                + connectTimeout)));
        idle.forEach(this::closeConnection);
        silent.forEach(c -> broken(c, new IOException("agent " + c.key + " did not answer a PING within "
                + PING_TIMEOUT.toSeconds() + " s after a reply on the connection missed its deadline")));
        List<Stream> overdue = new ArrayList<>();
        for (Stream s : active) {
            if (now - s.deadline >= 0) {
                overdue.add(s);
            }
        }
        Set<Connection> touched = new HashSet<>();
        for (Stream s : overdue) {
            if (s.connection != null && s.id != 0) {
                touched.add(s.connection);
            }
            fail(s, new HttpTimeoutException("agent " + s.key + " did not finish its reply within " + s.timeout));
        }
        for (Connection c : touched) {
            flushQuietly(c);
            // a connection that let a reply miss its deadline may be dead without a word (a paused
            // agent, a dropped NAT entry: nothing comes back to say so while queries are held): the
            // retries go on a new one, as over HTTP/1.1, where a timed-out request's connection is
            // closed, and a PING tells whether the streams still on it wait on a live agent
            if (!c.dead) {
                if (c.pingDeadline == 0 && !c.streams.isEmpty()) {
                    frame(c, PING, 0, 0, new byte[8], 0, 8);
                    c.pingDeadline = now + PING_TIMEOUT.toNanos();
                    flushQuietly(c);
                }
                retire(c);
            }
        }
    }

    @Override
    void failEverything() {
        new ArrayList<>(active).forEach(s -> fail(s, closedError()));
        List<Connection> all = new ArrayList<>();
        connections.values().forEach(all::addAll);
        all.forEach(c -> {
            if (!c.dead && c.handshaken) {
                // a polite end; nothing waits for it to be read
                frame(c, GOAWAY, 0, 0, new byte[8], 0, 8);
                try {
                    flush(c);
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            closeConnection(c);
        });
    }
}
