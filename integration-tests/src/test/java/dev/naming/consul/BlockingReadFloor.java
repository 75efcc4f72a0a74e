package dev.naming.consul;

import dev.naming.ServiceInstance;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The floor for the benchmark's client's share over plain HTTP: a watch of one service with the
 * least a client can do — one thread blocked in a socket read, the status line and headers read
 * byte by byte, the body (by its length, or its chunks), the library's own parse
 * ({@link dev.naming.consul.json.ConsulInstances#fromJson}) and the listener, on that thread. No pacing, no backoff, no
 * hub, no chunked bodies, no errors survived: a yardstick, not a client. Its
 * {@code User-Agent} is {@value #USER_AGENT}.
 */
public final class BlockingReadFloor implements AutoCloseable {

    public static final String USER_AGENT = "naming-bench-floor";

    private final Socket socket;
    private final Thread thread;
    private volatile boolean closed;

    /** Watches {@code service} on the agent at 127.0.0.1:{@code port}; {@code listener} gets the instance ids of each reply. */
    public BlockingReadFloor(int port, String service, Consumer<Set<String>> listener) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setTcpNoDelay(true);
        thread = new Thread(() -> run(service, listener), "bench-floor");
        thread.setDaemon(true);
        thread.start();
    }

    private void run(String service, Consumer<Set<String>> listener) {
        long index = 0;
        try {
            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            OutputStream out = socket.getOutputStream();
            while (!closed) {
                out.write(("GET /v1/health/service/" + service + "?passing=1"
                        + (index > 0 ? "&index=" + index + "&wait=55s" : "") + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "User-Agent: " + USER_AGENT + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                String status = line(in);
                int length = -1;
                boolean chunked = false;
                long replyIndex = 0;
                for (String h = line(in); !h.isEmpty(); h = line(in)) {
                    int colon = h.indexOf(':');
                    String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                    String value = h.substring(colon + 1).trim();
                    if (name.equals("content-length")) {
                        length = Integer.parseInt(value);
                    } else if (name.equals("transfer-encoding")) {
                        chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked");
                    } else if (name.equals("x-consul-index")) {
                        replyIndex = Long.parseLong(value);
                    }
                }
                byte[] body;
                if (chunked) {
                    java.io.ByteArrayOutputStream chunks = new java.io.ByteArrayOutputStream();
                    for (int size = chunkSize(in); size > 0; size = chunkSize(in)) {
                        chunks.write(in.readNBytes(size));
                        line(in);
                    }
                    while (!line(in).isEmpty()) {
                        // trailers
                    }
                    body = chunks.toByteArray();
                } else if (length >= 0) {
                    body = in.readNBytes(length);
                } else {
                    throw new IOException("the floor reads bodies with a length or in chunks only");
                }
                if (status.contains(" 200 ")) {
                    Set<String> ids = new HashSet<>();
                    for (ServiceInstance i : dev.naming.consul.json.ConsulInstances.fromJson(service, body)) {
                        ids.add(i.id());
                    }
                    listener.accept(ids);
                }
                index = replyIndex < index ? 0 : replyIndex;
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                System.err.println("bench floor stopped: " + e);
            }
        }
    }

    private static int chunkSize(InputStream in) throws IOException {
        String size = line(in);
        int semicolon = size.indexOf(';');
        return Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException();
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        socket.close();
    }
}
