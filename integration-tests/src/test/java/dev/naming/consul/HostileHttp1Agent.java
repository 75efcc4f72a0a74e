package dev.naming.consul;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Consul agent that turns hostile on demand: a raw-socket HTTP/1.1 server on 127.0.0.1 that
 * passes each request on to a well-behaved agent ({@link AgentUpstream}) and writes its answer
 * back, except the health reads of the services {@link #attack attacked}, which get the attack's
 * bytes instead for as long as it is on. Every loop is bounded in count and in time: a server
 * forgotten by a failing test stops by itself.
 */
final class HostileHttp1Agent implements AutoCloseable {

    /** What an attacked health read gets. */
    enum Attack {
        /** A chunked JSON array that never ends. */
        ENDLESS_CHUNKED,
        /** A 200 MB JSON array announced by its Content-Length. */
        HUGE_ARRAY_WITH_LENGTH,
        /** The same array chunked, its length said nowhere. */
        HUGE_ARRAY_CHUNKED,
        /** A body with neither length nor chunking, read to the connection's close, that never ends. */
        ENDLESS_TO_CLOSE,
        /** A chunked empty list whose last chunk is followed by trailer lines that never end. */
        TRAILER_FLOOD,
        /** Response header lines that never end. */
        HUGE_HEADERS,
        /** A Content-Length at the limit, then not one byte of the body. */
        DECLARED_THEN_SILENT
    }

    /** The 200 MB of the huge arrays. */
    static final long HUGE = 200L * 1000 * 1000;
    /** No attack outlives this, nor the server. */
    private static final Duration MAX_ATTACK = Duration.ofSeconds(90);
    private static final Duration LIFETIME = Duration.ofMinutes(5);
    private static final int MAX_CONNECTIONS = 64;
    private static final int MAX_ACCEPTS = 10_000;
    private static final int MAX_REQUESTS_PER_CONNECTION = 10_000;
    private static final int MAX_REQUEST_HEAD = 64 * 1024;
    /** One health entry of Consul's, as the flood repeats it. */
    private static final byte[] ELEMENT = ("{\"Node\":{\"Node\":\"flood\",\"Address\":\"10.9.9.9\",\"Datacenter\":\"dc1\"},"
            + "\"Service\":{\"ID\":\"flood\",\"Service\":\"flood\",\"Tags\":[],\"Address\":\"10.9.9.9\",\"Port\":80},"
            + "\"Checks\":[]},").getBytes(StandardCharsets.US_ASCII);
    /** 64 KiB of elements: what each write of a flood sends. */
    private static final byte[] BLOCK = block();

    private final AgentUpstream upstream;
    private final ServerSocket server;
    private final Thread acceptor;
    private final long endOfLife = System.nanoTime() + LIFETIME.toNanos();
    private final Semaphore connectionSlots = new Semaphore(MAX_CONNECTIONS);
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger attacked = new AtomicInteger();
    private final AtomicInteger attacking = new AtomicInteger();
    private final AtomicLong attackBytes = new AtomicLong();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile Attack attack;
    private volatile String victimPrefix;
    private volatile int declaredLength;
    private volatile boolean closed;

    HostileHttp1Agent(AgentUpstream upstream) throws IOException {
        this.upstream = upstream;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "hostile-http1-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    String hostPort() {
        return "127.0.0.1:" + port();
    }

    /** Attacks the health reads of every service whose name starts with {@code servicePrefix}. */
    void attack(Attack attack, String servicePrefix) {
        this.victimPrefix = "/v1/health/service/" + servicePrefix;
        this.attack = attack;
    }

    /** The Content-Length that {@link Attack#DECLARED_THEN_SILENT} announces. */
    void declare(int length) {
        this.declaredLength = length;
    }

    /** Ends the attack: attacks under way stop and close their connection, every next read is answered. */
    void behave() {
        attack = null;
    }

    /** Health reads attacked so far. */
    int attacked() {
        return attacked.get();
    }

    /** Attacks under way now. */
    int attacking() {
        return attacking.get();
    }

    /** Bytes the attacks wrote (headers, bodies, trailers). */
    long attackBytes() {
        return attackBytes.get();
    }

    /** Connections accepted so far. */
    int connections() {
        return connections.get();
    }

    private boolean alive() {
        return !closed && System.nanoTime() < endOfLife;
    }

    private void accept() {
        for (int i = 0; i < MAX_ACCEPTS && alive(); i++) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            connections.incrementAndGet();
            if (!connectionSlots.tryAcquire()) {
                close(socket);
                continue;
            }
            sockets.add(socket);
            Thread t = new Thread(() -> {
                try {
                    serve(socket);
                } finally {
                    sockets.remove(socket);
                    close(socket);
                    connectionSlots.release();
                }
            }, "hostile-http1-conn");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket socket) {
        try {
            socket.setSoTimeout((int) Duration.ofSeconds(60).toMillis());
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < MAX_REQUESTS_PER_CONNECTION && alive(); i++) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                String[] requestLine = head.substring(0, head.indexOf("\r\n")).split(" ");
                String method = requestLine[0];
                String target = requestLine[1];
                byte[] body = in.readNBytes(contentLength(head));
                Attack now = attack;
                String prefix = victimPrefix;
                if (now != null && prefix != null && target.startsWith(prefix)) {
                    attacked.incrementAndGet();
                    attacking.incrementAndGet();
                    try {
                        attack(now, socket, in, out);
                    } finally {
                        attacking.decrementAndGet();
                    }
                    return; // whatever the attack left on the connection, it is not HTTP any more
                }
                AgentUpstream.Answer answer = upstream.forward(method, target, body).get(40, TimeUnit.SECONDS);
                StringBuilder reply = new StringBuilder("HTTP/1.1 ").append(answer.status()).append(" Agent\r\n")
                        .append("Content-Type: application/json\r\n")
                        .append("Content-Length: ").append(answer.body().length).append("\r\n");
                if (answer.index() != null) {
                    reply.append("X-Consul-Index: ").append(answer.index()).append("\r\n");
                }
                out.write(reply.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
                out.write(answer.body());
                out.flush();
            }
        } catch (IOException e) {
            // the client closed the connection: what it does when an attack tripped a limit
        } catch (Exception e) {
            // the upstream did not answer: the connection ends, as an agent's would
        }
    }

    /** The request head up to its blank line, or {@code null} at the end of the stream. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (head.size() < MAX_REQUEST_HEAD) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.US_ASCII);
            }
        }
        throw new IOException("request head over " + MAX_REQUEST_HEAD + " bytes");
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        return 0;
    }

    private void attack(Attack kind, Socket socket, InputStream in, OutputStream out) throws IOException {
        long deadline = System.nanoTime() + MAX_ATTACK.toNanos();
        String head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Consul-Index: 999999\r\n";
        switch (kind) {
            case ENDLESS_CHUNKED -> {
                write(out, head + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(1) + "\r\n[\r\n");
                byte[] chunk = chunk(BLOCK);
                while (going(kind, deadline, Long.MAX_VALUE)) {
                    write(out, chunk);
                }
            }
            case HUGE_ARRAY_WITH_LENGTH -> {
                write(out, head + "Content-Length: " + HUGE + "\r\n\r\n");
                hugeArray(out, kind, deadline, false);
            }
            case HUGE_ARRAY_CHUNKED -> {
                write(out, head + "Transfer-Encoding: chunked\r\n\r\n");
                hugeArray(out, kind, deadline, true);
                write(out, "0\r\n\r\n");
            }
            case ENDLESS_TO_CLOSE -> {
                write(out, head + "Connection: close\r\n\r\n[");
                while (going(kind, deadline, Long.MAX_VALUE)) {
                    write(out, BLOCK);
                }
            }
            case TRAILER_FLOOD -> {
                // an empty list, so a client that gave up waiting for the trailers' end and took the
                // body would deliver an empty list: what the test checks never happens
                write(out, head + "Transfer-Encoding: chunked\r\nTrailer: X-Flood\r\n\r\n2\r\n[]\r\n0\r\n");
                byte[] lines = repeatedLines("X-Flood-", 64 * 1024);
                while (going(kind, deadline, Long.MAX_VALUE)) {
                    write(out, lines);
                }
            }
            case HUGE_HEADERS -> {
                write(out, head);
                byte[] lines = repeatedLines("X-Pad-", 64 * 1024);
                while (going(kind, deadline, Long.MAX_VALUE)) {
                    write(out, lines);
                }
            }
            case DECLARED_THEN_SILENT -> {
                write(out, head + "Content-Length: " + declaredLength + "\r\n\r\n");
                // the body never comes: the connection is held until the client gives up (its close
                // ends the read) or the attack ends; the short read timeout only lets the loop look
                socket.setSoTimeout(100);
                while (going(kind, deadline, Long.MAX_VALUE)) {
                    try {
                        if (in.read() < 0) {
                            return;
                        }
                    } catch (SocketTimeoutException stillThere) {
                        // the client still waits for the body
                    }
                }
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    /** Whether this attack goes on: still the attack chosen, the server alive, within its time and bytes. */
    private boolean going(Attack kind, long deadline, long maxBytes) {
        return attack == kind && alive() && System.nanoTime() < deadline && attackBytes.get() < maxBytes;
    }

    /** The 200 MB array, a valid JSON array ending in whitespace and {@code ]}, written while the attack is on. */
    private void hugeArray(OutputStream out, Attack kind, long deadline, boolean chunked) throws IOException {
        long left = HUGE;
        write(out, chunked ? chunk(new byte[] {'['}) : new byte[] {'['});
        left--;
        byte[] full = chunked ? chunk(BLOCK) : BLOCK;
        while (left > BLOCK.length + 3 && going(kind, deadline, Long.MAX_VALUE)) {
            write(out, full);
            left -= BLOCK.length;
        }
        if (!going(kind, deadline, Long.MAX_VALUE)) {
            return;
        }
        byte[] tail = new byte[(int) left];
        Arrays.fill(tail, (byte) ' ');
        tail[0] = '{';
        tail[1] = '}';
        tail[tail.length - 1] = ']';
        write(out, chunked ? chunk(tail) : tail);
    }

    private void write(OutputStream out, String text) throws IOException {
        write(out, text.getBytes(StandardCharsets.US_ASCII));
    }

    private void write(OutputStream out, byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        attackBytes.addAndGet(bytes.length);
    }

    private static byte[] chunk(byte[] data) {
        byte[] size = (Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] chunk = Arrays.copyOf(size, size.length + data.length + 2);
        System.arraycopy(data, 0, chunk, size.length, data.length);
        chunk[chunk.length - 2] = '\r';
        chunk[chunk.length - 1] = '\n';
        return chunk;
    }

    private static byte[] block() {
        byte[] block = new byte[64 * 1024];
        for (int i = 0; i < block.length; i++) {
            block[i] = ELEMENT[i % ELEMENT.length];
        }
        return block;
    }

    /** About {@code size} bytes of header lines {@code <prefix>N: aaa…}, each 1 KiB. */
    private static byte[] repeatedLines(String prefix, int size) {
        StringBuilder lines = new StringBuilder(size + 1024);
        String value = "a".repeat(1000);
        for (int i = 0; lines.length() < size; i++) {
            lines.append(prefix).append(i).append(": ").append(value).append("\r\n");
        }
        return lines.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing
        }
    }

    @Override
    public void close() {
        closed = true;
        attack = null;
        try {
            server.close();
        } catch (IOException e) {
            // closing
        }
        sockets.forEach(HostileHttp1Agent::close);
    }
}
