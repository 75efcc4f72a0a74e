package dev.naming.discovery;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.naming.NamingException;
import dev.naming.spi.NamingThreads;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The wire: form POSTs and GETs to {@code /discovery/<call>} on one node, each reply parsed into
 * its {@link Reply} envelope. Uses one {@link HttpClient} (HTTP/1.1, kept-alive connections) whose
 * worker threads ({@code naming-discovery-http-N}) end at {@link #close()}.
 *
 * <p>Whatever a node, a proxy or a man in the middle sends, a request stays bounded: its body is
 * read up to {@code maxReply} bytes ({@link BoundedBody}), the whole exchange, body included, ends
 * at its deadline, and the JSON is parsed within {@link #JSON}'s constraints. Each breach fails
 * that one request with a {@link NodeFailure} naming the limit and the node.
 */
final class DiscoveryClient implements AutoCloseable {

    /**
     * Deepest nesting of a reply: the protocol's deepest is 7 ({@code fetchs}: envelope, data, app,
     * instances, zone, instance, its addrs or metadata); 32 leaves room for a server that adds some.
     */
    static final int MAX_NESTING = 32;
    /**
     * Longest string, in characters: host names, addresses and metadata values are short. 1 Mi
     * leaves ample room for a large metadata value, while a string near {@code maxReply}, held as
     * two-byte chars, would cost twice the reply again.
     */
    static final int MAX_STRING = 1 << 20;
    /**
     * Longest number, in digits: the protocol's longest are int64 nanosecond timestamps (19); a
     * longer one is not a discovery reply, and parsing very long numbers is superlinear.
     */
    static final int MAX_NUMBER = 32;

    /** The parser of replies (and of the tags inside them), within the limits above. */
    static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING)
                    .maxStringLength(MAX_STRING)
                    .maxNumberLength(MAX_NUMBER)
                    .build())
            .build());
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final int WORKERS = 2;
    private static final String WORKER_NAME = "naming-discovery-http";

    private final DiscoveryNodes nodes;
    private final Duration timeout;
    private final long maxReply;
    private final ThreadPoolExecutor executor;
    private final HttpClient http;

    /**
     * @param timeout  the connect timeout, and the deadline of every request but the long poll
     * @param maxReply the most bytes of a reply body read into memory
     */
    DiscoveryClient(DiscoveryNodes nodes, Duration timeout, long maxReply) {
        this.nodes = nodes;
        this.timeout = timeout;
        this.maxReply = maxReply;
        // a fixed pair, started now: the JDK's completion tasks are short, and a pool that grew and
        // shrank with traffic would make this Naming's thread count drift with load
        this.executor = new ThreadPoolExecutor(WORKERS, WORKERS, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                NamingThreads.factory(WORKER_NAME, true));
        this.executor.prestartAllCoreThreads();
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
    }

    Duration timeout() {
        return timeout;
    }

    DiscoveryNodes nodes() {
        return nodes;
    }

    /** A form POST to {@code node}. */
    Reply post(String node, String call, FormBody form) {
        return await(postAsync(node, call, form), null);
    }

    /** A GET to {@code node} with {@code query}, waiting up to {@code wait} for the whole reply. */
    Reply get(String node, String call, FormBody query, Duration wait) {
        return await(getAsync(node, call, query, wait), null);
    }

    CompletableFuture<Reply> postAsync(String node, String call, FormBody form) {
        HttpRequest request = HttpRequest.newBuilder(uri(node, call, null))
                .timeout(timeout)
                .header("Content-Type", FORM)
                .POST(HttpRequest.BodyPublishers.ofString(form.encoded()))
                .build();
        return send(node, call, request);
    }

    CompletableFuture<Reply> getAsync(String node, String call, FormBody query, Duration wait) {
        HttpRequest request = HttpRequest.newBuilder(uri(node, call, query)).timeout(wait).GET().build();
        return send(node, call, request);
    }

    /**
     * A POST tried on the current node, then on each other node once: for calls a caller is
     * waiting for.
     *
     * @throws NamingException when no node could serve it
     */
    Reply postOnAnyNode(String call, FormBody form) {
        return nodes.endpoints().call(call, node -> post(node, call, form), NodeFailure.class::isInstance);
    }

    /** As {@link #postOnAnyNode}, for a GET. */
    Reply getOnAnyNode(String call, FormBody query) {
        return nodes.endpoints().call(call, node -> get(node, call, query, timeout), NodeFailure.class::isInstance);
    }

    /**
     * Waits for {@code reply}; when {@code interrupt} completes first, cancels the request (the
     * JDK then aborts the exchange) and returns {@code null}.
     *
     * @throws NodeFailure when the request failed
     */
    static Reply await(CompletableFuture<Reply> reply, CompletableFuture<?> interrupt) {
        try {
            if (interrupt != null) {
                CompletableFuture.anyOf(reply, interrupt).get();
                if (!reply.isDone()) {
                    reply.cancel(true);
                    return null;
                }
            }
            return reply.get();
        } catch (InterruptedException e) {
            reply.cancel(true);
            Thread.currentThread().interrupt();
            throw new NodeFailure("interrupted", e);
        } catch (CancellationException e) {
            return null;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof NodeFailure f) {
                throw f;
            }
            if (cause instanceof CancellationException) {
                return null;
            }
            throw new NodeFailure(describe(cause), cause);
        }
    }

    /**
     * Stops the HTTP client. From JDK 21 its {@code shutdownNow()} also closes pooled connections;
     * JDK 17 has no such call (reached by reflection so this compiles for 17): its idle connections
     * end with the server's idle timeout or when the client is garbage-collected.
     */
    @Override
    public void close() {
        try {
            HttpClient.class.getMethod("shutdownNow").invoke(http);
        } catch (ReflectiveOperationException | RuntimeException olderJdk) {
            // JDK 17-20: nothing to call
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Sends {@code request}; the reply is parsed and handed on by the body subscriber on one of this
     * client's workers as soon as the body is in, not through the future {@code sendAsync} returns.
     * The JDK completes that future only after one more hand-off, to the default executor of
     * {@code CompletableFuture}, and on a machine with fewer than three cores that executor starts a
     * new thread for every task: a thread started per reply, and 1.4–2 ms more per round trip at p50
     * on a busy two-core machine (docs/BENCHMARKS.md). That future still reports failures and
     * cancellation.
     */
    private CompletableFuture<Reply> send(String node, String call, HttpRequest request) {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        AtomicReference<BoundedBody> body = new AtomicReference<>();
        CompletableFuture<HttpResponse<Void>> response;
        try {
            response = http.sendAsync(request, info -> {
                BoundedBody b = replySubscriber(info, node, call, reply);
                body.set(b);
                if (reply.isCompletedExceptionally()) {
                    // ended before its body was subscribed to: the completion below found no body to stop
                    b.abort(new NodeFailure(node + ": " + call + ": ended before its body"));
                }
                return b;
            });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new NodeFailure(node + ": " + call + ": " + describe(e), e));
        }
        response.whenComplete((r, error) -> {
            // a reply that came through was completed by its body subscriber, before this runs
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                reply.completeExceptionally(cause instanceof CancellationException ? cause
                        : new NodeFailure(node + ": " + call + ": " + describe(cause), cause));
            }
        });
        // java.net.http's request timeout covers only the wait for the headers: a body that trickles
        // or never ends must not hold a poll or a renewal forever, so the whole exchange, body
        // included, gets the same deadline
        Duration deadline = request.timeout().orElse(timeout);
        CompletableFuture<Void> timer = new CompletableFuture<Void>()
                .orTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS);
        timer.whenComplete((v, e) -> {
            if (e instanceof TimeoutException) {
                reply.completeExceptionally(new NodeFailure(node + ": " + call + ": no complete reply within "
                        + text(deadline)));
            }
        });
        reply.whenComplete((r, e) -> {
            timer.complete(null); // drops its pending timeout
            if (e != null) {
                // whatever ended it (a limit, the deadline, a caller that gave up, closing): stop reading.
                // Cancelling the body's subscription makes the JDK close the connection mid-body; cancelling
                // the JDK's future aborts an exchange still waiting for its headers
                BoundedBody b = body.get();
                if (b != null) {
                    b.abort(e);
                }
                response.cancel(true);
            }
        });
        return reply;
    }

    /**
     * Completes {@code reply} from the response: a status other than 200 at once (its body is not
     * read), a 200's body once it is in, or a failure naming {@code maxReply} when it is longer.
     */
    private BoundedBody replySubscriber(HttpResponse.ResponseInfo info, String node, String call,
                                        CompletableFuture<Reply> reply) {
        if (info.statusCode() != 200) {
            reply.completeExceptionally(new NodeFailure(node + ": " + call + " answered HTTP " + info.statusCode()));
        }
        return new BoundedBody(node + ": " + call, maxReply, info.headers().firstValueAsLong("Content-Length"),
                in -> {
                    Runnable complete = () -> {
                        try {
                            reply.complete(parse(node, call, in));
                        } catch (NodeFailure e) {
                            reply.completeExceptionally(e);
                        }
                    };
                    if (Thread.currentThread().getName().startsWith(WORKER_NAME)) {
                        complete.run();
                    } else {
                        // not on a worker (the JDK client's selector thread, which must only do I/O): hand it over
                        try {
                            executor.execute(complete);
                        } catch (RejectedExecutionException closing) {
                            reply.completeExceptionally(new NodeFailure(node + ": " + call + ": client closed"));
                        }
                    }
                },
                reply::completeExceptionally);
    }

    static Reply parse(String node, String call, InputStream body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (StreamConstraintsException e) {
            throw new NodeFailure(node + ": " + call + " answered JSON past a limit: " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new NodeFailure(node + ": " + call + " answered malformed JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new NodeFailure(node + ": " + call + ": " + describe(e), e);
        }
        if (root == null || root.isMissingNode() || !root.isObject() || !root.path("code").canConvertToInt()) {
            throw new NodeFailure(node + ": " + call + " answered JSON without a code");
        }
        int code = root.get("code").asInt();
        if (code == Reply.SERVER_ERROR) {
            throw new NodeFailure(node + ": " + call + " answered -500 (server error or protect mode)");
        }
        return new Reply(code, root.get("data"), root.get("error"));
    }

    /** {@code 3s}, {@code 1500ms}: as the URI writes a duration. */
    private static String text(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    private static URI uri(String node, String call, FormBody query) {
        String q = query == null || query.size() == 0 ? "" : "?" + query.encoded();
        return URI.create(node + "/discovery/" + call + q);
    }

    /**
     * One line for an operator: {@code java.net.http} throws a {@code ConnectException} without a
     * message whose cause says what happened, several levels down; the first of the chain that has a
     * message is named instead, and a host name that does not resolve is said in words.
     */
    static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof UnresolvedAddressException || root instanceof UnknownHostException) {
            return "unknown host" + (root.getMessage() == null ? "" : " " + root.getMessage());
        }
        for (Throwable said = e; said != null; said = said.getCause() == said ? null : said.getCause()) {
            if (said.getMessage() != null) {
                return oneLine(said); // the first in the chain that says something
            }
        }
        return oneLine(e);
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + m;
    }
}
