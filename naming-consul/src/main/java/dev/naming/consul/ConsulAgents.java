package dev.naming.consul;

import com.orbitz.consul.Consul;
import com.orbitz.consul.ConsulException;
import dev.naming.NamingException;
import dev.naming.spi.Endpoints;
import dev.naming.spi.NamingLoggers;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
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

    /** One agent: its place in the fail-over order, address and client. */
    private record Agent(int index, URI uri, Consul client) {
        @Override
        public String toString() {
            return uri.getHost() + ":" + uri.getPort();
        }
    }

    private final Endpoints<Agent> agents;

    ConsulAgents(ConsulConfig config) {
        ConsulTrust trust = ConsulTrust.of(config);
        List<Agent> built = new ArrayList<>();
        for (URI uri : config.agents()) {
            Consul.Builder builder = Consul.builder()
                    .withUrl(uri.toString())
                    .withPing(false)
                    .withConnectTimeoutMillis(config.connectTimeout().toMillis())
                    .withReadTimeoutMillis(config.requestTimeout().toMillis())
                    .withWriteTimeoutMillis(config.requestTimeout().toMillis());
            if (config.token() != null) {
                builder.withTokenAuth(config.token());
            }
            if (!config.scopeHeaders().isEmpty()) {
                builder.withHeaders(config.scopeHeaders());
            }
            if (trust != null) {
                builder.withSslContext(trust.context()).withTrustManager(trust.trustManager());
            }
            built.add(new Agent(built.size(), uri, builder.build()));
        }
        this.agents = new Endpoints<>("consul", built);
    }

    /** The agent requests go to now, by its place in the URI. */
    int current() {
        return agents.current().index();
    }

    /**
     * Runs {@code action} against the current agent, failing over in order on errors that another
     * agent may not have.
     *
     * @throws NamingException when every agent failed, or one answered an error that fail-over cannot fix
     */
    <T> T call(String what, Function<Consul, T> action) {
        return agents.call(what, agent -> {
            try {
                return action.apply(agent.client());
            } catch (ConsulException e) {
                if (!worthFailingOver(e.getCode())) {
                    throw new NamingException("consul: " + what + " refused by " + agent + ": " + summary(e), e);
                }
                throw new AgentFailure(agent + ": " + summary(e), e);
            }
        }, AgentFailure.class::isInstance);
    }

    /** A request this library sends itself to the agent at a place in the URI. */
    interface AgentRequest<T> {
        T send(int agent) throws IOException, InterruptedException;
    }

    /**
     * As {@link #call}, for a request sent over {@code java.net.http} rather than consul-client:
     * network errors, 429 and 5xx fail over, other statuses are refusals.
     */
    <T> T callDirect(String what, AgentRequest<T> request) {
        return agents.call(what, agent -> {
            try {
                return request.send(agent.index());
            } catch (ConsulBlockingQueries.StatusException e) {
                if (!worthFailingOver(e.status())) {
                    throw new NamingException("consul: " + what + " refused: " + e.getMessage(), e);
                }
                throw new AgentFailure(e.getMessage(), e);
            } catch (IOException e) {
                throw new AgentFailure(agent + ": " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NamingException("consul: " + what + " interrupted", e);
            }
        }, AgentFailure.class::isInstance);
    }

    /** An error another agent may not have. */
    private static final class AgentFailure extends RuntimeException {
        AgentFailure(String message, Throwable cause) {
            super(message, cause);
        }
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

    @Override
    public void close() {
        for (Agent agent : agents.all()) {
            try {
                agent.client().destroy();
            } catch (RuntimeException e) {
                LOG.debug("consul: closing a client failed: {}", e.toString());
            }
        }
    }
}
