package dev.naming.consul;

import dev.naming.HealthCheck;
import dev.naming.Naming;
import dev.naming.NamingUri;
import dev.naming.ServiceRegistration;
import dev.naming.tck.RegistryFixture;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A real Consul agent the tests did not start: the one named by the environment variable
 * {@value #ENV} (a {@code consul:} URI, e.g. {@code consul://127.0.0.1:8500} or
 * {@code consul://consul.ci:8501?tls=true&token=…}), for CI systems that offer a Consul service but
 * no Docker. Every test uses names of its own and deregisters what it registered, so a shared agent
 * is left as it was (the suites never deregister what they did not register).
 *
 * <p>Outages and state loss need control over the agent's process. When the run is also given the
 * agent's PID and a command that starts it again ({@link AgentProcess#PID_ENV},
 * {@link AgentProcess#RESTART_ENV}, as {@code .ci/run} gives them for the agents it starts), an
 * outage is the process stopped ({@code SIGSTOP}) and a state loss is the dev agent killed and
 * started again on its directory and port, which forgets every registration. Without them the
 * fixture offers neither and the suites skip those cases; {@link ConsulContainerFixture} adds them for
 * a container.
 */
public class ConsulAgentFixture implements RegistryFixture {

    /** The environment variable naming an agent to run the suites against. */
    public static final String ENV = "NAMING_TEST_CONSUL";

    private final NamingUri uri;
    /** The agent's process, when the run may stop and restart it; null when it is not ours. */
    private final AgentProcess process;
    /** Whether this fixture stopped the agent (an outage not yet ended). */
    private boolean down;

    /** @param uri a {@code consul:} URI; the suites' short blocking wait is added unless it sets one */
    ConsulAgentFixture(String uri) {
        this(withShortWait(uri), null);
    }

    private ConsulAgentFixture(NamingUri uri, AgentProcess process) {
        this.uri = uri;
        this.process = process;
    }

    private static NamingUri withShortWait(String uri) {
        NamingUri parsed = NamingUri.parse(uri);
        Map<String, String> params = new LinkedHashMap<>();
        params.put("wait", "2s");
        params.putAll(parsed.params());
        return new NamingUri(parsed.scheme(), parsed.authority(), parsed.path(), params);
    }

    /** The agent of {@value #ENV}, with control over its process when the environment gives it. */
    public static ConsulAgentFixture fromEnvironment() {
        String value = System.getenv(ENV);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(ENV + " is not set");
        }
        NamingUri uri = withShortWait(value.trim());
        return new ConsulAgentFixture(uri, AgentProcess.fromEnvironment(uri).orElse(null));
    }

    /** The agent's URI as the suites use it (with their short blocking wait). */
    public String uri() {
        StringBuilder sb = new StringBuilder(uri.scheme()).append("://").append(uri.authority());
        String sep = "?";
        for (Map.Entry<String, String> e : uri.params().entrySet()) {
            sb.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = "&";
        }
        return sb.toString();
    }

    @Override
    public Naming connect() {
        return new ConsulNaming(FastConsul.config(uri));
    }

    @Override
    public java.util.Optional<Naming> connect(Map<String, String> parameters) {
        Map<String, String> params = new java.util.LinkedHashMap<>(uri.params());
        params.putAll(parameters);
        return java.util.Optional.of(new ConsulNaming(FastConsul.config(
                new NamingUri(uri.scheme(), uri.authority(), uri.path(), params))));
    }

    @Override
    public Duration livenessWindow() {
        return Duration.ofSeconds(5);
    }

    @Override
    public ServiceRegistration adapt(ServiceRegistration registration) {
        // a short TTL so that the liveness window spans several heartbeats
        return registration.toBuilder().check(HealthCheck.ttl(Duration.ofSeconds(2))).build();
    }

    @Override
    public Duration stateLossGrace() {
        return Duration.ofSeconds(10); // the Consul default: the fixture's URI does not set grace
    }

    @Override
    public boolean supportsOutage() {
        return process != null;
    }

    /**
     * Stops the agent's process, or lets it run again; an agent that lost its state while it was
     * stopped ({@link #loseState()}) is started again here, without its data.
     */
    @Override
    public synchronized void setReachable(boolean reachable) {
        if (process == null) {
            throw new UnsupportedOperationException("outage: " + AgentProcess.PID_ENV + " and "
                    + AgentProcess.RESTART_ENV + " are not set");
        }
        if (reachable) {
            process.resume();
        } else {
            process.stop();
        }
        down = !reachable;
    }

    @Override
    public boolean supportsStateLoss() {
        return process != null;
    }

    /**
     * The dev agent killed, which is all it takes for it to forget every registration. While the
     * agent is reachable it is started again at once, and this returns once it answers: the agent
     * refuses connections for the second or two that takes, as a restarted agent does. While it is
     * stopped (an outage), it stays down until {@link #setReachable setReachable(true)} starts it:
     * an agent that crashed during a partition.
     */
    @Override
    public synchronized void loseState() {
        if (process == null) {
            throw new UnsupportedOperationException("state loss: " + AgentProcess.PID_ENV + " and "
                    + AgentProcess.RESTART_ENV + " are not set");
        }
        if (down) {
            process.kill();
        } else {
            process.restart();
        }
    }

    /**
     * A real restart: the agent killed (every held blocking query fails at once, as with an agent
     * that went away) and started again on its port, with no registration and its indexes counted
     * from the start again; returns once it answers.
     */
    @Override
    public synchronized void restartWithStateLoss() {
        loseState();
        if (down) {
            setReachable(true);
        }
    }

    @Override
    public synchronized void close() {
        // the agent outlives the test: end an outage the test left, the suites' own clean-up aside
        if (down) {
            setReachable(true);
        }
    }
}
