package dev.naming.consul;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP relay for tests: listens on a loopback address of its own (127.0.0.2 reaches this host as
 * 127.0.0.1 does, but no agent certificate names it) and forwards every connection to an agent,
 * keeping the first bytes each client sent, to show what went over the wire.
 */
final class Relay implements AutoCloseable {

    private static final int KEPT = 4096;

    private final ServerSocket server;
    private final List<Socket> sockets = new ArrayList<>();
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();

    private Relay(ServerSocket server, InetSocketAddress target) {
        this.server = server;
        Thread accept = new Thread(() -> accept(target), "test-relay");
        accept.setDaemon(true);
        accept.start();
    }

    /** A relay on {@code bind}, port 0, to {@code host:port}. */
    static Relay to(String bind, String host, int port) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName(bind));
        return new Relay(server, new InetSocketAddress(host, port));
    }

    /** {@code host:port} to give a client. */
    String hostPort() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    /** The first bytes clients sent, up to 4 KiB in all. */
    synchronized byte[] sent() {
        return sent.toByteArray();
    }

    private void accept(InetSocketAddress target) {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket agent = new Socket();
                agent.connect(target, 2000);
                synchronized (this) {
                    sockets.add(client);
                    sockets.add(agent);
                }
                pump(client.getInputStream(), agent.getOutputStream(), true);
                pump(agent.getInputStream(), client.getOutputStream(), false);
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void pump(InputStream in, OutputStream out, boolean keep) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (in; out) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    if (keep) {
                        synchronized (this) {
                            sent.write(buffer, 0, Math.max(0, Math.min(n, KEPT - sent.size())));
                        }
                    }
                    out.write(buffer, 0, n);
                }
            } catch (IOException ended) {
                // one side closed: the other follows through try-with-resources
            }
        }, "test-relay-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public synchronized void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
