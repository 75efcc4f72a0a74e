package dev.naming.discovery;

import dev.naming.NamingUri;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Settings of one discovery {@code Naming}, read from a URI with the kratos variables as defaults.
 *
 * <ul>
 *   <li>nodes: the URI's hosts ({@code discovery://h1:7171,h2:7171}), else {@code DISCOVERY_NODES}
 *       (comma-separated); a node without a port uses 7171. Required.
 *   <li>{@code env}: else {@code DEPLOY_ENV}. Required.
 *   <li>{@code zone}: this process's zone, used when registering; else {@code ZONE}. Required only
 *       to register.
 *   <li>{@code region}: else {@code REGION}; optional, sent when registering.
 *   <li>{@code hostname}: this process's host name, the start of the key each poll is filed under
 *       on the server (followed by a suffix unique to the {@code Naming} and the poll, since the
 *       server shares wake-ups among requests with the same key); else {@code HOSTNAME}, else the
 *       local host's name.
 *   <li>{@code zoneFilter}: read (find, subscribe) only this zone; default every zone.
 *   <li>{@code renew} (30s): renewal interval. {@code hold} (30s): how long the server holds a poll;
 *       the client waits {@code hold + timeout} for it. {@code timeout} (5s): every other request.
 *       {@code retryMin}/{@code retryMax} (1s/30s): backoff after failures. {@code nodesRefresh}
 *       (60s): how often the node list is re-read from {@code /discovery/nodes}.
 * </ul>
 */
record DiscoveryConfig(List<String> nodes, String env, String zone, String region, String hostname,
                       String zoneFilter, Duration renewInterval, Duration hold, Duration timeout,
                       Duration retryMin, Duration retryMax, Duration nodesRefresh) {

    static final String NODES_ENV = "DISCOVERY_NODES";
    static final String ZONE_ENV = "ZONE";
    static final String DEPLOY_ENV = "DEPLOY_ENV";
    static final String REGION_ENV = "REGION";
    static final String HOSTNAME_ENV = "HOSTNAME";
    static final int DEFAULT_PORT = 7171;

    private static final Set<String> PARAMS = Set.of("env", "zone", "region", "hostname", "zoneFilter", "renew",
            "hold", "timeout", "retryMin", "retryMax", "nodesRefresh");

    DiscoveryConfig {
        nodes = List.copyOf(nodes);
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("discovery nodes are missing: name them in the URI "
                    + "(discovery://host:7171,host2:7171) or in " + NODES_ENV);
        }
        if (env == null || env.isBlank()) {
            throw new IllegalArgumentException("env is missing: give the URI parameter env= or set " + DEPLOY_ENV);
        }
        zone = blankToEmpty(zone);
        region = blankToEmpty(region);
        zoneFilter = blankToEmpty(zoneFilter);
        if (hostname == null || hostname.isBlank()) {
            throw new IllegalArgumentException("hostname is missing: give the URI parameter hostname= or set "
                    + HOSTNAME_ENV);
        }
        positive("renew", renewInterval);
        positive("hold", hold);
        positive("timeout", timeout);
        positive("retryMin", retryMin);
        positive("retryMax", retryMax);
        positive("nodesRefresh", nodesRefresh);
        if (retryMax.compareTo(retryMin) < 0) {
            throw new IllegalArgumentException("retryMax must not be below retryMin");
        }
    }

    static DiscoveryConfig from(NamingUri uri) {
        return from(uri, System::getenv, DiscoveryConfig::localHostName);
    }

    static DiscoveryConfig from(NamingUri uri, UnaryOperator<String> environment, Supplier<String> localHost) {
        for (String name : uri.params().keySet()) {
            if (!PARAMS.contains(name)) {
                throw new IllegalArgumentException("unknown discovery URI parameter '" + name + "'; known: "
                        + new java.util.TreeSet<>(PARAMS));
            }
        }
        List<String> hosts = uri.hosts();
        if (hosts.isEmpty()) {
            String fromEnv = environment.apply(NODES_ENV);
            hosts = fromEnv == null ? List.of() : NamingUri.parse("x://" + fromEnv.trim()).hosts();
        }
        List<String> nodes = new ArrayList<>();
        for (String host : hosts) {
            nodes.add(baseUri(host));
        }
        String hostname = uri.param("hostname").orElseGet(() -> {
            String h = environment.apply(HOSTNAME_ENV);
            return h == null || h.isBlank() ? localHost.get() : h;
        });
        return new DiscoveryConfig(nodes,
                uri.param("env").orElseGet(() -> environment.apply(DEPLOY_ENV)),
                uri.param("zone").orElseGet(() -> environment.apply(ZONE_ENV)),
                uri.param("region").orElseGet(() -> environment.apply(REGION_ENV)),
                hostname,
                uri.param("zoneFilter").orElse(""),
                uri.durationParam("renew").orElse(Duration.ofSeconds(30)),
                uri.durationParam("hold").orElse(Duration.ofSeconds(30)),
                uri.durationParam("timeout").orElse(Duration.ofSeconds(5)),
                uri.durationParam("retryMin").orElse(Duration.ofSeconds(1)),
                uri.durationParam("retryMax").orElse(Duration.ofSeconds(30)),
                uri.durationParam("nodesRefresh").orElse(Duration.ofSeconds(60)));
    }

    /** {@code host[:port]} or {@code http(s)://host[:port]} as {@code http://host:port}. */
    static String baseUri(String node) {
        String n = node.trim();
        String scheme = "http";
        int sep = n.indexOf("://");
        if (sep >= 0) {
            scheme = n.substring(0, sep).toLowerCase(Locale.ROOT);
            n = n.substring(sep + 3);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("discovery node '" + node + "' must use http or https");
            }
        }
        while (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        if (n.isEmpty() || n.contains("/") || n.contains("?") || n.contains("@")) {
            throw new IllegalArgumentException("discovery node '" + node + "' must be host:port");
        }
        int colon = n.lastIndexOf(':');
        boolean hasPort = colon > 0 && n.indexOf(']', colon) < 0 && (n.startsWith("[") || n.indexOf(':') == colon);
        if (hasPort) {
            String port = n.substring(colon + 1);
            int p;
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("discovery node '" + node + "' has an invalid port");
            }
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("discovery node '" + node + "' has a port out of 1-65535");
            }
            return scheme + "://" + n;
        }
        String host = n.indexOf(':') >= 0 && !n.startsWith("[") ? "[" + n + "]" : n;
        return scheme + "://" + host + ":" + DEFAULT_PORT;
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static String blankToEmpty(String s) {
        return s == null ? "" : s.trim();
    }

    private static void positive(String field, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + " must be a positive duration, was " + d);
        }
    }
}
