package dev.naming.discovery;

import dev.naming.spi.NamingLoggers;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.slf4j.Logger;

/**
 * The discovery nodes this client may talk to and the one it talks to now. Seeds come from the
 * configuration; {@link #learn} adds the nodes a server reports as up and moves those it reports as
 * lost to the end, and the seeds stay as a last resort. Thread-safe.
 */
final class DiscoveryNodes {

    private static final Logger LOG = NamingLoggers.get(DiscoveryNodes.class);

    private final List<String> seeds;
    private List<String> nodes;
    private int index;

    DiscoveryNodes(List<String> seeds) {
        this.seeds = List.copyOf(seeds);
        this.nodes = this.seeds;
    }

    /** The node to send the next request to, as {@code http://host:port}. */
    synchronized String current() {
        return nodes.get(index);
    }

    synchronized int size() {
        return nodes.size();
    }

    synchronized List<String> all() {
        return nodes;
    }

    /** {@code node} failed: if it is still the current node, the next one becomes current. */
    synchronized void failed(String node) {
        if (nodes.get(index).equals(node) && nodes.size() > 1) {
            index = (index + 1) % nodes.size();
            LOG.info("discovery: node {} failed, switching to {}", node, nodes.get(index));
        }
    }

    /**
     * Takes the node list a server reported: up nodes first (the current one stays current if it is
     * among them), then the seeds the report did not mention, then the reported lost nodes.
     */
    synchronized void learn(List<String> up, List<String> lost) {
        if (up.isEmpty()) {
            return;
        }
        LinkedHashSet<String> ordered = new LinkedHashSet<>(up);
        for (String seed : seeds) {
            if (!lost.contains(seed)) {
                ordered.add(seed);
            }
        }
        ordered.addAll(lost);
        List<String> next = new ArrayList<>(ordered);
        if (next.equals(nodes)) {
            return;
        }
        String current = nodes.get(index);
        nodes = List.copyOf(next);
        int kept = up.contains(current) ? nodes.indexOf(current) : -1;
        index = Math.max(kept, 0);
        LOG.debug("discovery: node list is now {} (current {})", nodes, nodes.get(index));
    }
}
