package dev.naming.consul;

import dev.naming.spi.NamingLoggers;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;

/**
 * GET requests over plain HTTP/1.1 for the watches of one {@code Naming}, every connection on one
 * selector, whose leading thread ({@value #THREAD_NAME}, one of two taking turns: {@link SelectorReads})
 * reads each reply and hands it to its handler itself.
 *
 * <p>Why not {@code java.net.http} here: a blocking query's reply comes after the
 * machine has idled for as long as the service was quiet, so every line of code between the socket
 * and the listener runs cold, and the JDK client's HTTP/1.1 pipeline (its subscribers, schedulers
 * and futures for the headers and then the body) is a long path: 1.1–1.4 ms p50 from the agent's
 * write to our listener in the benchmark's runs with it, where a client that reads the same reply
 * with one blocking read and parses it ({@code BlockingReadFloor}) takes 0.3–0.45 ms
 * (docs/BENCHMARKS.md). This class is that plain read, on a selector.
 * It does only what Consul's HTTP API needs: GET, {@code Content-Length}, chunked and
 * read-to-close bodies, keep-alive with one request at a time per connection, 1xx replies skipped.
 * No redirects, no compression (none is asked for), no proxies, no pipelining.
 *
 * <p>Connections: one per pending request (HTTP/1.1 does not multiplex), kept open after a reply
 * that allows it and reused by the next request to the same agent; an idle one is closed after
 * {@link #IDLE_TIMEOUT} or when the agent closes it. A request sent on a reused connection that
 * the agent had closed meanwhile (nothing of a reply came back) is sent once more on a new one,
 * as a GET may be. An agent given by host name (not an address) is looked up when a connection
 * is opened, on a thread {@value #LOOKUP_THREAD_NAME} per name being looked up (started on
 * demand, ended after 30 s without a lookup): a DNS server that does not answer holds only the
 * requests that wait for a lookup, up to the connect timeout, which covers lookup and connect
 * together, not the replies on connections already open.
 *
 * <p>Each request's handler is called once: with the reply, or with an {@link IOException}
 * (connection refused or lost, connect timeout as {@link HttpConnectTimeoutException}, a reply
 * that is not HTTP/1.x), or with a {@link CancellationException} after {@link Exchange#cancel()}
 * or {@link #close()}; on the leading thread (a request made after {@link #close()}: on the
 * caller's), never under a lock of this class. A handler must not block: every other request of
 * this {@code Naming} waits while it runs. If the leading thread dies (an {@link Error}), pending
 * and later requests fail with an {@link IOException} and {@link #usable()} turns false.
 */
final class Http1Reads extends SelectorReads {

    private static final Logger LOG = NamingLoggers.get(Http1Reads.class);

    static final String THREAD_NAME = "naming-consul-http";
    /** A reply's status line and headers past this many bytes are refused. */
    static final int MAX_HEAD = 64 * 1024;
    private static final int MAX_CHUNK_LINE = 4096;

    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    // leading thread only
    private final Map<String, ArrayDeque<Connection>> idle = new HashMap<>();
    private final Set<Exchange> active = new HashSet<>();
    private long nextCheck;

    Http1Reads(Duration connectTimeout) throws IOException {
        this(connectTimeout, InetAddress::getByName);
    }

    Http1Reads(Duration connectTimeout, Resolver resolver) throws IOException {
        super("plain-HTTP", THREAD_NAME, connectTimeout, resolver);
        this.nextCheck = System.nanoTime();
        startReading();
    }

    /** Over HTTP/1.1: {@code Host} and {@code User-Agent} are this class's own. */
    @Override
    Exchange send(String host, int port, String authority, String target, Map<String, String> headers,
                  Duration timeout, Handler handler) {
        StringBuilder head = new StringBuilder(256).append("GET ").append(target)
                .append(" HTTP/1.1\r\nHost: ").append(authority)
                .append("\r\nUser-Agent: naming-consul\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("\r\n");
        Exchange exchange = new Exchange(host, port, host + ":" + port,
                head.toString().getBytes(StandardCharsets.ISO_8859_1), timeout, handler);
        submit(() -> start(exchange), handler);
        return exchange;
    }

    /** One request and its reply, read as it comes. */
    final class Exchange implements SelectorReads.Exchange {
        private final String host;
        private final int port;
        private final String key;
        private final byte[] request;
        private final Handler handler;
        private final Duration timeout;
        private final long deadline;
        // selector thread only, from here on
        private Connection connection;
        private boolean done;
        private boolean retried;
        /** While connecting: when connecting has taken too long; 0 otherwise. */
        private long connectDeadline;
        private byte[] raw = new byte[1024];
        private int rawLength;
        private boolean received;
        private int headEnd = -1;
        private int scanned;
        private int status;
        private Map<String, List<String>> headers;
        private Framing framing;
        private long contentLength;
        private boolean keepAlive;
        private int chunkAt;
        private ChunkState chunkState = ChunkState.SIZE;
        private long chunkLeft;
        private byte[] body;
        private int bodyLength;

        private Exchange(String host, int port, String key, byte[] request, Duration timeout, Handler handler) {
            this.timeout = timeout;
            this.deadline = System.nanoTime() + timeout.toNanos();
            this.host = host;
            this.port = port;
            this.key = key;
            this.request = request;
            this.handler = handler;
        }

        /** Aborts the request: its connection is closed, its handler gets a {@link CancellationException}. */
        @Override
        public void cancel() {
            submit(() -> fail(this, new CancellationException("cancelled")), null);
        }
    }

    private enum Framing { LENGTH, CHUNKED, UNTIL_CLOSE }

    private enum ChunkState { SIZE, DATA, DATA_END, TRAILER }

    /** A connection to an agent: carrying one exchange, or idle in the pool. */
    private static final class Connection {
        private final SocketChannel channel;
        private final String key;
        private SelectionKey selection;
        private Exchange exchange;
        private ByteBuffer out;
        private boolean reused;
        private long idleSince;

        Connection(SocketChannel channel, String key) {
            this.channel = channel;
            this.key = key;
        }
    }

    /**
     * Wakes once a second for deadlines and idle expiry while there is something to expire, else
     * waits: a timer per request would cost a thread wake-up per request (read deadlines are a
     * minute; a second's precision is enough).
     */
    @Override
    long selectTimeoutMillis() {
        return active.isEmpty() && idle.isEmpty() ? 0 : 1000;
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
                    c.exchange.connectDeadline = 0;
                    write(c);
                }
            } else if (selection.isWritable()) {
                write(c);
            } else if (selection.isReadable()) {
                read(c);
            }
        } catch (IOException e) {
            broken(c, e);
        }
    }

    private void start(Exchange e) {
        if (e.done) {
            return;
        }
        if (closed) {
            fail(e, closedError());
            return;
        }
        active.add(e);
        ArrayDeque<Connection> pool = idle.get(e.key);
        Connection c = pool == null ? null : pool.pollLast();
        if (pool != null && pool.isEmpty()) {
            idle.remove(e.key);
        }
        if (c != null) {
            c.reused = true;
            attach(c, e);
            try {
                write(c);
            } catch (IOException error) {
                broken(c, error);
            }
            return;
        }
        open(e);
    }

    private void open(Exchange e) {
        if (literal(e.host) == null) {
            // the connect deadline covers the lookup too
            e.connectDeadline = System.nanoTime() + connectTimeout.toNanos();
        }
        resolve(e.host, e.port, () -> e.done, address -> connect(e, address), failure -> fail(e, failure));
    }

    private void connect(Exchange e, InetSocketAddress address) {
        SocketChannel channel = null;
        try {
            channel = openChannel();
            Connection c = new Connection(channel, e.key);
            attach(c, e);
            if (channel.connect(address)) {
                // connected at once: a deadline set before a lookup no longer applies
                e.connectDeadline = 0;
                c.selection = channel.register(selector, 0, c);
                write(c);
            } else {
                c.selection = channel.register(selector, SelectionKey.OP_CONNECT, c);
                if (e.connectDeadline == 0) {
                    // set already when a lookup came first: the timeout covers both
                    e.connectDeadline = System.nanoTime() + connectTimeout.toNanos();
                }
            }
        } catch (IOException | RuntimeException error) {
            if (channel != null) {
                closeQuietly(channel);
            }
            e.connection = null;
            fail(e, error instanceof IOException io ? io : new IOException(error.toString(), error));
        }
    }

    private static void attach(Connection c, Exchange e) {
        c.exchange = e;
        c.out = ByteBuffer.wrap(e.request);
        e.connection = c;
    }

    private void write(Connection c) throws IOException {
        c.channel.write(c.out);
        c.selection.interestOps(c.out.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }

    private void read(Connection c) throws IOException {
        Exchange e = c.exchange;
        if (e == null) {
            // idle: the agent closed it (or sent what nobody asked for)
            dropIdle(c);
            return;
        }
        while (true) {
            readBuffer.clear();
            int n = c.channel.read(readBuffer);
            if (n < 0) {
                ended(c, e);
                return;
            }
            if (n == 0) {
                return;
            }
            readBuffer.flip();
            append(e, readBuffer);
            if (parse(e)) {
                complete(c, e);
                return;
            }
            if (n < readBuffer.capacity()) {
                return;
            }
        }
    }

    private static void append(Exchange e, ByteBuffer data) throws IOException {
        int n = data.remaining();
        if (e.rawLength + n > e.raw.length) {
            long wanted = Math.max((long) e.rawLength + n, Math.min((long) e.raw.length * 2, MAX_HEAD + (long) MAX_BODY));
            if (wanted > MAX_HEAD + (long) MAX_BODY) {
                throw new IOException("reply larger than " + MAX_BODY + " bytes");
            }
            e.raw = Arrays.copyOf(e.raw, (int) wanted);
        }
        data.get(e.raw, e.rawLength, n);
        e.received = true;
        e.rawLength += n;
    }

    /** Reads as much of the reply as has come; true once it is complete. */
    private static boolean parse(Exchange e) throws IOException {
        while (e.headEnd < 0) {
            int end = indexOfBlankLine(e.raw, Math.max(0, e.scanned - 3), e.rawLength);
            if (end < 0) {
                e.scanned = e.rawLength;
                if (e.rawLength > MAX_HEAD) {
                    throw new IOException("reply head larger than " + MAX_HEAD + " bytes");
                }
                return false;
            }
            head(e, end);
            if (e.status == 101) {
                throw new IOException("the agent switched protocols (101), which nothing asked for");
            }
            if (e.status >= 100 && e.status < 200) {
                // an interim reply (100 Continue and the like): the real one follows
                System.arraycopy(e.raw, end, e.raw, 0, e.rawLength - end);
                e.rawLength -= end;
                e.scanned = 0;
                continue;
            }
            e.headEnd = end;
            e.chunkAt = end;
            if (e.framing == Framing.LENGTH) {
                if (e.contentLength > MAX_BODY) {
                    throw new IOException("reply of " + e.contentLength + " bytes, more than " + MAX_BODY);
                }
                // room for what is announced, up to 64 KiB at once: a wrong length must not allocate
                // its size before any byte of it came
                long wanted = end + Math.min(e.contentLength, 64 * 1024);
                if (e.raw.length < wanted) {
                    e.raw = Arrays.copyOf(e.raw, (int) wanted);
                }
            } else if (e.framing == Framing.CHUNKED) {
                e.body = new byte[1024];
            }
        }
        switch (e.framing) {
            case LENGTH:
                if (e.rawLength - e.headEnd < e.contentLength) {
                    return false;
                }
                if (e.rawLength - e.headEnd > e.contentLength) {
                    // more than the reply: nothing was asked for, so the connection is not to be trusted again
                    e.keepAlive = false;
                }
                e.body = Arrays.copyOfRange(e.raw, e.headEnd, e.headEnd + (int) e.contentLength);
                e.bodyLength = e.body.length;
                return true;
            case CHUNKED:
                return chunks(e);
            default:
                return false;
        }
    }

    /** Decodes the chunks that have come; true after the last chunk and the trailers. */
    private static boolean chunks(Exchange e) throws IOException {
        int at = e.chunkAt;
        while (true) {
            switch (e.chunkState) {
                case SIZE, TRAILER: {
                    int eol = indexOfLineEnd(e.raw, at, e.rawLength);
                    if (eol < 0) {
                        if (e.rawLength - at > MAX_CHUNK_LINE) {
                            throw new IOException("chunk line longer than " + MAX_CHUNK_LINE + " bytes");
                        }
                        return keepFrom(e, at);
                    }
                    String line = new String(e.raw, at, eol - at, StandardCharsets.ISO_8859_1);
                    at = eol + 2;
                    if (e.chunkState == ChunkState.TRAILER) {
                        if (line.isEmpty()) {
                            e.keepAlive &= at == e.rawLength;
                            return true;
                        }
                        continue;
                    }
                    int semicolon = line.indexOf(';');
                    String size = (semicolon < 0 ? line : line.substring(0, semicolon)).trim();
                    long n;
                    try {
                        n = Long.parseLong(size, 16);
                    } catch (NumberFormatException notHex) {
                        throw new IOException("bad chunk size: " + abbreviate(line));
                    }
                    if (n < 0 || n > MAX_BODY - e.bodyLength) {
                        throw new IOException("bad chunk size: " + abbreviate(line));
                    }
                    e.chunkLeft = n;
                    e.chunkState = n == 0 ? ChunkState.TRAILER : ChunkState.DATA;
                    break;
                }
                case DATA: {
                    int take = (int) Math.min(e.chunkLeft, e.rawLength - at);
                    if (take > 0) {
                        if (e.bodyLength + take > e.body.length) {
                            e.body = Arrays.copyOf(e.body, Math.max(e.bodyLength + take, e.body.length * 2));
                        }
                        System.arraycopy(e.raw, at, e.body, e.bodyLength, take);
                        e.bodyLength += take;
                        at += take;
                        e.chunkLeft -= take;
                    }
                    if (e.chunkLeft > 0) {
                        return keepFrom(e, at);
                    }
                    e.chunkState = ChunkState.DATA_END;
                    break;
                }
                case DATA_END: {
                    if (e.rawLength - at < 2) {
                        return keepFrom(e, at);
                    }
                    if (e.raw[at] != '\r' || e.raw[at + 1] != '\n') {
                        throw new IOException("chunk not followed by CRLF");
                    }
                    at += 2;
                    e.chunkState = ChunkState.SIZE;
                    break;
                }
                default:
                    throw new IllegalStateException();
            }
        }
    }

    /** Drops the decoded bytes before {@code at} from the raw buffer; the reply is not complete yet. */
    private static boolean keepFrom(Exchange e, int at) {
        System.arraycopy(e.raw, at, e.raw, 0, e.rawLength - at);
        e.rawLength -= at;
        e.chunkAt = 0;
        return false;
    }

    /** Reads the status line and headers in {@code raw[0, end)}. */
    private static void head(Exchange e, int end) throws IOException {
        // end - 4: without the blank line; a reply's every step runs cold, so no regular expression here
        List<String> lines = new ArrayList<>(16);
        for (int from = 0; from < end - 2; ) {
            int eol = indexOfLineEnd(e.raw, from, end);
            lines.add(new String(e.raw, from, eol - from, StandardCharsets.ISO_8859_1));
            from = eol + 2;
        }
        String statusLine = lines.get(0);
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
            throw new IOException("not an HTTP/1.x reply: " + abbreviate(statusLine));
        }
        try {
            e.status = Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException notANumber) {
            throw new IOException("not an HTTP/1.x reply: " + abbreviate(statusLine));
        }
        boolean http11 = statusLine.charAt(7) != '0';
        Map<String, List<String>> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        String last = null;
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty()) {
                continue;
            }
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && last != null) {
                // an obsolete folded line continues the previous field
                List<String> values = fields.get(last);
                values.set(values.size() - 1, values.get(values.size() - 1) + " " + line.strip());
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("bad header line: " + abbreviate(line));
            }
            last = line.substring(0, colon).strip();
            fields.computeIfAbsent(last, k -> new ArrayList<>()).add(line.substring(colon + 1).strip());
        }
        e.headers = fields;
        String connection = String.join(",", fields.getOrDefault("Connection", List.of())).toLowerCase(Locale.ROOT);
        e.keepAlive = http11 ? !hasToken(connection, "close") : hasToken(connection, "keep-alive");
        List<String> codings = fields.getOrDefault("Transfer-Encoding", List.of());
        List<String> lengths = fields.getOrDefault("Content-Length", List.of());
        if (e.status == 204 || e.status == 304 || e.status < 200) {
            e.framing = Framing.LENGTH;
            e.contentLength = 0;
        } else if (!codings.isEmpty()) {
            // only chunked alone: no compression was asked for, and another coding would leave the body unreadable
            String[] tokens = String.join(",", codings).split(",");
            if (tokens.length != 1 || !tokens[0].strip().equalsIgnoreCase("chunked")) {
                throw new IOException("unsupported Transfer-Encoding: " + codings);
            }
            e.framing = Framing.CHUNKED;
        } else if (!lengths.isEmpty()) {
            try {
                e.contentLength = Long.parseLong(lengths.get(0));
            } catch (NumberFormatException notANumber) {
                throw new IOException("bad Content-Length: " + lengths);
            }
            if (e.contentLength < 0 || lengths.stream().anyMatch(l -> !l.equals(lengths.get(0)))) {
                throw new IOException("bad Content-Length: " + lengths);
            }
            e.framing = Framing.LENGTH;
        } else {
            e.framing = Framing.UNTIL_CLOSE;
            e.keepAlive = false;
        }
    }

    private static boolean hasToken(String commaList, String token) {
        for (String t : commaList.split(",")) {
            if (t.strip().equals(token)) {
                return true;
            }
        }
        return false;
    }

    private static String abbreviate(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "…" : s;
    }

    private static int indexOfBlankLine(byte[] b, int from, int to) {
        for (int i = from; i + 3 < to; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i + 4;
            }
        }
        return -1;
    }

    private static int indexOfLineEnd(byte[] b, int from, int to) {
        for (int i = from; i + 1 < to; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** The agent closed the connection: the end of a read-to-close body, or a reply cut short. */
    private void ended(Connection c, Exchange e) {
        if (e.headEnd >= 0 && e.framing == Framing.UNTIL_CLOSE) {
            e.body = Arrays.copyOfRange(e.raw, e.headEnd, e.rawLength);
            e.bodyLength = e.body.length;
            e.keepAlive = false;
            complete(c, e);
            return;
        }
        broken(c, new IOException("the agent closed the connection before its reply ended"));
    }

    /** A connection failed under {@code c.exchange}: once more on a new connection, or the request fails. */
    private void broken(Connection c, IOException error) {
        Exchange e = c.exchange;
        closeConnection(c);
        if (e == null || e.done) {
            return;
        }
        e.connection = null;
        e.connectDeadline = 0;
        if (c.reused && !e.retried && !e.received && !closed) {
            // a kept-alive connection the agent had closed meanwhile: the request never reached it
            e.retried = true;
            LOG.debug("consul: a kept-alive connection to {} was closed ({}), sending again on a new one", e.key,
                    error.toString());
            open(e);
            return;
        }
        fail(e, error);
    }

    private void complete(Connection c, Exchange e) {
        c.exchange = null;
        c.out = null;
        e.connection = null;
        if (e.keepAlive && !closed) {
            c.idleSince = System.nanoTime();
            idle.computeIfAbsent(c.key, k -> new ArrayDeque<>()).addLast(c);
        } else {
            closeConnection(c);
        }
        active.remove(e);
        e.done = true;
        byte[] body = e.bodyLength == e.body.length ? e.body : Arrays.copyOf(e.body, e.bodyLength);
        Response response = new Response(e.status, e.headers, body);
        e.raw = null;
        answer(e.handler, response, e.key);
    }

    private void fail(Exchange e, Throwable error) {
        if (e.done) {
            return;
        }
        e.done = true;
        active.remove(e);
        if (e.connection != null) {
            Connection c = e.connection;
            c.exchange = null;
            e.connection = null;
            closeConnection(c);
        }
        answerFailure(e.handler, error, e.key);
    }

    private void dropIdle(Connection c) {
        ArrayDeque<Connection> pool = idle.get(c.key);
        if (pool != null) {
            pool.remove(c);
            if (pool.isEmpty()) {
                idle.remove(c.key);
            }
        }
        closeConnection(c);
    }

    private static void closeConnection(Connection c) {
        if (c.selection != null) {
            c.selection.cancel();
        }
        closeQuietly(c.channel);
    }

    /** Connect and exchange deadlines, idle connections past their time: at most once a second. */
    @Override
    void expire() {
        long now = System.nanoTime();
        if (now - nextCheck < 0) {
            return;
        }
        nextCheck = now + Duration.ofSeconds(1).toNanos();
        Map<Exchange, IOException> late = new HashMap<>();
        for (Exchange e : active) {
            if (e.connectDeadline != 0 && now - e.connectDeadline >= 0) {
                late.put(e, new HttpConnectTimeoutException("connecting to " + e.key + " took more than " + connectTimeout));
            } else if (now - e.deadline >= 0) {
                late.put(e, new HttpTimeoutException("agent " + e.key + " did not finish its reply within " + e.timeout));
            }
        }
        late.forEach(this::fail);
        if (idle.isEmpty()) {
            return;
        }
        long limit = IDLE_TIMEOUT.toNanos();
        List<Connection> stale = new ArrayList<>();
        idle.values().forEach(pool -> pool.forEach(c -> {
            if (now - c.idleSince > limit) {
                stale.add(c);
            }
        }));
        stale.forEach(this::dropIdle);
    }

    @Override
    void failEverything() {
        new ArrayList<>(active).forEach(e -> fail(e, closedError()));
        new ArrayList<>(idle.values()).forEach(pool -> new ArrayList<>(pool).forEach(this::dropIdle));
    }
}
