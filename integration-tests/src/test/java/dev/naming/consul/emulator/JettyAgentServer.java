package dev.naming.consul.emulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.FutureCallback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The emulator on Jetty 12. With TLS: HTTPS with HTTP/2 negotiated by ALPN (HTTP/1.1 for clients
 * that do not offer h2), as a Consul agent with TLS on serves its API: Go's {@code net/http} speaks
 * HTTP/2 over TLS by itself (hashicorp/consul PR #3657 relies on it for many blocking queries over
 * one connection), with at most {@value #MAX_CONCURRENT_STREAMS} concurrent streams per connection
 * ({@code defaultMaxStreams} of golang.org/x/net/http2's server). Without TLS: plain HTTP/1.1.
 *
 * <p>Either way a small reply leaves in one write, headers and body together, on a socket without
 * Nagle's delay, as Go's server sends it ({@code net/http} buffers a handler's output and Go sets
 * {@code TCP_NODELAY} on every connection). The JDK's {@code HttpServer} flushes the headers on
 * their own and leaves Nagle on unless told otherwise, which delays the body by the client's
 * delayed ACK (about 40 ms on Linux): fine for correctness tests, wrong for latency figures.
 *
 * <p>The handler blocks its thread while a query is held, as the JDK server's does, so the pool is
 * sized for every blocked query of a benchmark.
 */
final class JettyAgentServer implements AgentExchange.Server {

    static final int MAX_CONCURRENT_STREAMS = 250;
    /** Above the longest hold: Consul's 10 min wait cap plus its 1/16 jitter. */
    private static final long IDLE_TIMEOUT_MILLIS = TimeUnit.MINUTES.toMillis(11);

    private final Server server;
    private final ServerConnector connector;
    private final AcceptedConnections statistics;

    private JettyAgentServer(Server server, ServerConnector connector, AcceptedConnections statistics) {
        this.server = server;
        this.connector = connector;
        this.statistics = statistics;
    }

    static JettyAgentServer start(InetAddress address, int port, SSLContext tls, int maxStreams,
                                  AgentExchange.Handler handler) throws IOException {
        QueuedThreadPool threads = new QueuedThreadPool(4_000, 4);
        threads.setName("consul-emulator-jetty");
        threads.setDaemon(true);
        Server server = new Server(threads);

        HttpConfiguration http = new HttpConfiguration();
        // the emulator cleans and checks paths itself, as Consul's router does: let every target through
        http.setUriCompliance(UriCompliance.UNSAFE);
        http.setSendServerVersion(false);
        HttpConnectionFactory h1 = new HttpConnectionFactory(http);
        ServerConnector connector;
        if (tls == null) {
            connector = new ServerConnector(server, 1, 1, h1);
        } else {
            http.addCustomizer(new SecureRequestCustomizer(false));
            HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(http);
            h2.setMaxConcurrentStreams(maxStreams);
            h2.setStreamIdleTimeout(IDLE_TIMEOUT_MILLIS);
            // Jetty's flood guard counts a client that closes hundreds of watches at once (a reset
            // stream each) as an attack and resets the rest; Consul's server lets them go
            h2.setRateControlFactory(new org.eclipse.jetty.io.RateControl.Factory() {
                @Override
                public org.eclipse.jetty.io.RateControl newRateControl(org.eclipse.jetty.io.EndPoint endPoint) {
                    return org.eclipse.jetty.io.RateControl.NO_RATE_CONTROL;
                }
            });
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
            alpn.setDefaultProtocol(h1.getProtocol());
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setSslContext(tls);
            SslConnectionFactory tlsFactory = new SslConnectionFactory(ssl, alpn.getProtocol());
            connector = new ServerConnector(server, 1, 1, tlsFactory, alpn, h2, h1);
        }
        connector.setAcceptedTcpNoDelay(true);
        AcceptedConnections statistics = new AcceptedConnections();
        connector.addBean(statistics);
        connector.setHost(address.getHostAddress());
        connector.setPort(port);
        connector.setIdleTimeout(IDLE_TIMEOUT_MILLIS);
        connector.setAcceptQueueSize(64);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract(org.eclipse.jetty.util.thread.Invocable.InvocationType.BLOCKING) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                handler.handle(new Exchange(request, response, callback));
                return true;
            }
        });
        try {
            server.start();
        } catch (IOException e) {
            stopQuietly(server);
            throw e;
        } catch (Exception e) {
            stopQuietly(server);
            throw new IOException("cannot start Jetty: " + e, e);
        }
        return new JettyAgentServer(server, connector, statistics);
    }

    @Override
    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void stop() {
        stopQuietly(server);
    }

    /** TCP connections open on the agent's port, counted by the server. */
    @Override
    public int connections() {
        return connector.getConnectedEndPoints().size();
    }

    /** TCP connections accepted since the start. */
    @Override
    public long acceptedConnections() {
        return statistics.count();
    }

    private static void stopQuietly(Server server) {
        try {
            // close every connection at once, blocked queries included, as an agent that goes away
            for (var c : server.getConnectors()) {
                if (c instanceof ServerConnector sc) {
                    sc.getConnectedEndPoints().forEach(org.eclipse.jetty.io.EndPoint::close);
                }
            }
            server.setStopTimeout(0);
            server.stop();
        } catch (Exception ignored) {
            // stopping a server that failed to start, or stops twice
        }
    }

    /**
     * Counts TCP connections: the first Jetty connection on each network endpoint (TLS, or HTTP/1.1
     * without it); ALPN and HTTP/2 run over TLS's decrypted endpoint and are not counted again.
     */
    private static final class AcceptedConnections implements org.eclipse.jetty.io.Connection.Listener {
        private final java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public void onOpened(org.eclipse.jetty.io.Connection connection) {
            if (connection.getEndPoint() instanceof org.eclipse.jetty.io.SocketChannelEndPoint) {
                count.incrementAndGet();
            }
        }

        long count() {
            return count.get();
        }
    }

    private static final class Exchange implements AgentExchange {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private Map<String, List<String>> headers;
        private OutputStream body;
        private boolean done;

        Exchange(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
        }

        @Override
        public String method() {
            return request.getMethod();
        }

        @Override
        public URI uri() {
            return URI.create(request.getHttpURI().getPathQuery());
        }

        @Override
        public byte[] body() throws IOException {
            try (InputStream in = Content.Source.asInputStream(request)) {
                return in.readAllBytes();
            }
        }

        @Override
        public Map<String, List<String>> headers() {
            if (headers == null) {
                Map<String, List<String>> h = new LinkedHashMap<>();
                for (HttpField f : request.getHeaders()) {
                    h.computeIfAbsent(f.getName().toLowerCase(Locale.ROOT), k -> new java.util.ArrayList<>()).add(f.getValue());
                }
                headers = h;
            }
            return headers;
        }

        @Override
        public void setHeader(String name, String value) {
            response.getHeaders().put(name, value);
        }

        @Override
        public OutputStream respond(int status, long length) throws IOException {
            response.setStatus(status);
            if (length != UNKNOWN_LENGTH) {
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, Long.toString(Math.max(0, length)));
            }
            body = Content.Sink.asOutputStream(response);
            return body;
        }

        /**
         * One write with {@code last} set: Jetty then sends the headers, the body and, chunked, the
         * last chunk together (HTTP/2: HEADERS and DATA with END_STREAM), where a stream's write and
         * close would send the end on its own.
         */
        @Override
        public void reply(int status, byte[] bytes, boolean chunked) throws IOException {
            response.setStatus(status);
            if (chunked && request.getConnectionMetaData().getHttpVersion() == HttpVersion.HTTP_1_1) {
                response.getHeaders().put(HttpHeader.TRANSFER_ENCODING, "chunked");
            } else {
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, Integer.toString(bytes.length));
            }
            FutureCallback written = new FutureCallback();
            response.write(true, ByteBuffer.wrap(bytes), written);
            try {
                written.get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted writing a reply", e);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IOException("reply not written: " + e.getCause(), e);
            }
            body = OutputStream.nullOutputStream();
        }

        @Override
        public void close() {
            if (done) {
                return;
            }
            done = true;
            if (body == null) {
                // no reply: drop the connection, as the JDK server does for an exchange closed unanswered
                request.getConnectionMetaData().getConnection().getEndPoint().close();
                // succeeded, not failed: a failed callback makes Jetty try (and log) an error reply on the closed connection
                callback.succeeded();
                return;
            }
            try {
                body.close();
                callback.succeeded();
            } catch (IOException | RuntimeException e) {
                callback.failed(e);
            }
        }
    }
}
