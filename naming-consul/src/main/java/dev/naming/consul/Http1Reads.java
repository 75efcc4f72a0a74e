package dev.naming.consul;

import dev.naming.spi.HeldDeliveries;
import dev.naming.spi.NamingLoggers;
import dev.naming.spi.NamingThreads;
import dev.naming.spi.WatchSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
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
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;

/**
 * GET requests over plain HTTP/1.1 for the watches of one {@code Naming}, every connection on one
 * selector, whose thread ({@value #THREAD_NAME}) reads each reply and hands it to its handler itself.
 *
 * <p>Two threads take turns at the selector (leader/followers): one leads, the other stands by.
 * Replies are handed to their watches inside {@link WatchSink#holdDeliveries}; when that holds
 * listener calls for the {@code Naming}'s dispatcher, the leader makes the standby lead and runs the
 * first call itself ({@link HeldDeliveries#runHere()}), then stands by. The default listener is then
 * called with no thread woken before it (the standby wakes beside it, and sends the next queries),
 * and one that blocks still holds only its own subscription:
 * the other thread reads on, and while no thread stands by, held calls go to the dispatcher
 * (docs/BENCHMARKS.md measures both).
 *
 * <p>Why not {@code java.net.http} here, as over TLS: a blocking query's reply comes after the
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
final class Http1Reads implements AutoCloseable {

    private static final Logger LOG = NamingLoggers.get(Http1Reads.class);

    static final String THREAD_NAME = "naming-consul-http";
    /** Looks up agents' host names, when they are names. */
    static final String LOOKUP_THREAD_NAME = "naming-consul-lookup";
    /** How long a connection may stay unused in the pool. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** A reply's status line and headers past this many bytes are refused. */
    static final int MAX_HEAD = 64 * 1024;
    /** A reply's body past this many bytes is refused (a health list of 100,000 instances is far below it). */
    static final int MAX_BODY = 256 * 1024 * 1024;
    private static final int MAX_CHUNK_LINE = 4096;

    /** What a request's sender learns, once: on the selector thread, or on the caller's for a request made after close. */
    interface Handler {
        void answered(Response response);

        void failed(Throwable error);
    }

    /** A complete reply; {@code headers} maps each name, case-insensitively, to its values. */
    record Response(int status, Map<String, List<String>> headers, byte[] body) {

        /** The first value of header {@code name}, any case. */
        Optional<String> header(String name) {
            List<String> values = headers.get(name);
            return values == null ? Optional.empty() : Optional.of(values.get(0));
        }
    }

    private final Duration connectTimeout;
    private final Resolver resolver;
    private final Selector selector;
    /** Guards {@link #standby} and every change of {@link #leader}. */
    private final Object turn = new Object();
    /** The thread that selects and reads now: the fields marked "selector thread only" are its. */
    private volatile Thread leader;
    /** The thread waiting to take the reading over, when one is (guarded by {@link #turn}). */
    private Thread standby;
    private final Set<Thread> readers = ConcurrentHashMap.newKeySet();
    private final ThreadFactory readerThreads = NamingThreads.factory(THREAD_NAME, false);
    /** Counted down once the leading thread has failed every request and closed the selector. */
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    // selector thread only
    private final Map<String, ArrayDeque<Connection>> idle = new HashMap<>();
    private final Set<Exchange> active = new HashSet<>();
    private long nextCheck;
    private ThreadPoolExecutor lookups;
    /** Names being looked up, and the requests waiting for each. */
    private final Map<String, List<Exchange>> lookingUp = new HashMap<>();
    private volatile boolean closed;
    private volatile Throwable crash;

    /** Looks up an agent's host name; may block (DNS). */
    interface Resolver {
        InetAddress resolve(String host) throws IOException;
    }

    Http1Reads(Duration connectTimeout) throws IOException {
        this(connectTimeout, InetAddress::getByName);
    }

    Http1Reads(Duration connectTimeout, Resolver resolver) throws IOException {
        this.connectTimeout = connectTimeout;
        this.resolver = resolver;
        this.selector = Selector.open();
        this.nextCheck = System.nanoTime();
        startReader(true);
        try {
            startReader(false);
        } catch (RuntimeException | Error e) {
            close(); // the first thread would wait on a selector nothing else can reach
            throw e;
        }
    }

    /**
     * Sends {@code GET target} to {@code host:port} with {@code headers} ({@code Host} and
     * {@code User-Agent} are this class's own).
     *
     * @param host a name or an address; an IPv6 address with or without brackets
     * @param timeout for the whole exchange, connecting included; past it (checked about once a
     *     second) the request fails with an {@link HttpTimeoutException}
     * @throws IllegalArgumentException a header value or the target with a line break or a control character
     */
    Exchange get(String host, int port, String target, Map<String, String> headers, Duration timeout,
                 Handler handler) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        String authority = (bare.indexOf(':') >= 0 ? "[" + bare + "]" : bare) + ":" + port;
        StringBuilder head = new StringBuilder(256).append("GET ").append(checked("target", target))
                .append(" HTTP/1.1\r\nHost: ").append(checked("host", authority))
                .append("\r\nUser-Agent: naming-consul\r\n");
        headers.forEach((name, value) -> head.append(checked("header name", name)).append(": ")
                .append(checked(name, value)).append("\r\n"));
        head.append("\r\n");
        Exchange exchange = new Exchange(bare, port, bare + ":" + port,
                head.toString().getBytes(StandardCharsets.ISO_8859_1), timeout, handler);
        submit(() -> start(exchange), exchange);
        return exchange;
    }

    private static String checked(String what, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f || c > 0xff) {
                throw new IllegalArgumentException(what + " holds a character not allowed in an HTTP/1.1 request: U+"
                        + String.format("%04X", (int) c));
            }
        }
        return value;
    }

    /**
     * Runs {@code task} on the leading thread once it is done with the replies it is reading now:
     * after the listener calls they held were handed on (a handler sends its next request from
     * here, so that the thread that calls the listener does not send it first). Once closed, runs
     * it on the caller's thread.
     */
    void afterReplies(Runnable task) {
        Runnable guarded = () -> {
            try {
                task.run();
            } catch (RuntimeException | Error bug) {
                // the handler's own code, run later: it must not stop the reads of every other watch
                LOG.warn("consul: a task a reply left failed", bug);
            }
        };
        if (!submit(guarded, null)) {
            guarded.run();
        }
    }

    /**
     * Runs {@code task} on the leading thread; {@code false} when closed. Once closed, {@code unsent}
     * (a request not yet started, which nothing else would answer) fails instead; a cancel has
     * nothing left to do.
     */
    private boolean submit(Runnable task, Exchange unsent) {
        synchronized (tasks) {
            if (!closed) {
                tasks.add(task);
                if (Thread.currentThread() != leader) {
                    selector.wakeup();
                }
                return true;
            }
        }
        if (unsent != null) {
            unsent.handler.failed(closedError());
        }
        return false;
    }

    /** What a request fails with once this is closed: cancelled, or an I/O error if the selector thread died. */
    private Exception closedError() {
        Throwable why = crash;
        return why == null ? new CancellationException("closed")
                : new IOException("the plain-HTTP selector thread stopped: " + why, why);
    }

    /** False once closed, or once its selector thread died: then a new one is needed. */
    boolean usable() {
        return !closed;
    }

    /** One request and its reply, read as it comes. */
    final class Exchange {
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
        void cancel() {
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

    // ---- the selector thread -------------------------------------------------------------------

    private Thread startReader(boolean leading) {
        Thread t = readerThreads.newThread(() -> {
            try {
                read(leading);
            } finally {
                readers.remove(Thread.currentThread());
            }
        });
        readers.add(t);
        if (leading) {
            leader = t;
        }
        t.start();
        return t;
    }

    /**
     * A reader thread's life: it leads (selects and reads), and when replies held listener calls
     * and the standby took the reading over, it runs the first of those calls and then stands by.
     */
    private void read(boolean leading) {
        if (!leading && !awaitTurn()) {
            return;
        }
        while (true) {
            HeldDeliveries held = lead();
            if (held == null) {
                return;
            }
            try {
                held.runHere();
            } catch (VirtualMachineError e) {
                // what a pool thread dying of it would leave: this thread stands by again instead
                LOG.error("consul: a listener call on a plain-HTTP reading thread failed", e);
            }
            // the dispatcher clears what a listener left, and so must this thread: an interrupt
            // left set would end every park and select at once, and the threads would spin
            Thread.interrupted();
            if (!awaitTurn()) {
                return;
            }
        }
    }

    /** Stands by until made the leader ({@code true}); {@code false} once closed, or when another stands by already. */
    private boolean awaitTurn() {
        Thread me = Thread.currentThread();
        synchronized (turn) {
            if (standby != null || closed) {
                return false;
            }
            standby = me;
        }
        while (leader != me) {
            if (closed) {
                synchronized (turn) {
                    if (leader == me) {
                        return true; // handed the reading just before the close: its shutdown is this thread's
                    }
                    if (standby == me) {
                        standby = null;
                    }
                    return false;
                }
            }
            LockSupport.park(this);
        }
        return true;
    }

    /**
     * Makes the standby the leader, if one stands by: a reply's listener call may then run on this
     * thread, and the standby's wake-up happens beside it rather than before it.
     */
    private boolean handOver() {
        synchronized (turn) {
            Thread next = standby;
            if (next == null || closed) {
                return false;
            }
            standby = null;
            leader = next;
            LockSupport.unpark(next);
            return true;
        }
    }

    /**
     * Selects and reads until closed (then fails what is pending and returns {@code null}), or until
     * a reply held listener calls and the standby took the reading over: this thread then returns
     * them, to run with no part in the reading left.
     */
    private HeldDeliveries lead() {
        try {
            while (!closed) {
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                expire();
                // a listener on this thread (withExecutor(Runnable::run)) may have left an interrupt
                Thread.interrupted();
                HeldDeliveries held = WatchSink.holdDeliveries(this::select);
                if (!held.isEmpty()) {
                    boolean handed = false;
                    try {
                        handed = handOver();
                    } finally {
                        if (!handed) {
                            held.dispatch();
                        }
                    }
                    if (handed) {
                        // the next queries those replies sent wait in tasks: the new leader sends them
                        return held;
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
            // pending and later requests fail as I/O errors, so the watches back off and retry on a new reader
            LOG.error("consul: the plain-HTTP selector thread stopped; the watches will retry on a new one", cause);
            synchronized (tasks) {
                crash = cause;
                closed = true;
            }
        }
        try {
            shutdown();
        } finally {
            stopped.countDown();
            wakeStandby();
        }
        return null;
    }

    private void select() {
        try {
            // a task queued by this thread (a handler that sends again) must not wait for the next wake-up
            if (tasks.isEmpty()) {
                selector.select(this::ready, selectTimeoutMillis());
            } else {
                selector.selectNow(this::ready);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void wakeStandby() {
        Thread waiting;
        synchronized (turn) {
            waiting = standby;
        }
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
    }

    /**
     * Wakes once a second for deadlines and idle expiry while there is something to expire, else
     * waits: a timer per request would cost a thread wake-up per request (read deadlines are a
     * minute; a second's precision is enough).
     */
    private long selectTimeoutMillis() {
        return active.isEmpty() && idle.isEmpty() ? 0 : 1000;
    }

    private void ready(SelectionKey selection) {
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
        InetAddress literal = literal(e.host);
        if (literal != null) {
            connect(e, new InetSocketAddress(literal, e.port));
            return;
        }
        // a lookup may block for seconds (a DNS server that does not answer): not on this thread,
        // where it would hold every other watch's reply; the connect deadline covers it
        e.connectDeadline = System.nanoTime() + connectTimeout.toNanos();
        List<Exchange> waiting = lookingUp.get(e.host);
        if (waiting != null) {
            // one lookup per name at a time (the JDK runs one per name anyway): requests that come
            // meanwhile wait for its answer; those that timed out waiting are dropped now
            waiting.removeIf(w -> w.done);
            waiting.add(e);
            return;
        }
        waiting = new ArrayList<>();
        waiting.add(e);
        lookingUp.put(e.host, waiting);
        String host = e.host;
        try {
            lookups().execute(() -> {
                InetAddress address = null;
                IOException error = null;
                try {
                    address = resolver.resolve(host);
                } catch (IOException | RuntimeException x) {
                    error = new IOException("cannot resolve " + host + ": " + x.getMessage(), x);
                }
                InetAddress resolved = address;
                IOException failure = error;
                submit(() -> looked(host, resolved, failure), null);
            });
        } catch (RejectedExecutionException closing) {
            lookingUp.remove(host);
            fail(e, closedError());
        }
    }

    /** A lookup of {@code host} ended: the requests that waited for it connect, or fail. */
    private void looked(String host, InetAddress address, IOException failure) {
        List<Exchange> waiting = lookingUp.remove(host);
        if (waiting == null) {
            return;
        }
        for (Exchange e : waiting) {
            if (e.done) {
                continue;
            }
            if (failure != null) {
                fail(e, failure);
            } else {
                connect(e, new InetSocketAddress(address, e.port));
            }
        }
    }

    /** The address {@code host} spells, without a lookup; {@code null} for a name. */
    static InetAddress literal(String host) {
        if (host.indexOf(':') < 0 && !dottedQuad(host)) {
            return null;
        }
        try {
            // a dotted quad or an IPv6 address: parsed, never looked up
            return InetAddress.getByName(host);
        } catch (IOException notAnAddress) {
            return null;
        }
    }

    /** Four decimal numbers of at most 255, dot-separated. */
    private static boolean dottedQuad(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')
                    || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    /**
     * The threads that look up host names: one per name being looked up (a lookup that hangs for
     * one agent must not hold the lookup of the agent a watch fails over to), so no more than the
     * agents given by name; each ends after 30 s without a lookup. Selector thread only.
     */
    private ThreadPoolExecutor lookups() {
        if (lookups == null) {
            lookups = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                    NamingThreads.factory(LOOKUP_THREAD_NAME, false));
        }
        return lookups;
    }

    private void connect(Exchange e, InetSocketAddress address) {
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
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
        try {
            e.handler.answered(response);
        } catch (RuntimeException | Error bug) {
            LOG.warn("consul: handling a reply from {} failed", e.key, bug);
        }
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
        try {
            e.handler.failed(error);
        } catch (RuntimeException | Error bug) {
            LOG.warn("consul: handling a failed request to {} failed", e.key, bug);
        }
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

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing: nothing left to tell anyone
        }
    }

    /** Connect and exchange deadlines, idle connections past their time: at most once a second. */
    private void expire() {
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

    private void shutdown() {
        List<Runnable> left = new ArrayList<>();
        synchronized (tasks) {
            closed = true;
            Runnable task;
            while ((task = tasks.poll()) != null) {
                left.add(task);
            }
        }
        // starts fail as closed; cancels end what they cancel; every request is failed below, whatever a task does
        left.forEach(Runnable::run);
        new ArrayList<>(active).forEach(e -> fail(e, closedError()));
        new ArrayList<>(idle.values()).forEach(pool -> new ArrayList<>(pool).forEach(this::dropIdle));
        if (lookups != null) {
            // an idle lookup thread ends now; one in a lookup when that returns (a native lookup
            // does not heed interrupts), and what it would then start is refused as closed
            lookups.shutdownNow();
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing is registered any more
        }
    }

    /**
     * Fails every pending request with a {@link CancellationException}, closes every connection
     * and ends both threads. Waits up to 5 s for the leading thread to have done so, unless called
     * from it (a handler that closes), then up to a second for the other (one in a listener call
     * it held is interrupted after that, as the {@code Naming}'s dispatcher threads are).
     */
    @Override
    public void close() {
        synchronized (tasks) {
            if (closed) {
                return;
            }
            closed = true;
        }
        selector.wakeup();
        wakeStandby();
        Thread me = Thread.currentThread();
        if (me == leader) {
            return; // a handler that closes: its thread shuts down once the handler returns
        }
        try {
            if (stopped.await(5, TimeUnit.SECONDS)) {
                // the standby ends at once; a thread in a listener call it held gets what the
                // Naming's dispatcher gets at close: a second, then an interrupt
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                for (Thread t : readers) {
                    if (t != me) {
                        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime())));
                        if (t.isAlive()) {
                            t.interrupt();
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
