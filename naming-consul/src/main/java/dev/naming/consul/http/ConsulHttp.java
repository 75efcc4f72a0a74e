package dev.naming.consul.http;

import dev.naming.spi.UriParameter;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpResponseException;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.http2.frames.Frame;
import org.eclipse.jetty.http2.frames.FrameType;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.RateControl;
import org.eclipse.jetty.io.WindowRateControl;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * Every request of one {@code Naming} to its agents, through one Jetty {@link HttpClient}: the only
 * code of the backend that knows Jetty. Over TLS ALPN chooses HTTP/2 (Consul's Go server offers it:
 * pending blocking queries share a connection, another past the agent's 250 streams) or HTTP/1.1;
 * in clear text it is HTTP/1.1, one connection per pending query. Nothing here retries.
 *
 * <p>Bounded whatever an agent sends: a body over {@link Settings#maxReplyBytes} aborts its exchange
 * ({@link ReplyTooLargeException}), memory taken as bytes come ({@value #FIRST_RESERVE} at most on a
 * declared length); headers and trailers up to {@link Settings#maxHeaderBytes}; a deadline on every
 * exchange; an HTTP/2 connection flooded with PING, SETTINGS or RST_STREAM frames, or silent and
 * not answering a PING, ends ({@code FloodGuard}). These bound each exchange, not their sum.
 *
 * <p>Threads: a fixed daemon pool of {@value #THREADS} {@value #THREAD_NAME}-N, started with the first
 * call (one selects, the others complete replies); one daemon {@value #SCHEDULER_NAME} thread runs deadlines and
 * the watches' pauses ({@link #schedule}).
 */
public final class ConsulHttp implements AutoCloseable {

    /** The pool's and the scheduler's thread name prefixes. */
    public static final String THREAD_NAME = "naming-consul-http", SCHEDULER_NAME = "naming-consul-scheduler";
    /** Threads of the pool: fixed, so that the threads of a {@code Naming} do not move with its traffic. */
    static final int THREADS = 8;
    /** Connections and queued requests per agent at most: 10,000 watches over HTTP/1.1. */
    static final int MAX_CONNECTIONS = 10_000, MAX_QUEUED = 100_000;
    /** An idle connection ends after this long (the agent closes its own after 90 s). */
    static final Duration IDLE_TIMEOUT = Duration.ofMinutes(2);
    /** The streams an HTTP/2 connection to an agent is expected to take: Go's server default, kept by Consul. */
    static final int EXPECTED_STREAMS = 250;
    /** PING, SETTINGS and RST_STREAM frames an HTTP/2 agent may send per second on one connection. */
    static final int MAX_CONTROL_FRAMES = 128;
    /** An HTTP/2 connection with requests that is silent this long is PINGed, and ended if silent as long again. */
    public static final Duration PING_AFTER = Duration.ofSeconds(5);
    /** The most of a reply's body reserved on its Content-Length alone: a health list of dozens of instances. */
    static final int FIRST_RESERVE = 64 * 1024;

    /** How to reach the agents; a {@code null} trust store is the JVM's, a {@code null} type PKCS12 (reads JKS too). */
    public record Settings(boolean tls, Path truststore, String truststorePassword, String truststoreType,
                           Duration connectTimeout, Map<String, String> headers, long maxReplyBytes, int maxHeaderBytes) {
        public Settings {
            headers = Map.copyOf(headers);
            // a body is one array: a limit above what an array holds is the array's limit
            maxReplyBytes = Math.min(maxReplyBytes, Integer.MAX_VALUE - 16);
        }
    }

    /** An exchange under way. */
    public interface Call {
        /** Aborts it (HTTP/2 resets its stream, HTTP/1.1 closes its connection); its callback sees a cancellation. */
        void cancel();
    }

    private final Settings settings;
    private final HttpClient client;
    private final QueuedThreadPool pool;
    private final ScheduledExecutorScheduler scheduler;
    /** The client's connections that are open, of every layer (TLS, HTTP): close() ends them first. */
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final FloodGuard guard = new FloodGuard();
    private boolean closed;

    public ConsulHttp(Settings settings) {
        this.settings = settings;
        pool = new QueuedThreadPool(THREADS, THREADS);
        pool.setName(THREAD_NAME);
        pool.setDaemon(true);
        // no threads parked in reserve for the selector: replies wait at most for a pool thread to wake
        pool.setReservedThreads(0);
        pool.setStopTimeout(500);
        scheduler = new ScheduledExecutorScheduler(SCHEDULER_NAME, true, 1);

        ClientConnector connector = new ClientConnector();
        connector.setSelectors(1);
        connector.setExecutor(pool); // the client's too: HttpClient's executor and scheduler are its connector's
        connector.setScheduler(scheduler);
        connector.setConnectTimeout(settings.connectTimeout());
        SslContextFactory.Client tls = new SslContextFactory.Client();
        // host names are verified (Jetty's default, said again so nobody turns it off by accident)
        tls.setEndpointIdentificationAlgorithm("HTTPS");
        if (settings.truststore() != null) {
            // read by Jetty when the client starts (the first call): an unreadable store fails that call
            tls.setTrustStorePath(settings.truststore().toString());
            tls.setTrustStorePassword(settings.truststorePassword());
            tls.setTrustStoreType(settings.truststoreType() != null ? settings.truststoreType() : "PKCS12");
        }
        connector.setSslContextFactory(tls);

        HTTP2Client http2 = new HTTP2Client(connector);
        // a SETTINGS frame of Go's has a handful of keys; one with many more is an attack on the parser
        http2.setMaxSettingsKeys(16);
        http2.addEventListener(guard);
        ClientConnectionFactory.Info h2 = new ClientConnectionFactoryOverHTTP2.HTTP2(http2);
        ClientConnectionFactory.Info h1 = HttpClientConnectionFactory.HTTP11;
        // a TLS server that answers without ALPN gets the first, HTTP/1.1 (Go's picks h2 by ALPN)
        HttpClientTransportDynamic transport = settings.tls()
                ? new HttpClientTransportDynamic(connector, h1, h2)
                : new HttpClientTransportDynamic(connector, h1);
        // over TLS a connection being opened is expected to carry the agent's 250 streams: otherwise
        // watches starting together each opened one before the first's SETTINGS said how many it
        // takes. HTTP/1.1 connections, which do not say, carry one request each
        transport.setConnectionPoolFactory(destination ->
                new AgentConnectionPool(destination, MAX_CONNECTIONS, settings.tls() ? EXPECTED_STREAMS : 1));
        client = new HttpClient(transport);
        client.setFollowRedirects(false);
        client.setMaxResponseHeadersSize(settings.maxHeaderBytes()); // HTTP/2's too: the client hands it on at start
        // every watch of a Naming may wait in the queue at once (while its connection is opened)
        client.setMaxRequestsQueuedPerDestination(MAX_QUEUED);
        client.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "naming-consul"));
        client.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        // the client's event listeners are given to every connection it opens
        client.addBean(new Connection.Listener() {
            @Override
            public void onOpened(Connection connection) {
                open.add(connection);
            }

            @Override
            public void onClosed(Connection connection) {
                open.remove(connection);
            }
        });
    }

    /** Starts the client with the first request: building a {@code Naming} starts no thread. */
    private synchronized void ensureStarted() {
        if (closed) {
            throw new IllegalStateException("consul: closed");
        }
        if (!client.isStarted()) {
            try {
                client.start();
                if (settings.tls()) {
                    sweepLater();
                }
            } catch (Exception e) {
                throw new IllegalStateException("consul: the HTTP client did not start: " + e, e);
            }
        }
    }

    /** Runs the guard's look at the HTTP/2 connections every second while the client runs. */
    private void sweepLater() {
        schedule(() -> {
            try {
                guard.sweep();
            } finally { // a look that failed must not end the looks to come
                sweepLater();
            }
        }, Duration.ofSeconds(1));
    }

    /**
     * Sends a request; {@code done} gets the reply (any status) or the failure, on a thread of the
     * pool, or on this one when the request cannot be sent. A cancelled call reports a
     * {@link java.util.concurrent.CancellationException}.
     *
     * @param target path and query, already encoded
     * @param body   a JSON body, or {@code null}
     */
    public Call send(URI agent, String method, String target, byte[] body, Duration timeout,
                     BiConsumer<Reply, Throwable> done) {
        try {
            ensureStarted();
        } catch (IllegalStateException closing) {
            done.accept(null, new IOException(closing.getMessage(), closing));
            return () -> { };
        }
        Request request = client.newRequest(agent.resolve(target))
                .method(method)
                .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .headers(h -> settings.headers().forEach(h::put));
        if (body != null) {
            request.body(new BytesRequestContent("application/json", body));
        }
        request.send(new BoundedReply(agent, timeout, done));
        return () -> request.abort(new java.util.concurrent.CancellationException("cancelled"));
    }

    /**
     * As {@link #send(URI, String, String, byte[], Duration, BiConsumer)}, waiting for the reply.
     *
     * @throws IOException a network error, a timeout, a reply over a limit
     */
    public Reply send(URI agent, String method, String target, byte[] body, Duration timeout)
            throws IOException, InterruptedException {
        CompletableFuture<Reply> future = new CompletableFuture<>();
        Call call = send(agent, method, target, body, timeout, (reply, failure) -> {
            if (failure != null) {
                future.completeExceptionally(failure);
            } else {
                future.complete(reply);
            }
        });
        try {
            return future.get();
        } catch (InterruptedException e) {
            call.cancel();
            throw e;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().toString(), e.getCause());
        }
    }

    /**
     * Runs {@code task} on a thread of the pool, outside of any exchange's callback: what a reply
     * leads to may block (a listener that runs where its reply completed, and calls the
     * {@code Naming}), and Jetty's callbacks must not (a request made from one and sent on the
     * connection whose reply is being completed would wait for that very callback to return).
     */
    public void execute(Runnable task) {
        try {
            pool.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // the Naming is closing: nothing runs any more
        }
    }

    /** Runs {@code task} on the scheduler thread after {@code delay}; the returned call cancels it. */
    public Call schedule(Runnable task, Duration delay) {
        try {
            ensureStarted();
            return scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS)::cancel;
        } catch (RuntimeException closing) {
            return () -> { };
        }
    }

    /**
     * Aborts every exchange (their callbacks see the failure) and stops the threads; from a thread of the
     * client (a listener run where its reply completed) in the background, as the stop must not wait for it.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        Runnable stop = () -> {
            // Jetty's stop waits, without a deadline, for its selector to close the connections, and
            // an agent that sends without a pause (an HTTP/2 flood) keeps it reading: ended here first
            open.forEach(c -> c.getEndPoint().close());
            for (org.eclipse.jetty.util.component.LifeCycle part : List.of(client, pool, scheduler)) {
                try {
                    part.stop(); // the client first (it fails what is under way), then its threads
                } catch (Exception e) {
                    // best effort: the threads are daemons
                }
            }
        };
        String thread = Thread.currentThread().getName();
        if (thread.startsWith(THREAD_NAME) || thread.startsWith(SCHEDULER_NAME)) {
            Thread t = new Thread(stop, "naming-consul-close");
            t.setDaemon(true);
            t.start();
        } else {
            stop.run();
        }
    }

    /**
     * Ends an HTTP/2 connection whose agent sends more than {@value #MAX_CONTROL_FRAMES} PING,
     * SETTINGS or RST_STREAM frames in a second, as Jetty's server does with its clients (its
     * default rate, 128): Jetty's client counts none of them, and queues an answer to each PING
     * (and SETTINGS) until it can be written, so a flood of them grows that queue without bound when
     * the agent reads slower than it sends. A Go server sends one SETTINGS frame per connection and
     * PINGs only to probe an idle one.
     *
     * <p>Also ends one that carries requests, has been silent for {@link #PING_AFTER} and does not
     * answer a PING within as long again: a frozen agent, a connection the network dropped, or an
     * agent flooding it with CONTINUATION frames, which Jetty's client parses without a limit and
     * without telling anyone (its parser has no rate control; no other frame can come meanwhile).
     * Either way the connection fails as on a protocol error of the agent's (GOAWAY, its streams
     * failed), and the watches ask again on a new one.
     */
    private static final class FloodGuard implements HTTP2Session.FrameListener {
        private final Map<Session, Heard> sessions = Collections.synchronizedMap(new WeakHashMap<>());

        /** One connection: its rate of control frames, when a frame last came, when a PING went unanswered. */
        private static final class Heard {
            final RateControl rate = new WindowRateControl(MAX_CONTROL_FRAMES, Duration.ofSeconds(1));
            volatile long at = System.nanoTime();
            volatile long pinged;
        }

        @Override
        public void onIncomingFrame(Session session, Frame frame) {
            Heard heard = sessions.computeIfAbsent(session, s -> new Heard());
            heard.at = System.nanoTime();
            heard.pinged = 0;
            FrameType type = frame.getType();
            if ((type == FrameType.PING || type == FrameType.SETTINGS || type == FrameType.RST_STREAM)
                    && !heard.rate.onEvent(frame)) {
                fail(session, ErrorCode.ENHANCE_YOUR_CALM_ERROR,
                        type.name().toLowerCase(Locale.ROOT) + "_frames_over_" + MAX_CONTROL_FRAMES + "_a_second");
            }
        }

        /** PINGs the connections with requests that have been silent too long; ends those that did not answer. */
        void sweep() {
            long now = System.nanoTime();
            List<Session> all;
            synchronized (sessions) {
                all = new java.util.ArrayList<>(sessions.keySet()); // held strongly while looked at
            }
            for (Session session : all) {
                Heard heard = sessions.get(session);
                if (heard == null || session.isClosed() || session.getStreams().isEmpty()
                        || now - heard.at < PING_AFTER.toNanos()) {
                    continue;
                }
                if (heard.pinged == 0) {
                    heard.pinged = now;
                    session.ping(new PingFrame(now, false), org.eclipse.jetty.util.Callback.NOOP);
                } else if (now - heard.pinged >= PING_AFTER.toNanos()) {
                    fail(session, ErrorCode.PROTOCOL_ERROR, "no_answer_to_ping_within_" + PING_AFTER.toSeconds() + "s");
                }
            }
        }

        /** As Jetty's parser does when its own limits trip: the reason goes in the GOAWAY. */
        private static void fail(Session session, ErrorCode error, String reason) {
            if (session instanceof HTTP2Session h2) {
                h2.onConnectionFailure(error.code, reason);
            }
        }
    }

    /** Reads a reply's body into memory up to the limit, then hands the whole reply on. */
    private final class BoundedReply implements Response.Listener {
        private final URI agent;
        private final Duration timeout;
        private final BiConsumer<Reply, Throwable> done;
        private byte[] body = new byte[0];
        private int length;
        /** The Content-Length, or -1. */
        private long declared = -1;

        BoundedReply(URI agent, Duration timeout, BiConsumer<Reply, Throwable> done) {
            this.agent = agent;
            this.timeout = timeout;
            this.done = done;
        }

        @Override
        public void onHeaders(Response response) {
            declared = response.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
            if (declared > settings.maxReplyBytes()) {
                response.abort(tooLarge(declared + " bytes declared"));
            } else if (declared > 0) {
                // a declared length is a promise, not bytes: at most FIRST_RESERVE is taken before
                // they come, so replies that announce the limit and send nothing hold no memory
                body = new byte[(int) Math.min(declared, FIRST_RESERVE)];
            }
        }

        @Override
        public void onContent(Response response, ByteBuffer content) {
            int n = content.remaining();
            if ((long) length + n > settings.maxReplyBytes()) {
                response.abort(tooLarge("more than " + settings.maxReplyBytes() + " bytes sent"));
                return;
            }
            if (length + n > body.length) {
                long grown = Math.max((long) body.length * 2, length + n);
                // the last step ends at the declared length: no copy once the body is in
                grown = declared >= length + n ? Math.min(grown, declared) : grown;
                body = Arrays.copyOf(body, (int) Math.min(grown, settings.maxReplyBytes()));
            }
            content.get(body, length, n);
            length += n;
        }

        @Override
        public void onComplete(Result result) {
            if (result.isFailed()) {
                done.accept(null, failure(result.getFailure()));
                return;
            }
            Response r = result.getResponse();
            done.accept(new Reply(describe(agent), r.getStatus(), r.getHeaders()::get,
                    length == body.length ? body : Arrays.copyOf(body, length)), null);
        }

        private ReplyTooLargeException tooLarge(String what) {
            return new ReplyTooLargeException("agent " + describe(agent) + " sent a reply over maxReply="
                    + UriParameter.formatSize(settings.maxReplyBytes()) + " (" + what + "); the rest is not read");
        }

        /** The failure as watches and callers report it: naming the agent and, where Jetty tells, the limit. */
        private Throwable failure(Throwable failure) {
            String agent = "agent " + describe(this.agent);
            if (failure instanceof java.util.concurrent.CancellationException || failure instanceof ReplyTooLargeException) {
                return failure;
            } else if (failure instanceof TimeoutException) {
                return new java.net.http.HttpTimeoutException(agent + " did not finish its reply within "
                        + timeout.toMillis() + " ms");
            } else if (failure instanceof InterruptedException) {
                return new InterruptedIOException(failure.toString());
            }
            // Jetty's messages here are a dump of the connection: what the reader needs is the agent,
            // the limit that applies, and (for a broken reply) the innermost cause
            Throwable root = failure;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            String why = failure instanceof HttpResponseException
                    ? " sent a reply that breaks HTTP or is over a limit (headers and trailers are read up to "
                            + settings.maxHeaderBytes() + " bytes): " + root.getMessage()
                    : failure instanceof EOFException
                    ? " ended its reply early (the connection closed, a broken chunk, or trailers over "
                            + settings.maxHeaderBytes() + " bytes)"
                    : ": " + failure;
            return new IOException(agent + why, failure);
        }
    }

    /** {@code host:port} of an agent, for messages. */
    public static String describe(URI agent) {
        return agent.getHost() + ":" + agent.getPort();
    }

    /** A whole reply: the agent that answered ({@code host:port}), its status, headers ({@link #header}) and body. */
    public record Reply(String agent, int status, UnaryOperator<String> headers, byte[] body) {

        /** The header's first value, or {@code null}. */
        public String header(String name) {
            return headers.apply(name);
        }

        /**
         * This reply, if its status is 2xx.
         *
         * @throws StatusException naming the status and the start of the agent's message otherwise
         */
        public Reply ok() throws StatusException {
            if (status / 100 != 2) {
                throw new StatusException(status, agent, new String(body, StandardCharsets.UTF_8));
            }
            return this;
        }
    }
}
