package dev.naming.consul;

import dev.naming.NamingUri;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Where and how to reach Consul, read from a {@code consul:} URI with defaults from the variables
 * Consul's own CLI reads ({@code CONSUL_HTTP_ADDR}, {@code CONSUL_HTTP_TOKEN}, {@code CONSUL_HTTP_SSL}).
 *
 * <p>{@code consul://host:port[,host2:port…]?dc=…&tls=true&token=…&wait=55s&truststore=…&truststorePassword=…}.
 * Several hosts are agents to fail over between, in the order given. A host without a port gets
 * 8500 (8501 with TLS). The token travels only in the {@code X-Consul-Token} header;
 * {@link #toString()} never shows it.
 *
 * <p>The tuning knobs below the URI parameters (pacing, backoff, presence checks) have production
 * defaults and package-private setters for tests.
 */
final class ConsulConfig {

    static final String ADDR_ENV = "CONSUL_HTTP_ADDR";
    static final String TOKEN_ENV = "CONSUL_HTTP_TOKEN";
    static final String SSL_ENV = "CONSUL_HTTP_SSL";
    static final String DEFAULT_HOST = "127.0.0.1";
    static final int DEFAULT_PORT = 8500;
    static final int DEFAULT_TLS_PORT = 8501;
    /** Default blocking-query wait; Consul's own default is 5 min, its cap 10 min. */
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(55);
    static final Duration MAX_WAIT = Duration.ofMinutes(10);
    /** Added to wait + wait/16 (the agent's jitter) for the read timeout of a blocking query. */
    static final Duration DEFAULT_READ_MARGIN = Duration.ofSeconds(5);

    private static final Set<String> PARAMS = Set.of("dc", "tls", "token", "wait", "truststore",
            "truststorePassword", "truststoreType");

    private final List<URI> agents;
    private final String datacenter;
    private final String token;
    private final boolean tls;
    private final Duration wait;
    private final Path truststore;
    private final String truststorePassword;
    private final String truststoreType;

    // knobs: not in the URI, adjustable by tests in this package
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration readMargin = DEFAULT_READ_MARGIN;
    // one blocking query per 100 ms per watch at most (consul-template's choice): a churning service
    // costs the agent ten queries a second, and a change spaced further apart is never delayed
    private Duration queryInterval = Duration.ofMillis(100);
    private Duration idleQueryPenaltyMax = Duration.ofSeconds(15);
    private Duration backoffInitial = Duration.ofMillis(250);
    private Duration backoffMax = Duration.ofSeconds(10);
    private Duration presenceInterval = Duration.ofSeconds(10);

    private ConsulConfig(List<URI> agents, String datacenter, String token, boolean tls, Duration wait,
                         Path truststore, String truststorePassword, String truststoreType) {
        this.agents = List.copyOf(agents);
        this.datacenter = datacenter;
        this.token = token;
        this.tls = tls;
        this.wait = wait;
        this.truststore = truststore;
        this.truststorePassword = truststorePassword;
        this.truststoreType = truststoreType;
    }

    /** The configuration of {@code uri}, with defaults from the process environment. */
    static ConsulConfig from(NamingUri uri) {
        return from(uri, System::getenv);
    }

    /**
     * The configuration of {@code uri}, with defaults from {@code env}.
     *
     * @throws IllegalArgumentException naming the parameter or variable that is wrong
     */
    static ConsulConfig from(NamingUri uri, UnaryOperator<String> env) {
        for (String name : uri.params().keySet()) {
            if (!PARAMS.contains(name)) {
                throw new IllegalArgumentException("consul uri: unknown parameter '" + name + "' (known: "
                        + String.join(", ", new java.util.TreeSet<>(PARAMS)) + ")");
            }
        }
        if (!uri.path().isEmpty()) {
            throw new IllegalArgumentException("consul uri must not have a path, was '/" + uri.path() + "'");
        }
        String envAddr = blankToNull(env.apply(ADDR_ENV));
        Boolean tlsParam = uri.booleanParam("tls").orElse(null);
        Boolean envSsl = blankToNull(env.apply(SSL_ENV)) == null ? null : parseBoolean(SSL_ENV, env.apply(SSL_ENV));

        List<String> hosts = uri.hosts();
        String fromEnvScheme = null;
        if (hosts.isEmpty() && envAddr != null) {
            List<String> envHosts = new ArrayList<>();
            for (String h : envAddr.split(",")) {
                String host = h.trim();
                if (host.isEmpty()) {
                    continue;
                }
                int sep = host.indexOf("://");
                if (sep >= 0) {
                    String scheme = host.substring(0, sep).toLowerCase(Locale.ROOT);
                    if (!scheme.equals("http") && !scheme.equals("https")) {
                        throw new IllegalArgumentException(ADDR_ENV + " must use http or https, was '" + scheme + "'");
                    }
                    fromEnvScheme = scheme;
                    host = host.substring(sep + 3);
                }
                if (host.endsWith("/")) {
                    host = host.substring(0, host.length() - 1);
                }
                envHosts.add(host);
            }
            hosts = envHosts;
        }
        boolean tls = tlsParam != null ? tlsParam
                : envSsl != null ? envSsl
                : "https".equals(fromEnvScheme);
        if (hosts.isEmpty()) {
            hosts = List.of(DEFAULT_HOST);
        }
        List<URI> agents = new ArrayList<>();
        for (String host : hosts) {
            agents.add(agentUri(host, tls));
        }

        String token = uri.param("token").map(ConsulConfig::blankToNull).orElse(blankToNull(env.apply(TOKEN_ENV)));
        if (token != null) {
            for (int i = 0; i < token.length(); i++) {
                char c = token.charAt(i);
                if (c < 0x21 || c > 0x7e) {
                    throw new IllegalArgumentException("token must be printable ASCII without spaces");
                }
            }
        }
        String dc = uri.param("dc").map(ConsulConfig::blankToNull).orElse(null);
        if (dc != null && !dc.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("dc must be letters, digits, '_', '-' or '.', was '" + dc + "'");
        }
        Duration wait = uri.durationParam("wait").orElse(DEFAULT_WAIT);
        if (wait.compareTo(Duration.ofMillis(100)) < 0 || wait.compareTo(MAX_WAIT) > 0) {
            throw new IllegalArgumentException("wait must be within 100ms-10m (Consul's cap), was " + wait);
        }
        Path truststore = uri.param("truststore").map(ConsulConfig::blankToNull).map(Path::of).orElse(null);
        String truststorePassword = uri.param("truststorePassword").orElse(null);
        String truststoreType = uri.param("truststoreType").map(ConsulConfig::blankToNull).orElse(null);
        if (truststore == null && (truststorePassword != null || truststoreType != null)) {
            throw new IllegalArgumentException("truststorePassword and truststoreType need truststore");
        }
        if (truststore != null && !tls) {
            throw new IllegalArgumentException("truststore needs tls=true (or " + SSL_ENV + "=true)");
        }
        return new ConsulConfig(agents, dc, token, tls, wait, truststore, truststorePassword, truststoreType);
    }

    private static URI agentUri(String host, boolean tls) {
        String h = host;
        int port = tls ? DEFAULT_TLS_PORT : DEFAULT_PORT;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("consul host '" + host + "' has an unclosed IPv6 bracket");
            }
            String rest = h.substring(close + 1);
            if (!rest.isEmpty()) {
                port = port(host, rest.startsWith(":") ? rest.substring(1) : rest);
            }
            h = h.substring(0, close + 1);
        } else {
            int colon = h.lastIndexOf(':');
            if (colon >= 0) {
                if (h.indexOf(':') != colon) {
                    throw new IllegalArgumentException("consul host '" + host + "': put an IPv6 address in brackets");
                }
                port = port(host, h.substring(colon + 1));
                h = h.substring(0, colon);
            }
        }
        if (h.isEmpty() || h.equals("[]") || !h.matches("[A-Za-z0-9_.\\-\\[\\]:%]+")) {
            throw new IllegalArgumentException("consul host is invalid: '" + host + "'");
        }
        return URI.create((tls ? "https" : "http") + "://" + h + ":" + port);
    }

    private static int port(String host, String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("consul host '" + host + "': port must be within 1-65535");
    }

    private static boolean parseBoolean(String name, String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new IllegalArgumentException(name + " must be true or false, was '" + value + "'");
        };
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    // ---- values ------------------------------------------------------------------------------

    /** Agent base URIs ({@code http(s)://host:port}) in fail-over order. */
    List<URI> agents() {
        return agents;
    }

    /** The datacenter to query, or {@code null} for the agent's own. */
    String datacenter() {
        return datacenter;
    }

    /** The ACL token, or {@code null}. Sent only in the {@code X-Consul-Token} header. */
    String token() {
        return token;
    }

    boolean tls() {
        return tls;
    }

    /** How long the agent may hold a blocking query. */
    Duration waitTime() {
        return wait;
    }

    /** The read timeout of a blocking query: above wait + wait/16 (the agent's jitter) by a margin. */
    Duration blockingReadTimeout() {
        return wait.plus(wait.dividedBy(16)).plus(readMargin);
    }

    Path truststore() {
        return truststore;
    }

    String truststorePassword() {
        return truststorePassword;
    }

    String truststoreType() {
        return truststoreType;
    }

    Duration connectTimeout() {
        return connectTimeout;
    }

    /** Read timeout of every request that is not a blocking query. */
    Duration requestTimeout() {
        return requestTimeout;
    }

    /** Blocking queries of one watch start at most once per this interval (after a burst of two). */
    Duration queryInterval() {
        return queryInterval;
    }

    /** The longest extra pause when the agent returns a blocking query early with an unchanged index. */
    Duration idleQueryPenaltyMax() {
        return idleQueryPenaltyMax;
    }

    Duration backoffInitial() {
        return backoffInitial;
    }

    Duration backoffMax() {
        return backoffMax;
    }

    /** How often registrations without a TTL check are looked up on the agent (to notice it lost them). */
    Duration presenceInterval() {
        return presenceInterval;
    }

    // ---- knobs for tests ------------------------------------------------------------------------

    ConsulConfig queryInterval(Duration interval) {
        this.queryInterval = interval;
        return this;
    }

    ConsulConfig idleQueryPenaltyMax(Duration max) {
        this.idleQueryPenaltyMax = max;
        return this;
    }

    ConsulConfig backoff(Duration initial, Duration max) {
        this.backoffInitial = initial;
        this.backoffMax = max;
        return this;
    }

    ConsulConfig presenceInterval(Duration interval) {
        this.presenceInterval = interval;
        return this;
    }

    ConsulConfig requestTimeout(Duration timeout) {
        this.requestTimeout = timeout;
        return this;
    }

    ConsulConfig readMargin(Duration margin) {
        this.readMargin = margin;
        return this;
    }

    ConsulConfig connectTimeout(Duration timeout) {
        this.connectTimeout = timeout;
        return this;
    }

    /** The agents and parameters, the token and trust store password shown as {@code ****}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("consul://");
        for (int i = 0; i < agents.size(); i++) {
            URI a = agents.get(i);
            sb.append(i == 0 ? "" : ",").append(a.getHost()).append(':').append(a.getPort());
        }
        String sep = "?";
        if (datacenter != null) {
            sb.append(sep).append("dc=").append(datacenter);
            sep = "&";
        }
        sb.append(sep).append("tls=").append(tls);
        sb.append("&wait=").append(wait.toMillis()).append("ms");
        if (token != null) {
            sb.append("&token=****");
        }
        if (truststore != null) {
            sb.append("&truststore=").append(truststore);
        }
        if (truststorePassword != null) {
            sb.append("&truststorePassword=****");
        }
        return sb.toString();
    }
}
