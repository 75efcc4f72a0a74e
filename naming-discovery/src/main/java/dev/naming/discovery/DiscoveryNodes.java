package dev.naming.discovery;

import dev.naming.spi.Endpoints;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The discovery nodes this client may talk to and the one it talks to now. Seeds come from the
 * configuration; {@link #learn} adds the nodes a server reports as up and moves those it reports as
 * lost to the end, and the seeds stay as a last resort. Thread-safe.
 */
final class DiscoveryNodes {

    private final List<String> seeds;
    private final Endpoints<String> endpoints;

    DiscoveryNodes(List<String> seeds) {
        this.seeds = List.copyOf(seeds);
        this.endpoints = new Endpoints<>("discovery", this.seeds);
    }

    /** The node to send the next request to, as {@code http://host:port}. */
    String current() {
        return endpoints.current();
    }

    List<String> all() {
        return endpoints.all();
    }

    /** {@code node} failed: if it is still the current node, the next one becomes current. */
    void failed(String node) {
        endpoints.failed(node);
    }

    /** The nodes with their fail-over, for calls tried on each node in turn. */
    Endpoints<String> endpoints() {
        return endpoints;
    }

    /**
     * Takes the node list a server reported: up nodes first (the current one stays current if it is
     * among them), then the seeds the report did not mention, then the reported lost nodes.
     */
    void learn(List<String> up, List<String> lost) {
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
        String current = endpoints.current();
        endpoints.replace(new ArrayList<>(ordered));
        if (!up.contains(current)) {
            endpoints.use(up.get(0));
        }
    }
}
