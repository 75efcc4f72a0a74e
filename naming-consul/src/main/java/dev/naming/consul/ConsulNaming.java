package dev.naming.consul;

import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.spi.AbstractNaming;
import dev.naming.spi.Registrar;
import dev.naming.spi.ServiceWatch;
import dev.naming.spi.WatchSink;
import java.util.List;

/**
 * The {@link dev.naming.Naming} over Consul's HTTP API. Registrations and heartbeats go through
 * consul-client ({@link ConsulAgents}, {@link ConsulRegistrar}); reads go through
 * {@link ConsulBlockingQueries}: watches run blocking queries asynchronously ({@link ConsulWatch})
 * over the library's own HTTP clients, no thread per watched service, HTTP/2 over TLS, and closing
 * one never waits out a blocked query; finds go over the JDK HTTP client, and
 * see, as watches do, whether the ACL token left instances out ({@link #resultsFiltered}).
 * Building one sends no request.
 */
final class ConsulNaming extends AbstractNaming {

    private final ConsulConfig config;
    private final ConsulAgents agents;
    private final ConsulRegistrar registrar;
    private final ConsulBlockingQueries queries;

    ConsulNaming(ConsulConfig config) {
        super("consul", config.stateLossGrace());
        this.config = config;
        this.agents = new ConsulAgents(config);
        this.registrar = new ConsulRegistrar(agents, config);
        this.queries = new ConsulBlockingQueries(config);
    }

    @Override
    protected List<ServiceInstance> fetch(String serviceName, List<String> tags) {
        ConsulPaths.checkSegment("name", serviceName);
        // one tag parameter per tag (ALL on Consul >= 1.3; older agents use only the first, so the
        // list is filtered again by AbstractNaming)
        return agents.callDirect("find '" + serviceName + "'", agent -> queries.find(agent, serviceName, tags));
    }

    @Override
    public boolean resultsFiltered(String serviceName) {
        return serviceName != null && queries.filtered(serviceName);
    }

    @Override
    protected ServiceWatch watch(String serviceName, WatchSink sink) {
        ConsulPaths.checkSegment("name", serviceName);
        return ConsulWatch.start(serviceName, sink, queries, config, agents.current());
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
        queries.close();
        agents.close();
    }

    @Override
    protected String describeRegistry() {
        return config.toString();
    }
}
