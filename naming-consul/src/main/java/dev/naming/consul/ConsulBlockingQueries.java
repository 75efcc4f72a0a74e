package dev.naming.consul;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.naming.ServiceInstance;
import dev.naming.spi.NamingThreads;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import dev.naming.spi.NamingLoggers;

/**
 * The reads of {@code /v1/health/service/:name} of one {@code Naming}: the blocking reads of every
 * watch, sent asynchronously (over plain HTTP by {@link Http1Reads}, over TLS by {@link Http2Reads})
 * and read with Jackson (no thread waits for a reply), and the one-shot reads of {@link #find}
 * ({@code java.net.http}). Every reply's {@value #FILTERED_BY_ACLS} header is noted per service
 * ({@link #filtered(String)}), with one warning per {@code Naming}.
 *
 * <p>Why not consul-client: its synchronous calls block the calling thread inside OkHttp with no
 * handle to abort them; its asynchronous calls ({@code ServiceHealthCache} included) run on
 * OkHttp's dispatcher, which reads each reply with blocking socket I/O on a thread of its own for
 * the whole call: a thread per pending blocking query, 1,000 threads for 1,000 watched services
 * (docs/BENCHMARKS.md measures both). Registrations, heartbeats and deregistrations stay on
 * consul-client.
 *
 * <p>Why not {@code java.net.http}: over plain HTTP its HTTP/1.1 path between the socket and the
 * body (subscribers, schedulers, futures for the headers and then the body) runs cold on every
 * reply of a quiet service and was most of the library's share of a propagation; over TLS its
 * selector thread reads every stream of a connection and cannot hand that reading on, so a default
 * listener had to go through the dispatcher, one thread wake-up more (docs/BENCHMARKS.md measures
 * both). The JDK client stays for the one-shot reads, and for the watches over TLS when an agent
 * does not choose HTTP/2 by ALPN (a TLS proxy in front of it): every watch of the {@code Naming}
 * then moves to it for good, over HTTP/1.1 ({@link Lane#useJdk}), with one warning.
 *
 * <p>Threads, per {@code Naming}: the two reading threads of the one {@link Lane}'s reader (one
 * leads, one stands by: {@link SelectorReads}) read each reply, parse it and hand the list to the
 * hub, all on the leading thread, so a reply costs one thread wake-up, as OkHttp's blocking read
 * does. Nothing on that path blocks: the hub hands lists to the {@code Naming}'s dispatcher unless
 * a subscription asked for its listener to run there, and the reading thread first hands its
 * reading to the standby and then calls a default listener itself (no thread woken between the
 * reply and the listener). Over TLS the handshake's work runs there too, once per connection.
 * {@value #WORKERS} daemon threads {@code naming-consul-watch-N}, started with the first watch and
 * ended by {@link #close()}, run the pauses between queries, the HTTP client of {@link #find}, and
 * over the JDK client a sweep of the read deadlines once a second ({@link Lane#expire()}; the
 * readers keep their own).
 *
 * <p>Connections: over TLS the reader speaks HTTP/2, so the pending queries share one connection
 * per agent, and a second opens past {@value Http2Reads#STREAMS_PER_CONNECTION} streams (Go's HTTP/2
 * server default, which Consul keeps). Over plain HTTP/1.1 every pending query holds a connection
 * of its own; Consul agents refuse more than 200 connections per client address, so past
 * {@value #PLAIN_HTTP_WARNING} plain-HTTP watches one warning says to use TLS.
 */
final class ConsulBlockingQueries implements AutoCloseable {

    private static final Logger LOG = NamingLoggers.get(ConsulBlockingQueries.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Threads that handle every reply of one {@code Naming}'s watches: the work per reply is small. */
    static final int WORKERS = 2;
    private static final String WORKER_NAME = "naming-consul-watch";
    static final String CONNECT_THREAD_NAME = "naming-consul-connect";
    /** Headers sent as never-indexed fields over HTTP/2. */
    private static final List<String> SENSITIVE = List.of("X-Consul-Token");
    /** Plain-HTTP watches past which one warning is logged: a Consul agent allows 200 connections per client address. */
    static final int PLAIN_HTTP_WARNING = 180;

    /** One read: the instances and the {@code X-Consul-Index} they came with (0 when absent). */
    record Reply(long index, List<ServiceInstance> instances) {
    }

    /** The agent answered with a status other than 200. */
    static final class StatusException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int status;

        StatusException(int status, String agent) {
            this(status, agent, "");
        }

        /** With the start of the agent's message ({@code ACL not found}, {@code No cluster leader}). */
        StatusException(int status, String agent, String message) {
            super("agent " + agent + " answered HTTP " + status + summary(message));
            this.status = status;
        }

        private static String summary(String message) {
            String line = message.lines().findFirst().orElse("").strip();
            return line.isEmpty() ? "" : ": " + (line.length() > 200 ? line.substring(0, 200) + "…" : line);
        }

        int status() {
            return status;
        }
    }

    /** A query sent or about to be; {@link #cancel()} aborts it (HTTP/2: resets its stream; HTTP/1.1: closes its connection). */
    static final class Call {
        private final BiConsumer<Reply, Throwable> done;
        private final AtomicBoolean finished = new AtomicBoolean();
        private volatile boolean cancelled;
        private volatile boolean expired;
        private volatile Runnable abort;
        /** Over the JDK client: fails the call as timed out while its request is not sent yet (the agent's name being looked up). */
        private volatile Runnable unsent;
        /** Over the JDK client: when the whole exchange must be over (nanoTime); see {@link Lane#expire()}. */
        private volatile long deadline;
        /** The lane whose sweep holds this call's deadline, once it has one. */
        private volatile Lane timedBy;

        private Call(BiConsumer<Reply, Throwable> done) {
            this.done = done;
        }

        void cancel() {
            cancelled = true;
            Runnable a = abort;
            if (a != null) {
                a.run();
            }
        }

        /** How many times the call was handed to another transport ({@link #moved()}); guarded by this. */
        private int moves;

        /** How to abort the request now sent; aborts it at once if the call was cancelled meanwhile. */
        private void sent(Runnable abort) {
            this.abort = abort;
            if (cancelled || finished.get()) {
                abort.run();
            }
        }

        /**
         * As {@link #sent}, for a request sent before the call's {@code moves}-th move: once moved
         * to another transport, the first request's abort must not replace the new one's.
         */
        private void sent(Runnable abort, int moves) {
            synchronized (this) {
                if (this.moves != moves) {
                    return;
                }
                this.abort = abort;
            }
            if (cancelled || finished.get()) {
                abort.run();
            }
        }

        /** The call goes again over another transport: the first request's abort and deadline no longer apply. */
        private synchronized void moved() {
            moves++;
            abort = null;
        }

        private synchronized int moves() {
            return moves;
        }

        /** Reports the outcome, the first time only. */
        private void finish(Reply reply, Throwable failure) {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            Lane lane = timedBy;
            if (lane != null) {
                lane.timed.remove(this);
            }
            done.accept(reply, failure);
        }
    }

    /**
     * The reader every watch of the {@code Naming} sends through ({@link Http1Reads} or
     * {@link Http2Reads}), or, over TLS to an agent without HTTP/2, a JDK client.
     */
    static final class Lane {
        /** The JDK client, over TLS to an agent that does not speak HTTP/2 only; {@code null} before. */
        private volatile HttpClient client;
        /** The reader of the watches: {@link Http1Reads} or {@link Http2Reads}; {@code null} for a JDK-only lane. */
        private volatile SelectorReads reads;
        /** The agent did not speak HTTP/2 over TLS: the JDK client carries this lane's queries from now on. */
        private volatile boolean viaJdk;
        private final ScheduledExecutorService workers;
        private volatile Gate[] gates;
        /** Over the JDK client, the calls in flight whose deadline {@link #expire()} checks. */
        private final Set<Call> timed = ConcurrentHashMap.newKeySet();
        private int watches;

        private Lane(SelectorReads reads, ScheduledExecutorService workers) {
            this.reads = reads;
            this.workers = workers;
        }

        /** From now on the JDK client; {@code byName[i]}: agent {@code i} is given by host name. */
        private void useJdk(HttpClient jdk, boolean[] byName) {
            Gate[] g = new Gate[byName.length];
            for (int i = 0; i < byName.length; i++) {
                g[i] = new Gate(byName[i]);
            }
            this.gates = g;
            this.client = jdk;
            this.viaJdk = true;
        }

        /** The reader now in use; {@code null} once the lane's queries go through the JDK client. */
        SelectorReads reads() {
            return viaJdk ? null : reads;
        }

        /** Where the watches of this lane run their pauses. */
        ScheduledExecutorService scheduler() {
            return workers;
        }

        /**
         * Aborts, as timed out, the calls past their deadline; run once a second over the JDK client. A timer
         * task per query would wake a worker thread for every query sent (the new deadline
         * becomes the head of the timer's queue), just as the reply before it is handed to the
         * listeners; read deadlines are about a minute, a second's precision is enough.
         */
        void expire() {
            long now = System.nanoTime();
            for (Call call : timed) {
                if (now - call.deadline >= 0 && timed.remove(call)) {
                    call.expired = true;
                    Runnable abort = call.abort;
                    if (abort != null) {
                        abort.run();
                    } else {
                        call.unsent.run();
                    }
                }
            }
        }
    }

    /**
     * Over the JDK client (an agent without HTTP/2: {@link Lane#useJdk}), lets one query through
     * to an agent while the lane has no working connection to it, and holds the others until that
     * one is answered: 250 watches retrying together after an outage would otherwise each start
     * a TLS handshake with an agent that may not answer yet. Only a non-blocking read (the first
     * of a watch, or the first after an error) is let through as the probe: a blocking one could
     * hold the others for up to a minute.
     */
    static final class Gate {
        /** The agent is given by host name: over HTTP/1.1 each new connection looks it up, on the thread that sends. */
        private final boolean byName;
        private boolean connected;
        private Call probe;
        private final List<Held> held = new ArrayList<>();

        /** A query held behind the probe: how to send it, and the call to fail if the probe fails. */
        private record Held(Call call, Runnable send) {
        }

        Gate(boolean byName) {
            this.byName = byName;
        }

        /**
         * Sends now, or holds {@code send} until the probe is answered. It is sent on this thread
         * over a working connection to an agent given by address; otherwise on {@code connecting}:
         * the JDK client looks the agent's name up on the thread that sends, and over HTTP/1.1
         * every new connection does (a DNS server that does not answer would hold a
         * {@code subscribe} call, a worker, or the JDK client's selector thread).
         */
        void submit(Call call, boolean blocking, Runnable send, Executor connecting) {
            boolean connect;
            synchronized (this) {
                connect = !connected;
                if (!connected) {
                    if (probe != null) {
                        held.add(new Held(call, send));
                        return;
                    }
                    if (!blocking) {
                        probe = call;
                    }
                }
            }
            if (!connect && !byName) {
                send.run();
                return;
            }
            try {
                connecting.execute(send);
            } catch (RejectedExecutionException closing) {
                call.finish(null, new CancellationException("closed"));
                abandoned(call);
            }
        }

        /** {@code call} got an answer from the agent (any status): the connection works. */
        void answered(Call call) {
            endProbe(call, Boolean.TRUE).forEach(h -> h.send().run());
        }

        /** {@code call} failed before an answer: the held queries fail alike and back off. */
        void failed(Call call, Throwable error) {
            endProbe(call, Boolean.FALSE).forEach(h -> h.call().finish(null, error));
        }

        /** {@code call} was cancelled (its watch closed): if it was the probe, the held queries go. */
        void abandoned(Call call) {
            endProbe(call, null).forEach(h -> h.send().run());
        }

        /**
         * Notes what {@code call} showed of the connection ({@code null}: nothing) and, if it was the
         * probe, ends the probe and hands back the queries held behind it, to be run outside the lock.
         */
        private synchronized List<Held> endProbe(Call call, Boolean connectionWorks) {
            if (connectionWorks != null) {
                connected = connectionWorks;
            }
            if (probe != call) {
                return List.of();
            }
            probe = null;
            List<Held> release = List.copyOf(held);
            held.clear();
            return release;
        }
    }

    /** Consul's header on a reply from which the ACL token's rights left something out (agent/http.go). */
    static final String FILTERED_BY_ACLS = "X-Consul-Results-Filtered-By-ACLs";

    private final ConsulConfig config;
    private final ConsulTrust trust;
    /** The headers of every health read: the token and the Enterprise scope, when set. */
    private final java.util.Map<String, String> headers;
    private final List<Lane> lanes = new ArrayList<>();
    private final Set<String> filtered = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean warnedFiltered = new AtomicBoolean();
    private HttpClient findClient;
    private ScheduledThreadPoolExecutor workers;
    /**
     * Over the JDK client, the queries sent while a lane has no working connection to an agent (see
     * {@link Gate#submit}): a thread {@value #CONNECT_THREAD_NAME} each, started then and ended a
     * second after; as many as such queries at once (the gate holds most of them behind one).
     */
    private final ThreadPoolExecutor connecting;
    private int watches;
    private boolean warned;
    private boolean closed;

    ConsulBlockingQueries(ConsulConfig config) {
        this.config = config;
        this.trust = ConsulTrust.of(config);
        java.util.Map<String, String> h = new java.util.LinkedHashMap<>();
        h.put("Accept", "application/json");
        if (config.token() != null) {
            h.put("X-Consul-Token", config.token());
        }
        h.putAll(config.scopeHeaders());
        this.headers = java.util.Collections.unmodifiableMap(h);
        this.connecting = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 1, TimeUnit.SECONDS, new SynchronousQueue<>(),
                NamingThreads.factory(CONNECT_THREAD_NAME, false));
    }

    int agents() {
        return config.agents().size();
    }

    String describe(int agent) {
        URI uri = config.agents().get(agent);
        return uri.getHost() + ":" + uri.getPort();
    }

    /** A place for one more watch: a lane with room, or a new one. */
    synchronized Lane join() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (lanes.isEmpty()) {
            SelectorReads reads;
            try {
                reads = newReads();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("consul: cannot open a selector for the watches", e);
            }
            lanes.add(new Lane(reads, workers()));
        }
        Lane lane = lanes.get(0);
        lane.watches++;
        watches++;
        if (!config.tls() && watches > PLAIN_HTTP_WARNING && !warned) {
            warned = true;
            LOG.warn("consul: {} services are watched over plain HTTP, one connection to the agent each; Consul agents"
                    + " refuse more than 200 connections per client address (limits.http_max_conns_per_client):"
                    + " use tls=true, over which HTTP/2 carries every watch on one connection", watches);
        }
        return lane;
    }

    /** A watch of {@code lane} ended. */
    synchronized void leave(Lane lane) {
        lane.watches--;
        watches--;
    }

    /** Lanes in use: one once a watch started (its reader opens the connections it needs), none before. */
    synchronized int lanes() {
        return lanes.size();
    }

    /**
     * Reads the passing instances of {@code service} from {@code agent}, blocking up to the
     * configured wait when {@code index} is at least 1, not blocking otherwise. {@code done} is
     * called once, with the reply, or an {@link IOException} (network errors, timeouts, a status
     * other than 200, a reply that is not a health list), or a {@link CancellationException} after
     * {@link Call#cancel()}; on the reader's leading thread (a reply, a network error, a read
     * deadline), or the caller's thread (a call that fails at once). Over the JDK fallback client
     * also its selector thread, a worker (a read deadline) or a {@value #CONNECT_THREAD_NAME}
     * thread (a query sent while the lane was not connected, or to an agent given by name).
     *
     * <p>Over the JDK client the reply is read and handed on as soon as its body is in, by the
     * body subscriber on the thread that read it, not through the future {@code sendAsync}
     * returns: the JDK completes that future through more steps, which cost about a millisecond on
     * a busy machine (docs/BENCHMARKS.md). The future still reports failures and cancellation.
     */
    Call read(Lane lane, int agent, String service, long index, BiConsumer<Reply, Throwable> done) {
        Call call = new Call(done);
        if (lane.reads() != null) {
            sendReads(lane, agent, service, index, call);
        } else {
            sendJdk(lane, agent, service, index, call);
        }
        return call;
    }

    private void sendJdk(Lane lane, int agent, String service, long index, Call call) {
        HttpRequest request = request(agent, service, index);
        Gate gate = lane.gates[agent];
        gate.submit(call, index >= 1, () -> send(lane, agent, service, request, call, gate), connecting);
    }

    private void send(Lane lane, int agent, String service, HttpRequest request, Call call, Gate gate) {
        if (call.cancelled || call.finished.get()) {
            call.finish(null, new CancellationException("cancelled"));
            if (gate != null) {
                gate.abandoned(call);
            }
            return;
        }
        Duration limit = request.timeout().orElse(config.blockingReadTimeout());
        // the deadline comes first: the JDK client looks the agent's name up inside sendAsync, and a
        // DNS server that does not answer must fail the call (and the queries held behind it) in time
        call.unsent = () -> {
            IOException late = new java.net.http.HttpConnectTimeoutException("agent " + describe(agent)
                    + " was not reached within " + limit + " (looking its name up and connecting)");
            if (gate != null) {
                gate.failed(call, late);
            }
            call.finish(null, late);
        };
        // the request's timeout covers only the wait for the headers: a body that stalls after
        // them must not hold the watch forever, so the whole exchange gets a deadline too
        if (!deadline(lane, call, limit)) {
            return;
        }
        CompletableFuture<HttpResponse<Void>> response;
        try {
            response = lane.client.sendAsync(request, info -> {
                if (gate != null) {
                    gate.answered(call);
                }
                return replySubscriber(info, call, agent, service);
            });
        } catch (RuntimeException e) {
            IOException error = new IOException("request not sent: " + e, e);
            if (gate != null) {
                gate.failed(call, error);
            }
            call.finish(null, error);
            return;
        }
        call.sent(() -> response.cancel(true));
        response.whenComplete((r, error) -> {
            // a reply that came through was answered by its body subscriber, which runs before this
            if (error != null) {
                Throwable failure = failure(call, error, agent, limit);
                if (gate != null && failure instanceof CancellationException) {
                    gate.abandoned(call);
                } else if (gate != null) {
                    gate.failed(call, failure);
                }
                call.finish(null, failure);
            }
        });
    }

    /**
     * Gives {@code call} a deadline for its whole exchange, after which the lane's sweep aborts it
     * and it fails as timed out; false if the {@code Naming} is closing (the call is then aborted
     * and finished).
     */
    private static boolean deadline(Lane lane, Call call, Duration limit) {
        if (lane.workers.isShutdown()) {
            Runnable abort = call.abort;
            if (abort != null) {
                abort.run();
            }
            call.finish(null, new CancellationException("closed"));
            return false;
        }
        call.deadline = System.nanoTime() + limit.toNanos();
        call.timedBy = lane;
        lane.timed.add(call);
        if (call.finished.get()) {
            // answered before the deadline was set: finish() did not see it
            lane.timed.remove(call);
        }
        return true;
    }

    /**
     * Sends a watch's query through the lane's reader ({@link Http1Reads}, {@link Http2Reads}), whose
     * leading thread reads the reply and hands it on. An agent that turns out not to speak HTTP/2
     * over TLS moves the lane to the JDK client, and the query goes again there.
     */
    private void sendReads(Lane lane, int agent, String service, long index, Call call) {
        if (call.cancelled) {
            call.finish(null, new CancellationException("cancelled"));
            return;
        }
        Duration limit = timeout(index);
        URI base = config.agents().get(agent);
        String target = target(service, index, List.of());
        // the deadline is the reader's own: a timer per query would wake a worker thread per query
        SelectorReads.Handler handler = new SelectorReads.Handler() {
            @Override
            public void answered(SelectorReads.Response response) {
                if (response.status() != 200) {
                    call.finish(null, new StatusException(response.status(), describe(agent),
                            new String(response.body(), java.nio.charset.StandardCharsets.UTF_8)));
                    return;
                }
                replied(response::header, response.body(), call, agent, service);
            }

            @Override
            public void failed(Throwable error) {
                if (error instanceof Http2Reads.NotHttp2Exception notHttp2) {
                    if (call.cancelled || !useJdk(lane, notHttp2)) {
                        call.finish(null, new CancellationException(call.cancelled ? "cancelled" : "closed"));
                        return;
                    }
                    call.moved();
                    sendJdk(lane, agent, service, index, call);
                    return;
                }
                call.finish(null, failure(call, error, agent, limit));
            }
        };
        int moves = call.moves();
        SelectorReads.Exchange exchange;
        try {
            exchange = usableReads(lane).get(base.getHost(), base.getPort(), target, headers, limit, handler);
        } catch (RuntimeException e) {
            call.finish(null, new IOException("request not sent: " + e, e));
            return;
        }
        // the reader may have failed it already and the call gone on over the JDK client
        call.sent(exchange::cancel, moves);
    }

    /** The agent answered TLS without HTTP/2 (a proxy in front of it, say): the lane's queries go over the JDK client. */
    private synchronized boolean useJdk(Lane lane, Http2Reads.NotHttp2Exception why) {
        if (lane.viaJdk) {
            return true;
        }
        if (closed) {
            return false;
        }
        LOG.warn("consul: {}; the watches go over HTTP/1.1 and TLS instead, one connection per watched service"
                + " (agents refuse more than 200 per client address)", why.getMessage());
        // HTTP/1.1: an agent that does speak HTTP/2 (another one of the list, or this one once the
        // proxy is gone) would otherwise get every watch on one connection, and the JDK client
        // fails requests past a connection's 250 streams instead of opening another
        boolean[] byName = new boolean[config.agents().size()];
        for (int i = 0; i < byName.length; i++) {
            byName[i] = SelectorReads.literal(config.agents().get(i).getHost()) == null;
        }
        lane.useJdk(newClient(Runnable::run, HttpClient.Version.HTTP_1_1), byName);
        lane.workers.scheduleWithFixedDelay(lane::expire, 1, 1, TimeUnit.SECONDS);
        return true;
    }

    /**
     * The lane's reader, replaced by a new one if its leading thread died (its requests then failed
     * as I/O errors, so the watches back off and come back here).
     */
    private SelectorReads usableReads(Lane lane) {
        SelectorReads reads = lane.reads;
        if (reads.usable()) {
            return reads;
        }
        synchronized (this) {
            if (closed || lane.reads.usable()) {
                return lane.reads;
            }
            try {
                lane.reads = newReads();
                LOG.warn("consul: started a new reader for the watches, the last one stopped");
            } catch (IOException e) {
                LOG.warn("consul: cannot start a new reader for the watches: {}", e.toString());
            }
            return lane.reads;
        }
    }

    /**
     * One reader for every watch: HTTP/2 multiplexes (the reader opens a connection per 250 streams
     * itself), HTTP/1.1 holds a connection per pending query.
     */
    private SelectorReads newReads() throws IOException {
        return config.tls() ? new Http2Reads(config.connectTimeout(), trust == null ? null : trust.context(), SENSITIVE)
                : new Http1Reads(config.connectTimeout());
    }

    /**
     * Runs {@code task} once the thread that read the lane's current replies is done with them: on
     * the reader's leading thread after the listener calls those replies held were handed on
     * ({@link SelectorReads#afterReplies}); over the JDK client, now.
     */
    void afterReplies(Lane lane, Runnable task) {
        SelectorReads reads = lane.reads();
        if (reads == null) {
            task.run();
        } else {
            reads.afterReplies(task);
        }
    }

    /** Reads a 200 reply's body into a {@link Reply}; any other status is answered at once, its body dropped. */
    private HttpResponse.BodySubscriber<Void> replySubscriber(HttpResponse.ResponseInfo info, Call call, int agent,
                                                              String service) {
        if (info.statusCode() != 200) {
            call.finish(null, new StatusException(info.statusCode(), describe(agent)));
            return HttpResponse.BodySubscribers.replacing(null);
        }
        return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofByteArray(), body -> {
            replied(info.headers()::firstValue, body, call, agent, service);
            return null;
        });
    }

    /**
     * Answers {@code call} with a 200 reply: its index, the ACL filter mark, the instances. Runs on
     * the thread that read the body (a selector thread): parsing takes tens of microseconds, a
     * hand-off to another thread costs more than that.
     */
    private void replied(Function<String, Optional<String>> header, byte[] body, Call call, int agent, String service) {
        long replyIndex = parseIndex(header.apply("X-Consul-Index"));
        if (config.stale() && LOG.isDebugEnabled()) {
            LOG.debug("watch of '{}': stale read from agent {}, its server last heard from the leader {} ms before"
                    + " (known leader: {})", service, describe(agent),
                    header.apply("X-Consul-LastContact").orElse("?"),
                    header.apply("X-Consul-KnownLeader").orElse("?"));
        }
        filtered(service, header);
        Reply reply;
        try {
            reply = new Reply(replyIndex, ConsulInstances.fromJson(service, JSON.getFactory(), body));
        } catch (IOException | IllegalStateException e) {
            call.finish(null, new IOException("agent " + describe(agent) + " sent a health reply that cannot be read: "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e));
            return;
        }
        call.finish(reply, null);
    }

    /**
     * A one-shot, non-blocking read for {@code find}, with one {@code tag} parameter per tag,
     * answered on the calling thread. It goes over {@code java.net.http} like the watches, not
     * through consul-client, whose replies drop the {@value #FILTERED_BY_ACLS} header: without it
     * a list the ACL token emptied reads as a service without instances.
     *
     * @throws IOException a network error, a status other than 200 ({@link StatusException}), a
     *     reply that is not a health list
     */
    List<ServiceInstance> find(int agent, String service, List<String> tags) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = findClient().send(request(agent, service, 0, tags),
                HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new StatusException(response.statusCode(), describe(agent),
                    new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
        }
        filtered(service, response.headers()::firstValue);
        try {
            return ConsulInstances.fromJson(service, JSON.getFactory(), response.body());
        } catch (IllegalStateException e) {
            throw new IOException("agent " + describe(agent) + " sent a health reply that cannot be read: "
                    + e.getMessage(), e);
        }
    }

    /** Whether the agent's last answer about {@code service} left out what the ACL token may not read. */
    boolean filtered(String service) {
        return filtered.contains(service);
    }

    /** Notes whether a reply about {@code service} was filtered by ACLs; the first time one is, a warning. */
    private void filtered(String service, Function<String, Optional<String>> header) {
        if (!header.apply(FILTERED_BY_ACLS).map("true"::equalsIgnoreCase).orElse(false)) {
            filtered.remove(service);
            return;
        }
        filtered.add(service);
        if (warnedFiltered.compareAndSet(false, true)) {
            LOG.warn("consul: the agent left instances of '{}' out of its answer because the ACL token may not read"
                    + " them ({}): lists may be empty or short although the service has instances. Give a token with"
                    + " service:read and node:read on them: URI parameter token= or CONSUL_HTTP_TOKEN",
                    service, FILTERED_BY_ACLS);
        }
    }

    private synchronized HttpClient findClient() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (findClient == null) {
            findClient = newClient(workers());
        }
        return findClient;
    }

    private Throwable failure(Call call, Throwable error, int agent, Duration limit) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof CancellationException) {
            if (call.expired) {
                return new HttpTimeoutException("agent " + describe(agent) + " did not finish its reply within " + limit);
            }
            return cause;
        }
        if (cause instanceof IOException) {
            return cause;
        }
        return new IOException(cause.toString(), cause);
    }

    HttpRequest request(int agent, String service, long index) {
        return request(agent, service, index, List.of());
    }

    /** The health read of {@code service}, one {@code tag} parameter per tag (finds; watches filter no tags). */
    HttpRequest request(int agent, String service, long index, List<String> tags) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(config.agents().get(agent) + target(service, index, tags)))
                .GET()
                .timeout(timeout(index));
        headers.forEach(b::header);
        return b.build();
    }

    /** How long a read may take: a blocking one (index at least 1) its wait and more, any other the request timeout. */
    private Duration timeout(long index) {
        return index >= 1 ? config.blockingReadTimeout() : config.requestTimeout();
    }

    /** The path and query of the health read of {@code service}. */
    private String target(String service, long index, List<String> tags) {
        StringBuilder uri = new StringBuilder("/v1/health/service/").append(ConsulPaths.encode(service)).append("?passing=1");
        for (String tag : tags) {
            uri.append("&tag=").append(ConsulPaths.encode(tag));
        }
        if (config.datacenter() != null) {
            uri.append("&dc=").append(ConsulPaths.encode(config.datacenter()));
        }
        if (config.stale()) {
            uri.append("&stale");
        }
        if (index >= 1) {
            uri.append("&index=").append(index).append("&wait=").append(ConsulRegistrar.goDuration(config.waitTime()));
        }
        return uri.toString();
    }


    /** {@code X-Consul-Index} (a uint64); 0 when absent or unreadable, so the next read does not block. */
    static long parseIndex(Optional<String> header) {
        if (header.isEmpty()) {
            return 0;
        }
        String v = header.get().trim();
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            try {
                Long.parseUnsignedLong(v);
                return Long.MAX_VALUE;
            } catch (NumberFormatException notANumber) {
                return 0;
            }
        }
    }

    private ScheduledThreadPoolExecutor workers() {
        if (workers == null) {
            workers = new ScheduledThreadPoolExecutor(WORKERS, NamingThreads.factory(WORKER_NAME, true));
            workers.setRemoveOnCancelPolicy(true);
            // all of them now, for the life of the Naming: the thread count does not move with watches
            workers.prestartAllCoreThreads();
        }
        return workers;
    }

    private HttpClient newClient(Executor executor) {
        // h2 by ALPN over TLS; plain HTTP stays HTTP/1.1: Consul serves no cleartext HTTP/2, an h2c
        // upgrade offer would be wasted
        return newClient(executor, config.tls() ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1);
    }

    private HttpClient newClient(Executor executor, HttpClient.Version version) {
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(version)
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor);
        if (trust != null) {
            b.sslContext(trust.context());
        }
        return b.build();
    }

    @Override
    public void close() {
        List<HttpClient> clients = new ArrayList<>();
        List<SelectorReads> readers = new ArrayList<>();
        // the clients are closed after the lock is released: closing one waits for its selector
        // thread, which may be in a listener that is about to subscribe (join() takes this lock)
        synchronized (this) {
            closed = true;
            if (workers != null) {
                workers.shutdownNow();
            }
            connecting.shutdownNow();
            lanes.forEach(lane -> {
                if (lane.client != null) {
                    clients.add(lane.client);
                }
                if (lane.reads != null) {
                    readers.add(lane.reads);
                }
            });
            if (findClient != null) {
                clients.add(findClient);
            }
            lanes.clear();
        }
        // every pending query of the readers fails as cancelled; from a reading thread close does not wait for itself
        readers.forEach(SelectorReads::close);
        Runnable closeClients = () -> {
            for (HttpClient client : clients) {
                // from Java 21 on HttpClient can be shut down: its selector thread ends at once. Not
                // close(), which waits for every exchange to end, and one may be in sendAsync on a
                // connect thread, in a name lookup that no interrupt ends
                try {
                    HttpClient.class.getMethod("shutdownNow").invoke(client);
                } catch (ReflectiveOperationException olderJdk) {
                    // Java 17: the client's thread ends once the client is collected
                }
            }
        };
        if (onSelectorThread()) {
            // a listener run on the thread that read its reply closes the Naming: closing a client
            // waits for its selector thread to end, which would be this one
            NamingThreads.start("naming-consul-close", closeClients);
        } else {
            closeClients.run();
        }
    }

    /** Whether this is a JDK HTTP client's selector thread ({@code HttpClient-N-SelectorManager}). */
    private static boolean onSelectorThread() {
        String name = Thread.currentThread().getName();
        return name.startsWith("HttpClient-") && name.endsWith("-SelectorManager");
    }
}
