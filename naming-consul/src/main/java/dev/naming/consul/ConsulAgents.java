package dev.naming.consul;

import com.orbitz.consul.Consul;
import com.orbitz.consul.ConsulException;
import dev.naming.NamingException;
import dev.naming.spi.NamingLoggers;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * The agents of one {@code Naming}, each reached through its own consul-client {@link Consul}
 * (built with {@code withPing(false)}, so building makes no request, and {@code withTokenAuth},
 * so the token rides in the {@code X-Consul-Token} header and never in a URL).
 *
 * <p>Requests go to the current agent; when it cannot be reached or answers 429 or 5xx the next
 * agent in order is tried, and the first that answers becomes current.
 */
final class ConsulAgents implements AutoCloseable {

    private static final Logger LOG = NamingLoggers.get(ConsulAgents.class);

    private final List<URI> uris;
    private final List<Consul> clients;
    private final AtomicInteger current = new AtomicInteger();

    ConsulAgents(ConsulConfig config) {
        ConsulTrust trust = ConsulTrust.of(config);
        this.uris = config.agents();
        List<Consul> built = new ArrayList<>();
        for (URI uri : uris) {
            Consul.Builder builder = Consul.builder()
                    .withUrl(uri.toString())
                    .withPing(false)
                    .withConnectTimeoutMillis(config.connectTimeout().toMillis())
                    .withReadTimeoutMillis(config.requestTimeout().toMillis())
                    .withWriteTimeoutMillis(config.requestTimeout().toMillis());
            if (config.token() != null) {
                builder.withTokenAuth(config.token());
            }
            if (trust != null) {
                builder.withSslContext(trust.context()).withTrustManager(trust.trustManager());
            }
            built.add(builder.build());
        }
        this.clients = List.copyOf(built);
    }

    int size() {
        return clients.size();
    }

    /** The agent requests go to now. */
    int current() {
        return current.get();
    }

    Consul client(int agent) {
        return clients.get(agent);
    }

    /** {@code host:port} of an agent, for messages. */
    String describe(int agent) {
        URI uri = uris.get(agent);
        return uri.getHost() + ":" + uri.getPort();
    }

    /** Makes {@code agent} the current one. */
    void use(int agent) {
        int before = current.getAndSet(agent);
        if (before != agent) {
            LOG.info("consul: now using agent {} (was {})", describe(agent), describe(before));
        }
    }

    /**
     * Runs {@code action} against the current agent, failing over in order on errors that another
     * agent may not have.
     *
     * @throws NamingException when every agent failed, or one answered an error that fail-over cannot fix
     */
    <T> T call(String what, Function<Consul, T> action) {
        int start = current.get();
        ConsulException last = null;
        for (int i = 0; i < clients.size(); i++) {
            int agent = (start + i) % clients.size();
            try {
                T result = action.apply(clients.get(agent));
                if (agent != start) {
                    use(agent);
                }
                return result;
            } catch (ConsulException e) {
                if (!worthFailingOver(e.getCode())) {
                    throw new NamingException("consul: " + what + " refused by " + describe(agent) + ": "
                            + summary(e), e);
                }
                LOG.debug("consul: {} failed at {}: {}", what, describe(agent), summary(e));
                last = e;
            }
        }
        throw new NamingException("consul: " + what + " failed at every agent (" + String.join(", ", describeAll())
                + "): " + (last == null ? "no agent" : summary(last)), last);
    }

    /** Network errors (code 0), 429 and 5xx: another agent may do better. */
    static boolean worthFailingOver(int code) {
        return code == 0 || code == 429 || code >= 500;
    }

    /** An error in one line: the HTTP status and the agent's message, or the network error. */
    static String summary(Throwable e) {
        if (e instanceof ConsulException ce && ce.getCode() == 0 && ce.getCause() != null) {
            return ce.getCause().toString();
        }
        String message = e.getMessage();
        if (message != null && message.length() > 200) {
            message = message.substring(0, 200) + "…";
        }
        return message == null ? e.getClass().getSimpleName() : message.replace('\n', ' ');
    }

    private List<String> describeAll() {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < uris.size(); i++) {
            all.add(describe(i));
        }
        return all;
    }

    @Override
    public void close() {
        for (Consul client : clients) {
            try {
                client.destroy();
            } catch (RuntimeException e) {
                LOG.debug("consul: closing a client failed: {}", e.toString());
            }
        }
    }
}
