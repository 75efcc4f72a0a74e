package dev.naming.discovery;

import dev.naming.discovery.emulator.DiscoveryEmulator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.FutureCallback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A man in the middle in front of one {@link DiscoveryEmulator}, on Jetty 12 at 127.0.0.1 on a
 * port of its own. While it {@linkplain #behave() behaves} it passes every request through to the
 * emulator and returns its answer; while it {@linkplain #misbehave misbehaves} it answers every
 * call itself, the way a broken server, a proxy or an attacker could: a body far larger than any
 * reply, one that never ends or trickles, JSON nested deeper than the protocol ever is.
 *
 * <p>It answers {@code /discovery/nodes} with its own address while it behaves, so that a client
 * does not learn the emulator's address from the node list and go around it.
 *
 * <p>Every hostile body is written as it goes, from one block of 64 KiB, so the front itself holds
 * no more than that whatever it sends; an endless one ends when the client hangs up, at
 * {@link #ENDLESS_CAP} bytes or after {@link #ENDLESS_FOR}, whichever comes first.
 */
final class HostileFront implements AutoCloseable {

    /** Where an "endless" body stops if the client never hangs up: far past any limit under test. */
    static final long ENDLESS_CAP = 64L << 30;
    static final Duration ENDLESS_FOR = Duration.ofSeconds(60);
    private static final long ENDLESS = Long.MAX_VALUE;
    private static final int BLOCK = 64 * 1024;

    /** The start of a {@code fetchs}/{@code polls} reply whose instance array the flood fills. */
    static final String PREFIX = "{\"code\":0,\"message\":\"0\",\"ttl\":1,\"data\":{\"chat.logic\":"
            + "{\"instances\":{\"sh001\":[";
    private static final String SUFFIX = "]},\"latest_timestamp\":1}}}";
    /** One instance of the flood: well formed, so a client without limits takes every one. */
    private static final String ELEMENT = "{\"hostname\":\"flood\",\"zone\":\"sh001\",\"env\":\"test\","
            + "\"appid\":\"chat.logic\",\"addrs\":[\"http://10.0.0.9:8000\"],\"status\":1}";

    /** How a hostile body's end is told to the client. */
    enum Framing {
        /** {@code Content-Length}. */
        LENGTH,
        /** {@code Transfer-Encoding: chunked}. */
        CHUNKED,
        /** Neither: {@code Connection: close}, and the body ends when the connection does (HTTP/1.0 style). */
        READ_TO_CLOSE
    }

    /** One way of answering every call. */
    interface Answer {
        void send(Response response, HostileFront front) throws IOException;

        /** A well-formed reply of {@code length} bytes, instances to the end, framed as {@code framing}. */
        static Answer flood(Framing framing, long length) {
            return (response, front) -> front.flood(response, framing, length, length, Duration.ZERO);
        }

        /** A reply that declares {@code Content-Length: declared} and sends that many bytes. */
        static Answer declaring(long declared) {
            return flood(Framing.LENGTH, declared);
        }

        /** Instances without end, as fast as the client reads them. */
        static Answer endless(Framing framing) {
            return (response, front) -> front.flood(response, framing, -1, ENDLESS, Duration.ZERO);
        }

        /** Instances without end, one every {@code pace}: never near a size limit. */
        static Answer trickle(Framing framing, Duration pace) {
            return (response, front) -> front.flood(response, framing, -1, ENDLESS, pace);
        }

        /** A fixed body, with its length. */
        static Answer body(String json) {
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            return (response, front) -> {
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, Integer.toString(bytes.length));
                front.write(response, bytes);
            };
        }
    }

    private final DiscoveryEmulator upstream;
    private final Server server;
    private final ServerConnector connector;
    private final HttpClient passThrough;
    private final byte[] block;
    private volatile Answer misbehaviour;
    /** The call {@link #misbehaviour} answers, or {@code null} for every call. */
    private volatile String misbehavingCall;
    private volatile boolean closed;
    private final AtomicInteger hostileAnswers = new AtomicInteger();
    private final AtomicInteger bodiesInFlight = new AtomicInteger();
    private final AtomicLong hostileBytes = new AtomicLong();

    private HostileFront(DiscoveryEmulator upstream) throws Exception {
        this.upstream = upstream;
        this.passThrough = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        StringBuilder elements = new StringBuilder(BLOCK + ELEMENT.length());
        while (elements.length() + ELEMENT.length() + 1 <= BLOCK) {
            elements.append(ELEMENT).append(',');
        }
        this.block = elements.toString().getBytes(StandardCharsets.UTF_8);
        QueuedThreadPool threads = new QueuedThreadPool(32, 4);
        threads.setName("hostile-front");
        threads.setDaemon(true);
        this.server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract(Invocable.InvocationType.BLOCKING) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                try {
                    serve(request, response);
                    callback.succeeded();
                } catch (IOException | RuntimeException e) {
                    // the client hung up mid-body, which is what a limit does: nothing left to answer
                    callback.failed(e);
                }
                return true;
            }
        });
        server.start();
    }

    static HostileFront start(DiscoveryEmulator upstream) {
        try {
            return new HostileFront(upstream);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the hostile front: " + e, e);
        }
    }

    /** {@code 127.0.0.1:port}, for a discovery URI. */
    String authority() {
        return "127.0.0.1:" + connector.getLocalPort();
    }

    /** {@code http://127.0.0.1:port}, as the client names the node in its errors. */
    String node() {
        return "http://" + authority();
    }

    /** From now on every call is answered with {@code answer}. */
    void misbehave(Answer answer) {
        misbehave(null, answer);
    }

    /** From now on {@code call} ({@code polls}, {@code fetchs} …) is answered with {@code answer}, the others passed through. */
    void misbehave(String call, Answer answer) {
        misbehaviour = null;
        misbehavingCall = call;
        misbehaviour = answer;
    }

    /** From now on every call is passed through to the emulator. */
    void behave() {
        misbehaviour = null;
    }

    /** Calls answered with a hostile answer so far. */
    int hostileAnswers() {
        return hostileAnswers.get();
    }

    /** Hostile bodies being written right now. */
    int bodiesInFlight() {
        return bodiesInFlight.get();
    }

    /** Bytes of hostile bodies handed to the connection so far. */
    long hostileBytes() {
        return hostileBytes.get();
    }

    private void serve(Request request, Response response) throws IOException {
        Answer answer = misbehaviour;
        String call = misbehavingCall;
        if (answer != null && (call == null || request.getHttpURI().getPath().equals("/discovery/" + call))) {
            hostileAnswers.incrementAndGet();
            bodiesInFlight.incrementAndGet();
            try {
                answer.send(response, this);
            } finally {
                bodiesInFlight.decrementAndGet();
            }
            return;
        }
        String pathQuery = request.getHttpURI().getPathQuery();
        if (request.getHttpURI().getPath().equals("/discovery/nodes")) {
            Answer.body("{\"code\":0,\"message\":\"0\",\"ttl\":1,\"data\":[{\"addr\":\"" + authority()
                    + "\",\"status\":0,\"zone\":\"sh001\"}]}").send(response, this);
            return;
        }
        byte[] requestBody;
        try (InputStream in = Content.Source.asInputStream(request)) {
            requestBody = in.readAllBytes();
        }
        HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create("http://" + upstream.address() + pathQuery))
                .timeout(Duration.ofSeconds(60));
        String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (contentType != null) {
            forward.header("Content-Type", contentType);
        }
        forward.method(request.getMethod(), requestBody.length == 0 ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(requestBody));
        HttpResponse<byte[]> upstreamAnswer;
        try {
            upstreamAnswer = passThrough.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted passing a request through", e);
        }
        response.setStatus(upstreamAnswer.statusCode());
        upstreamAnswer.headers().firstValue("Content-Type")
                .ifPresent(t -> response.getHeaders().put(HttpHeader.CONTENT_TYPE, t));
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, Integer.toString(upstreamAnswer.body().length));
        write(response, upstreamAnswer.body());
    }

    /**
     * {@link #PREFIX}, instances, {@link #SUFFIX}: {@code length} bytes in all, or without end
     * ({@link #ENDLESS}) and then without the suffix, with a pause of {@code pace} after each
     * instance when it is not zero (one instance at a time then, not blocks).
     *
     * @param declared the {@code Content-Length} to send with {@link Framing#LENGTH}
     */
    private void flood(Response response, Framing framing, long declared, long length, Duration pace)
            throws IOException {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        if (framing == Framing.LENGTH && declared < 0) {
            throw new IllegalArgumentException("an endless body cannot declare a length");
        }
        switch (framing) {
            case LENGTH -> response.getHeaders().put(HttpHeader.CONTENT_LENGTH, Long.toString(declared));
            case CHUNKED -> response.getHeaders().put(HttpHeader.TRANSFER_ENCODING, "chunked");
            // no length and not persistent: Jetty then ends the body by closing the connection
            case READ_TO_CLOSE -> response.getHeaders().put(HttpHeader.CONNECTION, "close");
            default -> throw new IllegalArgumentException(framing.name());
        }
        byte[] prefix = PREFIX.getBytes(StandardCharsets.UTF_8);
        byte[] element = ELEMENT.getBytes(StandardCharsets.UTF_8);
        byte[] suffix = SUFFIX.getBytes(StandardCharsets.UTF_8);
        if (length != ENDLESS && length < prefix.length + element.length + suffix.length) {
            throw new IllegalArgumentException("a flood needs at least "
                    + (prefix.length + element.length + suffix.length) + " bytes, was " + length);
        }
        long stopAt = System.nanoTime() + ENDLESS_FOR.toNanos();
        try (OutputStream out = Content.Sink.asOutputStream(response)) {
            long written = send(out, prefix, 0);
            if (length == ENDLESS) {
                byte[] step = pace.isZero() ? block : (ELEMENT + ",").getBytes(StandardCharsets.UTF_8);
                while (!closed && written < ENDLESS_CAP && System.nanoTime() < stopAt) {
                    written = send(out, step, written);
                    if (!pace.isZero()) {
                        out.flush();
                        pause(pace);
                    }
                }
                return;
            }
            // whole blocks while a block still leaves room for the last element and the suffix
            long tail = element.length + suffix.length;
            while (!closed && written + block.length + tail <= length && System.nanoTime() < stopAt) {
                written = send(out, block, written);
            }
            byte[] one = (ELEMENT + ",").getBytes(StandardCharsets.UTF_8);
            while (!closed && written + one.length + tail <= length && System.nanoTime() < stopAt) {
                written = send(out, one, written);
            }
            written = send(out, element, written);
            // JSON whitespace makes up the exact length declared
            byte[] spaces = " ".repeat((int) (length - written - suffix.length)).getBytes(StandardCharsets.US_ASCII);
            written = send(out, spaces, written);
            send(out, suffix, written);
        }
    }

    private long send(OutputStream out, byte[] bytes, long written) throws IOException {
        out.write(bytes);
        hostileBytes.addAndGet(bytes.length);
        return written + bytes.length;
    }

    private void write(Response response, byte[] bytes) throws IOException {
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
    }

    /** The hostile server's own pace between two pieces of a body: a wait for nothing to happen. */
    private static void pause(Duration pace) throws IOException {
        try {
            Thread.sleep(pace.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while trickling", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            connector.getConnectedEndPoints().forEach(org.eclipse.jetty.io.EndPoint::close);
            server.setStopTimeout(0);
            server.stop();
        } catch (Exception ignored) {
            // stopping a front that failed to start
        }
    }
}
