package dev.naming.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import dev.naming.NamingException;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.spi.AbstractNaming;
import dev.naming.spi.NamingLoggers;
import dev.naming.spi.NamingThreads;
import dev.naming.spi.Registrar;
import dev.naming.spi.ServiceWatch;
import dev.naming.spi.WatchSink;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;

/**
 * A {@code Naming} over bilibili/discovery: {@code find} is one {@code fetch}, every subscription
 * rides the single {@code polls} loop ({@link DiscoveryPoller}), and registrations are renewed by
 * {@link DiscoveryRegistrar}. Threads: {@code naming-discovery-poll} (started by the first
 * subscription), {@code naming-discovery-keepalive} (renewals), {@code naming-discovery-nodes} (the node-list refresh),
 * {@code naming-discovery-http-N} (the HTTP client's workers); none is left after {@link #close()}.
 *
 * <p>Reads cover every zone unless the URI names {@code zoneFilter}; {@code zone} is where this
 * process registers.
 */
final class DiscoveryNaming extends AbstractNaming {

    private static final Logger LOG = NamingLoggers.get(DiscoveryNaming.class);

    private final DiscoveryConfig config;
    private final DiscoveryNodes nodes;
    private final DiscoveryClient client;
    private final ScheduledThreadPoolExecutor scheduler;
    private final DiscoveryRegistrar registrar;
    private final DiscoveryPoller poller;
    private final AtomicBoolean refreshing = new AtomicBoolean();

    DiscoveryNaming(DiscoveryConfig config) {
        super("discovery", config.grace(), config.snapshot());
        this.config = config;
        this.nodes = new DiscoveryNodes(config.nodes());
        this.client = new DiscoveryClient(nodes, config.timeout(), config.maxReply());
        this.scheduler = new ScheduledThreadPoolExecutor(1, NamingThreads.factory("naming-discovery-nodes", false));
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.registrar = new DiscoveryRegistrar(config, client);
        this.poller = new DiscoveryPoller(config, client, this::startNodeRefresh);
    }

    DiscoveryNodes nodes() {
        return nodes;
    }

    @Override
    protected List<ServiceInstance> fetch(String serviceName, List<String> tags) {
        FormBody query = new FormBody().add("env", config.env()).add("appid", serviceName)
                .add("status", Integer.toString(InstanceMapping.STATUS_UP)).addIfPresent("zone", config.zoneFilter());
        Reply reply = client.getOnAnyNode("fetch", query);
        if (reply.code() == Reply.NOT_FOUND) {
            return List.of();
        }
        if (reply.code() != Reply.OK) {
            throw new NamingException("discovery fetch of '" + serviceName + "' answered code " + reply.code());
        }
        return InstanceMapping.instances(serviceName, reply.data());
    }

    @Override
    protected ServiceWatch watch(String serviceName, WatchSink sink) {
        return poller.watch(serviceName, sink);
    }

    /**
     * The node list of the current node: the cheapest call, about no app. A node that does not
     * answer is left for the next one, as the poll does.
     */
    @Override
    protected boolean probe(String suspect) {
        String node = nodes.current();
        try {
            client.get(node, "nodes", new FormBody(), config.timeout());
        } catch (NodeFailure e) {
            nodes.failed(node);
            throw e;
        }
        return true;
    }

    @Override
    protected void checkRegistration(ServiceRegistration registration) {
        if (config.zone().isEmpty()) {
            throw new IllegalArgumentException("zone is missing: registering needs the URI parameter zone= or "
                    + DiscoveryConfig.ZONE_ENV);
        }
        for (String reserved : List.of(InstanceMapping.TAGS_KEY, InstanceMapping.PROTOCOL_KEY)) {
            if (registration.meta().containsKey(reserved)) {
                throw new IllegalArgumentException("meta key '" + reserved
                        + "' is reserved by the discovery backend (it carries the registration's " + reserved + ")");
            }
        }
    }

    @Override
    protected Registrar registrar() {
        startNodeRefresh();
        return registrar;
    }

    @Override
    protected void stopBackground() {
        scheduler.shutdownNow();
    }

    @Override
    protected void release() {
        poller.close();
        client.close();
        try {
            scheduler.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Re-reads the node list now and then; never blocks the caller, never fails it. */
    private void startNodeRefresh() {
        if (refreshing.compareAndSet(false, true)) {
            try {
                scheduler.scheduleWithFixedDelay(this::refreshNodes, 0, config.nodesRefresh().toNanos(),
                        TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                LOG.debug("discovery: closing, node refresh not started");
            }
        }
    }

    private void refreshNodes() {
        String node = nodes.current();
        try {
            Reply reply = client.get(node, "nodes", new FormBody(), config.timeout());
            if (reply.code() != Reply.OK || !reply.data().isArray()) {
                LOG.debug("discovery: {} answered nodes with code {}", node, reply.code());
                return;
            }
            List<String> up = new ArrayList<>();
            List<String> lost = new ArrayList<>();
            for (JsonNode n : reply.data()) {
                String addr = n.path("addr").asText("");
                if (addr.isBlank()) {
                    continue;
                }
                try {
                    (n.path("status").asInt(0) == 0 ? up : lost).add(DiscoveryConfig.baseUri(addr));
                } catch (IllegalArgumentException e) {
                    LOG.debug("discovery: ignoring node '{}': {}", addr, e.getMessage());
                }
            }
            nodes.learn(up, lost);
        } catch (RuntimeException e) {
            // a failed refresh changes nothing: the seeds and the last list keep working
            LOG.debug("discovery: node list refresh from {} failed: {}", node, e.getMessage());
        }
    }

    /** The seed nodes and the settings that pick instances: discovery has no secret to hide. */
    @Override
    protected String describeRegistry() {
        StringBuilder sb = new StringBuilder("discovery://");
        for (int i = 0; i < config.nodes().size(); i++) {
            String node = config.nodes().get(i);
            sb.append(i == 0 ? "" : ",").append(node.startsWith("http://") ? node.substring("http://".length()) : node);
        }
        sb.append("?env=").append(config.env());
        appendIfSet(sb, "zone", config.zone());
        appendIfSet(sb, "region", config.region());
        appendIfSet(sb, "zoneFilter", config.zoneFilter());
        return sb.toString();
    }

    private static void appendIfSet(StringBuilder sb, String name, String value) {
        if (!value.isEmpty()) {
            sb.append('&').append(name).append('=').append(value);
        }
    }
}
