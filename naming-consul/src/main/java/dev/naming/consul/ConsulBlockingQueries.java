package dev.naming.consul;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.naming.ServiceInstance;
import dev.naming.spi.NamingThreads;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.TimeoutException;
import java.time.Duration;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The blocking reads of {@code /v1/health/service/:name}, done over {@code java.net.http} and
 * Jackson instead of consul-client.
 *
 * <p>Why not consul-client: its synchronous calls block the calling thread inside OkHttp with no
 * handle to abort them, so closing a watch would leave a thread waiting out a query of up to
 * wait + wait/16 (55 s by default); its asynchronous variant and {@code ServiceHealthCache} lack
 * Consul's index rules (reset when the index goes backwards, never block below 1, rate limiting).
 * {@link HttpClient#sendAsync} hands back a future that {@link ConsulWatch#close()} cancels, so a
 * watch ends at once. Registrations, heartbeats, deregistrations and one-shot finds stay on
 * consul-client.
 *
 * <p>One {@link HttpClient} serves every watch of a {@code Naming}; it is created with the first
 * watch, runs its callbacks on daemon threads named {@code naming-consul-http-N}, and is released at
 * {@link #close()}. (On Java 17 the client's own selector thread ends when the client is garbage
 * collected; on Java 21+ {@link #close()} closes it at once.)
 */
final class ConsulBlockingQueries implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One read: the instances and the {@code X-Consul-Index} they came with (0 when absent). */
    record Reply(long index, List<ServiceInstance> instances) {
    }

    /** The agent answered with a status other than 200. */
    static final class StatusException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int status;

        StatusException(int status, String agent) {
            super("agent " + agent + " answered HTTP " + status);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    private final ConsulConfig config;
    private final ConsulTrust trust;
    private HttpClient client;
    private ExecutorService executor;
    private boolean closed;

    ConsulBlockingQueries(ConsulConfig config) {
        this.config = config;
        this.trust = ConsulTrust.of(config);
    }

    int agents() {
        return config.agents().size();
    }

    String describe(int agent) {
        URI uri = config.agents().get(agent);
        return uri.getHost() + ":" + uri.getPort();
    }

    /**
     * Reads the passing instances of {@code service} from {@code agent}, blocking up to the
     * configured wait when {@code index} is at least 1, not blocking otherwise.
     *
     * @param inflight told about the request's future before waiting on it, so it can be cancelled
     * @throws IOException on network errors, timeouts, a status other than 200 or a reply that is not a health list
     * @throws InterruptedException   when the calling thread is interrupted
     * @throws CancellationException  when the future was cancelled
     */
    Reply read(int agent, String service, long index, Consumer<CompletableFuture<?>> inflight)
            throws IOException, InterruptedException {
        HttpRequest request = request(agent, service, index);
        CompletableFuture<HttpResponse<byte[]>> future = client().sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
        inflight.accept(future);
        HttpResponse<byte[]> response;
        try {
            // the request's timeout covers only the wait for the headers: a body that stalls
            // after them must not hold the watch forever, so the whole exchange gets a deadline too
            Duration deadline = request.timeout().orElse(config.blockingReadTimeout());
            response = future.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new HttpTimeoutException("agent " + describe(agent) + " did not finish its reply within "
                    + request.timeout().orElse(config.blockingReadTimeout()));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(cause == null ? "request failed" : cause.toString(), cause);
        }
        if (response.statusCode() != 200) {
            throw new StatusException(response.statusCode(), describe(agent));
        }
        long replyIndex = parseIndex(response.headers().firstValue("X-Consul-Index"));
        List<ServiceInstance> instances;
        try {
            instances = ConsulInstances.fromJson(service, JSON.readTree(response.body()));
        } catch (IOException | IllegalStateException e) {
            throw new IOException("agent " + describe(agent) + " sent a health reply that cannot be read: "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
        return new Reply(replyIndex, instances);
    }

    HttpRequest request(int agent, String service, long index) {
        StringBuilder uri = new StringBuilder(config.agents().get(agent).toString())
                .append("/v1/health/service/").append(ConsulPaths.encode(service)).append("?passing=1");
        if (config.datacenter() != null) {
            uri.append("&dc=").append(ConsulPaths.encode(config.datacenter()));
        }
        boolean blocking = index >= 1;
        if (blocking) {
            uri.append("&index=").append(index).append("&wait=").append(ConsulRegistrar.goDuration(config.waitTime()));
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri.toString()))
                .GET()
                .header("Accept", "application/json")
                .timeout(blocking ? config.blockingReadTimeout() : config.requestTimeout());
        if (config.token() != null) {
            b.header("X-Consul-Token", config.token());
        }
        return b.build();
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

    private synchronized HttpClient client() throws IOException {
        if (closed) {
            throw new IOException("closed");
        }
        if (client == null) {
            // short keep-alive: idle callback threads end soon after the last watch, not a minute later
            executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 1, TimeUnit.SECONDS, new SynchronousQueue<>(),
                    NamingThreads.factory("naming-consul-http", true));
            HttpClient.Builder b = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(config.connectTimeout())
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .executor(executor);
            if (trust != null) {
                b.sslContext(trust.context());
            }
            client = b.build();
        }
        return client;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (executor != null) {
            executor.shutdownNow();
        }
        // HttpClient is AutoCloseable from Java 21 on: close its selector thread there at once
        if (client instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // best effort: nothing is pending any more
            }
        }
        client = null;
    }
}
