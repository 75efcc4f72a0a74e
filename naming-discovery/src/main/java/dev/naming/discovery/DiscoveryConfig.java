package dev.naming.discovery;

import dev.naming.NamingUri;
import dev.naming.spi.HostPort;
import dev.naming.spi.UriParameter;
import dev.naming.spi.UriParameters;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Settings of one discovery {@code Naming}, read from a URI with the kratos variables as defaults.
 * The nodes are the URI's hosts ({@code discovery://h1:7171,h2:7171}), else {@code DISCOVERY_NODES}
 * (comma-separated); a node without a port uses 7171. Every parameter is declared once in
 * {@link #PARAMETERS}, which the README's table is generated from.
 */
record DiscoveryConfig(List<String> nodes, String env, String zone, String region, String hostname,
                       String zoneFilter, Duration renewInterval, Duration hold, Duration timeout,
                       Duration retryMin, Duration retryMax, Duration nodesRefresh, Duration grace,
                       long maxReply, java.nio.file.Path snapshot) {

    static final String NODES_ENV = "DISCOVERY_NODES";
    static final String ZONE_ENV = "ZONE";
    static final String DEPLOY_ENV = "DEPLOY_ENV";
    static final String REGION_ENV = "REGION";
    static final String HOSTNAME_ENV = "HOSTNAME";
    static final int DEFAULT_PORT = 7171;

    static final UriParameter<String> ENV = UriParameter.text("env", null,
            "the deploy environment instances are registered and read in; required").env(DEPLOY_ENV);
    static final UriParameter<String> ZONE = UriParameter.text("zone", null,
            "this process's zone, where it registers; required to register").env(ZONE_ENV);
    static final UriParameter<String> REGION = UriParameter.text("region", null,
            "sent when registering").env(REGION_ENV);
    static final UriParameter<String> HOSTNAME = UriParameter.text("hostname", null,
            "this process's host name; each poll is held on the server under it plus a suffix of its own")
            .env(HOSTNAME_ENV)
            .defaultText("the local host name");
    static final UriParameter<String> ZONE_FILTER = UriParameter.text("zoneFilter", null,
            "read (find, subscribe) only this zone").defaultText("every zone");
    static final UriParameter<Duration> RENEW = UriParameter.positiveDuration("renew", Duration.ofSeconds(30),
            "renewal interval (the server evicts after 90 s without one)");
    static final UriParameter<Duration> HOLD = UriParameter.positiveDuration("hold", Duration.ofSeconds(30),
            "how long the server holds a poll (its own constant); the client gives the poll, its whole reply "
                    + "included, hold + timeout");
    static final UriParameter<Duration> TIMEOUT = UriParameter.positiveDuration("timeout", Duration.ofSeconds(5),
            "connect timeout, and the deadline of every other request, its whole reply included");
    static final UriParameter<Long> MAX_REPLY = UriParameter.maxReply();
    static final UriParameter<Duration> RETRY_MIN = UriParameter.positiveDuration("retryMin", Duration.ofSeconds(1),
            "first pause of a poll after a failure (exponential backoff with jitter)");
    static final UriParameter<Duration> RETRY_MAX = UriParameter.positiveDuration("retryMax", Duration.ofSeconds(30),
            "longest pause of a poll after failures; it retries at once (within 250 ms) when a call of the Naming "
                    + "finds the registry answering again");
    static final UriParameter<Duration> NODES_REFRESH = UriParameter.positiveDuration("nodesRefresh",
            Duration.ofSeconds(60), "how often the node list is read again from /discovery/nodes");
    static final UriParameter<Duration> GRACE = UriParameter.stateLossGrace(Duration.ofSeconds(35),
            "owners that saw no error register again at their next renewal, up to 30 s later");

    static final UriParameter<java.nio.file.Path> SNAPSHOT = UriParameter.snapshot();

    static final UriParameters PARAMETERS = UriParameters.of("discovery", ENV, ZONE, REGION, HOSTNAME, ZONE_FILTER,
            RENEW, HOLD, TIMEOUT, MAX_REPLY, RETRY_MIN, RETRY_MAX, NODES_REFRESH, GRACE, SNAPSHOT);

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
        if (grace == null || grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative, was " + grace);
        }
        if (maxReply < 1) {
            throw new IllegalArgumentException("maxReply must be at least 1 byte, was " + maxReply);
        }
        if (retryMax.compareTo(retryMin) < 0) {
            throw new IllegalArgumentException("retryMax must not be below retryMin");
        }
    }

    static DiscoveryConfig from(NamingUri uri) {
        return from(uri, System::getenv, DiscoveryConfig::localHostName);
    }

    static DiscoveryConfig from(NamingUri uri, UnaryOperator<String> environment, Supplier<String> localHost) {
        UriParameters.Values values = PARAMETERS.read(uri, environment);
        List<String> hosts = uri.hosts();
        if (hosts.isEmpty()) {
            String fromEnv = environment.apply(NODES_ENV);
            hosts = fromEnv == null ? List.of() : NamingUri.parse("x://" + fromEnv.trim()).hosts();
        }
        List<String> nodes = new ArrayList<>();
        for (String host : hosts) {
            nodes.add(baseUri(host));
        }
        return new DiscoveryConfig(nodes, values.get(ENV), values.get(ZONE), values.get(REGION),
                values.given(HOSTNAME).orElseGet(localHost), values.get(ZONE_FILTER), values.get(RENEW),
                values.get(HOLD), values.get(TIMEOUT), values.get(RETRY_MIN), values.get(RETRY_MAX),
                values.get(NODES_REFRESH), values.get(GRACE), values.get(MAX_REPLY),
                values.get(SNAPSHOT));
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
        if (n.contains("/") || n.contains("?") || n.contains("@")) {
            throw new IllegalArgumentException("discovery node '" + node + "' must be host:port");
        }
        return scheme + "://" + HostPort.parse("discovery node", n, DEFAULT_PORT).authority();
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
}
