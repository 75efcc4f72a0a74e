package dev.naming.discovery.emulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The TCP side of an emulator node, relaying each client connection to the node's JDK
 * {@code HttpServer}. It gives the emulator what {@code HttpServer} hides: the exact number of
 * connections clients opened, whether the connection of a request is still open, an idle timeout
 * for a proxy in front (the server itself has none: kratos {@code blademaster} with discovery's
 * configuration sets no read or idle timeout), and a node that goes down at once (every connection
 * dropped, new ones closed as soon as accepted) and comes back on the same port.
 */
final class ConnectionFront implements AutoCloseable {

    /** One relayed connection, known by the port of its socket towards the HttpServer. */
    private static final class Relay {
        final Socket client;
        final Socket upstream;
        final AtomicInteger inFlight = new AtomicInteger();
        volatile long lastActive = System.nanoTime();

        Relay(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void close() {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    private final int backendPort;
    private final ExecutorService threads;
    private final ScheduledExecutorService sweeper;
    private final Map<Integer, Relay> relays = new ConcurrentHashMap<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile Duration idleTimeout = Duration.ZERO;
    private final ServerSocket listener;
    private volatile boolean down;

    ConnectionFront(int backendPort, String name) {
        this.backendPort = backendPort;
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, name + "-relay-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name + "-idle");
            t.setDaemon(true);
            return t;
        });
        this.sweeper.scheduleWithFixedDelay(this::closeIdle, 100, 100, TimeUnit.MILLISECONDS);
        try {
            this.listener = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException("emulator cannot listen", e);
        }
        threads.execute(this::accept);
    }

    int port() {
        return listener.getLocalPort();
    }

    boolean isUp() {
        return !down;
    }

    int accepted() {
        return accepted.get();
    }

    /** Zero: never. */
    void idleTimeout(Duration timeout) {
        this.idleTimeout = timeout;
    }

    /** Serves connections again. */
    void up() {
        down = false;
    }

    /**
     * Drops every connection and, until {@link #up()}, every new one as soon as it is accepted. The
     * port stays bound: releasing it could let the system hand it to some client socket meanwhile,
     * and the node could not come back on it.
     */
    void down() {
        down = true;
        relays.values().forEach(Relay::close);
        relays.clear();
    }

    /** Whether the client connection behind {@code upstreamPort} is still open. */
    boolean isOpen(int upstreamPort) {
        return relays.containsKey(upstreamPort);
    }

    /** The client's port of the connection the HttpServer sees coming from {@code upstreamPort}. */
    int clientPort(int upstreamPort) {
        Relay r = relays.get(upstreamPort);
        return r == null ? -1 : r.client.getPort();
    }

    /** A request started on the connection from {@code upstreamPort}: it is not idle until it ends. */
    void begin(int upstreamPort) {
        Relay r = relays.get(upstreamPort);
        if (r != null) {
            r.inFlight.incrementAndGet();
        }
    }

    void end(int upstreamPort) {
        Relay r = relays.get(upstreamPort);
        if (r != null) {
            r.lastActive = System.nanoTime();
            r.inFlight.decrementAndGet();
        }
    }

    @Override
    public void close() {
        down();
        closeQuietly(listener);
        sweeper.shutdownNow();
        threads.shutdownNow();
    }

    private void accept() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            if (down) {
                closeQuietly(client);
                continue;
            }
            try {
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), backendPort);
                upstream.setTcpNoDelay(true);
                client.setTcpNoDelay(true);
                Relay relay = new Relay(client, upstream);
                relays.put(upstream.getLocalPort(), relay);
                threads.execute(() -> pump(relay, client, upstream));
                threads.execute(() -> pump(relay, upstream, client));
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    private void pump(Relay relay, Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream()) {
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                relay.lastActive = System.nanoTime();
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // either side closed
        } finally {
            relay.close();
            relays.remove(relay.upstream.getLocalPort(), relay);
        }
    }

    private void closeIdle() {
        long limit = idleTimeout.toNanos();
        if (limit == 0) {
            return;
        }
        long now = System.nanoTime();
        for (Relay r : relays.values()) {
            if (r.inFlight.get() == 0 && now - r.lastActive > limit) {
                r.close();
            }
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing
        }
    }
}
