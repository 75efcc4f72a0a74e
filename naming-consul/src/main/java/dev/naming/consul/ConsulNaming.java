package dev.naming.consul;

import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.consul.agent.ConsulAgents;
import dev.naming.consul.agent.ConsulRegistrar;
import dev.naming.consul.http.ConsulHttp;
import dev.naming.consul.http.ConsulPaths;
import dev.naming.consul.watch.ConsulWatch;
import dev.naming.consul.watch.HealthReads;
import dev.naming.spi.AbstractNaming;
import dev.naming.spi.Registrar;
import dev.naming.spi.ServiceWatch;
import dev.naming.spi.WatchSink;
import java.util.List;

/**
 * The {@link dev.naming.Naming} over Consul's HTTP API. Every call goes through one
 * {@link ConsulHttp} (Jetty's client): the writes and TTL passes of {@link ConsulRegistrar}, the
 * one-shot reads of {@code find} and the blocking queries of the watches ({@link ConsulWatch}),
 * which hold no thread while they wait. Building one sends no request.
 */
final class ConsulNaming extends AbstractNaming {

    private final ConsulConfig config;
    private final ConsulHttp http;
    private final ConsulAgents agents;
    private final ConsulRegistrar registrar;
    private final HealthReads reads;

    ConsulNaming(ConsulConfig config) {
        super("consul", config.stateLossGrace(), config.snapshot());
        this.config = config;
        this.http = new ConsulHttp(config.httpSettings());
        this.agents = new ConsulAgents(config.agents(), http, config.requestTimeout());
        this.registrar = new ConsulRegistrar(agents, config.presenceInterval());
        this.reads = new HealthReads(http, config.agents(), config.watchSettings());
    }

    @Override
    protected List<ServiceInstance> fetch(String serviceName, List<String> tags) {
        ConsulPaths.checkSegment("name", serviceName);
        // one tag parameter per tag (ALL on Consul >= 1.3; older agents use only the first, so the
        // list is filtered again by AbstractNaming)
        return agents.call("find '" + serviceName + "'", agent -> reads.find(agent, serviceName, tags));
    }

    @Override
    public boolean resultsFiltered(String serviceName) {
        return serviceName != null && reads.filtered(serviceName);
    }

    @Override
    protected ServiceWatch watch(String serviceName, WatchSink sink) {
        ConsulPaths.checkSegment("name", serviceName);
        return ConsulWatch.start(serviceName, sink, reads, agents.current());
    }

    /**
     * {@code GET /v1/status/leader}: the cheapest call an agent answers, about no service and
     * needing no ACL; any status is an answer, and 429 or 5xx at every agent is an outage.
     */
    @Override
    protected boolean probe(String suspect) {
        agents.exchange("probe", "GET", "/v1/status/leader", null, false);
        return true;
    }

    @Override
    protected void checkRegistration(ServiceRegistration registration) {
        ConsulRegistrar.validate(registration);
    }

    @Override
    protected void checkServiceId(String serviceId) {
        ConsulPaths.checkSegment("id", serviceId);
    }

    @Override
    protected Registrar registrar() {
        return registrar;
    }

    @Override
    protected void release() {
        http.close();
    }

    @Override
    protected String describeRegistry() {
        return config.toString();
    }
}
