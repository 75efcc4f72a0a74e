package dev.naming.consul.agent;

import dev.naming.NamingException;
import dev.naming.consul.http.ConsulHttp;
import dev.naming.consul.http.StatusException;
import dev.naming.spi.Endpoints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The agents of one {@code Naming}, in fail-over order, and the calls made to the current one.
 * When it cannot be reached or answers 429 or 5xx the next agent in order is tried, and the first
 * that answers becomes current; any other status is the agent's refusal and is not tried again.
 */
public final class ConsulAgents {

    /** One agent: its place in the fail-over order and its address. */
    private record Agent(int index, URI uri) {
        @Override
        public String toString() {
            return ConsulHttp.describe(uri);
        }
    }

    /** A request to one agent. */
    public interface AgentRequest<T> {
        T send(URI agent) throws IOException, InterruptedException;
    }

    private final Endpoints<Agent> agents;
    private final ConsulHttp http;
    private final Duration timeout;

    /** @param timeout how long a call that is not a blocking query may take */
    public ConsulAgents(List<URI> uris, ConsulHttp http, Duration timeout) {
        this.agents = new Endpoints<>("consul",
                IntStream.range(0, uris.size()).mapToObj(i -> new Agent(i, uris.get(i))).toList());
        this.http = http;
        this.timeout = timeout;
    }

    /** The agent requests go to now, by its place in the URI. */
    public int current() {
        return agents.current().index();
    }

    /**
     * Runs {@code request} against the current agent, failing over in order on errors that another
     * agent may not have.
     *
     * @throws NamingException when every agent failed, or one answered an error that fail-over cannot fix
     */
    public <T> T call(String what, AgentRequest<T> request) {
        return agents.call(what, agent -> {
            try {
                return request.send(agent.uri());
            } catch (StatusException e) {
                throw worthFailingOver(e.status()) ? new UncheckedIOException(e.getMessage(), e)
                        : new NamingException("consul: " + what + " refused: " + e.getMessage(), e);
            } catch (IOException e) {
                throw new UncheckedIOException(e.toString(), e); // the transport's messages name the agent
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NamingException("consul: " + what + " interrupted", e);
            }
        }, UncheckedIOException.class::isInstance); // thrown above for the errors another agent may not have
    }

    /**
     * A write or a read of the agent's own state ({@code /v1/agent/…}), failing over as {@link #call}
     * on network errors, and on 429 and 5xx unless {@code statusIsAnswer}.
     *
     * @param statusIsAnswer every status is the agent's answer (a TTL pass: 5xx on old agents means
     *                       the check is unknown), not a reason to try another agent
     * @return the reply: the caller decides what a status means
     */
    public ConsulHttp.Reply exchange(String what, String method, String target, byte[] body, boolean statusIsAnswer) {
        return call(what, agent -> {
            ConsulHttp.Reply reply = http.send(agent, method, target, body, timeout);
            // ok() throws on a 429 or 5xx, and another agent is tried
            return statusIsAnswer || !worthFailingOver(reply.status()) ? reply : reply.ok();
        });
    }

    /** 429 and 5xx: another agent may do better. */
    static boolean worthFailingOver(int code) {
        return code == 429 || code >= 500;
    }
}
