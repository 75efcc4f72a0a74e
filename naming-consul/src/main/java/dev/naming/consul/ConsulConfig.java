package dev.naming.consul;

import dev.naming.NamingUri;
import dev.naming.consul.http.ConsulHttp;
import dev.naming.consul.watch.WatchSettings;
import dev.naming.spi.HostPort;
import dev.naming.spi.UriParameter;
import dev.naming.spi.UriParameters;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Where and how to reach Consul, read from a {@code consul:} URI with defaults from the variables
 * Consul's own CLI reads ({@code CONSUL_HTTP_ADDR}, {@code CONSUL_HTTP_TOKEN}, {@code CONSUL_HTTP_SSL}).
 *
 * <p>{@code consul://host:port[,host2:port…]?dc=…&tls=true&token=…&wait=55s}. Several hosts are
 * agents to fail over between, in the order given. A host without a port gets 8500 (8501 with
 * TLS). The token travels only in the {@code X-Consul-Token} header; {@link #toString()} never
 * shows it. Every parameter is declared once in {@link #PARAMETERS}, which the README's table is
 * generated from; the tuning ones (timeouts, pacing, backoff) have production defaults.
 *
 * @param agents agent base URIs ({@code http(s)://host:port}) in fail-over order
 */
record ConsulConfig(NamingUri uri, List<URI> agents, boolean tls, UriParameters.Values values) {

    static final String ADDR_ENV = "CONSUL_HTTP_ADDR", TOKEN_ENV = "CONSUL_HTTP_TOKEN", SSL_ENV = "CONSUL_HTTP_SSL";
    static final String DEFAULT_HOST = "127.0.0.1";
    static final int DEFAULT_PORT = 8500, DEFAULT_TLS_PORT = 8501;
    static final Duration MAX_WAIT = Duration.ofMinutes(10);

    static final UriParameter<String> DC = UriParameter.text("dc", null, "the datacenter to query")
            .defaultText("the agent's");
    static final UriParameter<Boolean> TLS = UriParameter.bool("tls", false,
            "HTTPS (and HTTP/2) to the agents; also on when " + ADDR_ENV + " starts with https://").env(SSL_ENV);
    static final UriParameter<String> TOKEN = UriParameter.text("token", null,
            "ACL token, sent only in the X-Consul-Token header").env(TOKEN_ENV).secret();
    static final UriParameter<Duration> WAIT = UriParameter.duration("wait", Duration.ofSeconds(55), Duration.ofMillis(100),
            MAX_WAIT, "how long the agent may hold a blocking query (100ms-10m; Consul's own default is 5m)");
    static final UriParameter<String> TRUSTSTORE = UriParameter.text("truststore", null,
            "a trust store file for a private CA (needs tls)").defaultText("the JVM's");
    static final UriParameter<String> TRUSTSTORE_PASSWORD = UriParameter.text("truststorePassword", null,
            "the trust store's password").secret();
    static final UriParameter<String> TRUSTSTORE_TYPE = UriParameter.text("truststoreType", null,
            "the trust store's type").defaultText("PKCS12 (which reads JKS too)");
    static final UriParameter<Duration> GRACE = UriParameter.stateLossGrace(Duration.ofSeconds(10),
            "owners pass their TTL checks every 5 s by default, and at once when they saw the agent fail");
    static final UriParameter<java.nio.file.Path> SNAPSHOT = UriParameter.snapshot();
    static final UriParameter<Duration> CONNECT_TIMEOUT = UriParameter.positiveDuration("connectTimeout",
            Duration.ofSeconds(5), "TCP (and TLS) connect timeout");
    static final UriParameter<Duration> TIMEOUT = UriParameter.positiveDuration("timeout", Duration.ofSeconds(10),
            "read timeout of every request that is not a blocking query");
    static final UriParameter<Duration> READ_MARGIN = UriParameter.positiveDuration("readMargin", Duration.ofSeconds(5),
            "a blocking query's read timeout is wait + wait/16 (the agent's jitter) + this");
    // one blocking query per 100 ms per watch at most (consul-template's choice): a churning service
    // costs the agent ten queries a second, and a change spaced further apart is never delayed
    static final UriParameter<Duration> QUERY_INTERVAL = UriParameter.positiveDuration("queryInterval",
            Duration.ofMillis(100), "blocking queries of one watch start at most this often (after a burst of two)");
    static final UriParameter<Duration> IDLE_PENALTY_MAX = UriParameter.duration("idlePenaltyMax",
            Duration.ofSeconds(15), "the longest extra pause when the agent returns early with an unchanged index");
    static final UriParameter<Duration> RETRY_MIN = UriParameter.positiveDuration("retryMin", Duration.ofMillis(250),
            "first pause of a watch after a failure (exponential backoff with jitter)");
    static final UriParameter<Duration> RETRY_MAX = UriParameter.positiveDuration("retryMax", Duration.ofSeconds(10),
            "longest pause of a watch after failures; every watch retries at once (within 250 ms) when a call of the "
                    + "Naming finds the registry answering again");
    static final UriParameter<Duration> PRESENCE_INTERVAL = UriParameter.positiveDuration("presenceInterval",
            Duration.ofSeconds(10), "how often registrations without a TTL check are looked up on the agent");

    static final UriParameter<Boolean> STALE = UriParameter.bool("stale", false,
            "reads (finds and watches) may be answered by any server, not only the leader: they spread over the"
                    + " servers and go on without a leader; the reply's staleness (X-Consul-LastContact) is logged at debug");
    static final UriParameter<String> NAMESPACE = UriParameter.text("ns", null,
            "Consul Enterprise namespace of every call (X-Consul-Namespace header; sent only when set)")
            .defaultText("the token's, or default");
    static final UriParameter<String> PARTITION = UriParameter.text("partition", null,
            "Consul Enterprise admin partition of every call (X-Consul-Partition header; sent only when set)")
            .defaultText("the agent's");

    static final UriParameter<Long> MAX_REPLY = UriParameter.maxReply();

    static final UriParameters PARAMETERS = UriParameters.of("consul", DC, TLS, TOKEN, WAIT, STALE, NAMESPACE,
            PARTITION, TRUSTSTORE, TRUSTSTORE_PASSWORD, TRUSTSTORE_TYPE, GRACE, CONNECT_TIMEOUT, TIMEOUT, READ_MARGIN,
            QUERY_INTERVAL, IDLE_PENALTY_MAX, RETRY_MIN, RETRY_MAX, PRESENCE_INTERVAL, MAX_REPLY, SNAPSHOT);

    /** Response headers (and trailers) read at most: Consul's are well under 1 KiB; a proxy's a few KiB. */
    static final int MAX_HEADER_BYTES = 64 * 1024;

    /** Consul's rule for namespace and partition names (agent/structs: a DNS label of at most 64 characters). */
    private static final java.util.regex.Pattern ENTERPRISE_NAME =
            java.util.regex.Pattern.compile("[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,62}[a-zA-Z0-9])?");

    /**
     * The configuration of {@code uri}, with defaults from {@code env}.
     *
     * @throws IllegalArgumentException naming the parameter or variable that is wrong
     */
    static ConsulConfig from(NamingUri uri, UnaryOperator<String> env) {
        UriParameters.Values values = PARAMETERS.read(uri, env);
        if (!uri.path().isEmpty()) {
            throw new IllegalArgumentException("consul uri must not have a path, was '/" + uri.path() + "'");
        }
        List<String> hosts = uri.hosts();
        String envScheme = null;
        if (hosts.isEmpty() && env.apply(ADDR_ENV) != null && !env.apply(ADDR_ENV).isBlank()) {
            hosts = new ArrayList<>();
            for (String h : env.apply(ADDR_ENV).split(",")) {
                String host = h.trim();
                int sep = host.indexOf("://");
                if (sep >= 0) {
                    envScheme = host.substring(0, sep).toLowerCase(Locale.ROOT);
                    if (!envScheme.equals("http") && !envScheme.equals("https")) {
                        throw new IllegalArgumentException(ADDR_ENV + " must use http or https, was '" + envScheme + "'");
                    }
                    host = host.substring(sep + 3);
                }
                host = host.endsWith("/") ? host.substring(0, host.length() - 1) : host;
                if (!host.isEmpty()) {
                    hosts.add(host);
                }
            }
        }
        boolean tls = values.given(TLS).orElse("https".equals(envScheme));
        List<URI> agents = (hosts.isEmpty() ? List.of(DEFAULT_HOST) : hosts).stream()
                .map(host -> HostPort.parse("consul host", host, tls ? DEFAULT_TLS_PORT : DEFAULT_PORT))
                .map(hp -> URI.create((tls ? "https" : "http") + "://" + hp.authority())).toList();
        check(values, tls);
        return new ConsulConfig(uri, agents, tls, values);
    }

    private static void check(UriParameters.Values values, boolean tls) {
        String token = values.get(TOKEN);
        if (token != null && !token.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw new IllegalArgumentException("token must be printable ASCII without spaces");
        }
        String dc = values.get(DC);
        if (dc != null && !dc.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("dc must be letters, digits, '_', '-' or '.', was '" + dc + "'");
        }
        for (UriParameter<String> scope : List.of(NAMESPACE, PARTITION)) {
            String name = values.get(scope);
            if (name != null && !ENTERPRISE_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(scope.name() + " must be letters, digits and '-', 1-64 characters,"
                        + " starting and ending with a letter or digit, was '" + name + "'");
            }
        }
        String store = values.get(TRUSTSTORE), type = values.get(TRUSTSTORE_TYPE), password = values.get(TRUSTSTORE_PASSWORD);
        if (store == null && (password != null || type != null)) {
            throw new IllegalArgumentException("truststorePassword and truststoreType need truststore");
        }
        if (store != null && !tls) {
            throw new IllegalArgumentException("truststore needs tls=true (or " + SSL_ENV + "=true)");
        }
        // loaded here once, as the client will: a wrong password or type fails the connect, not every call
        try (java.io.InputStream in = store == null ? null : java.nio.file.Files.newInputStream(Path.of(store))) {
            if (in != null) {
                java.security.KeyStore.getInstance(type == null ? "PKCS12" : type).load(in,
                        password == null ? null : password.toCharArray());
            }
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("truststore cannot be read: " + store + " (" + e.getMessage() + ")", e);
        }
        if (values.get(RETRY_MAX).compareTo(values.get(RETRY_MIN)) < 0) {
            throw new IllegalArgumentException("retryMax must not be below retryMin");
        }
    }

    Duration requestTimeout() {
        return values.get(TIMEOUT);
    }

    /** How often registrations without a TTL check are looked up on the agent (to notice it lost them). */
    Duration presenceInterval() {
        return values.get(PRESENCE_INTERVAL);
    }

    /** How long removals are held back after a sign that the agent lost its state. */
    Duration stateLossGrace() {
        return values.get(GRACE);
    }

    java.nio.file.Path snapshot() {
        return values.get(SNAPSHOT);
    }

    /** What the reads and watches need; a blocking query's deadline is wait + wait/16 (the agent's jitter) + a margin. */
    WatchSettings watchSettings() {
        Duration wait = values.get(WAIT);
        return new WatchSettings(tls, values.get(DC), values.get(STALE), wait,
                wait.plus(wait.dividedBy(16)).plus(values.get(READ_MARGIN)), requestTimeout(), values.get(QUERY_INTERVAL),
                values.get(IDLE_PENALTY_MAX), values.get(RETRY_MIN), values.get(RETRY_MAX));
    }

    /** What the HTTP client needs: TLS and its trust, the connect timeout, every call's headers, the reply limits. */
    ConsulHttp.Settings httpSettings() {
        // the token only in its header; the Enterprise namespace and partition, which Consul reads on
        // every endpoint, only when set: Community Edition refuses them with 400
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", "application/json");
        headers.put("X-Consul-Token", values.get(TOKEN));
        headers.put("X-Consul-Namespace", values.get(NAMESPACE));
        headers.put("X-Consul-Partition", values.get(PARTITION));
        headers.values().removeIf(Objects::isNull);
        String truststore = values.get(TRUSTSTORE);
        return new ConsulHttp.Settings(tls, truststore == null ? null : Path.of(truststore),
                values.get(TRUSTSTORE_PASSWORD), values.get(TRUSTSTORE_TYPE), values.get(CONNECT_TIMEOUT), headers,
                values.get(MAX_REPLY), MAX_HEADER_BYTES);
    }

    /** The agents and the URI's parameters, the token and trust store password shown as {@code ****}. */
    @Override
    public String toString() {
        String authorities = String.join(",", agents.stream().map(URI::getRawAuthority).toList());
        return PARAMETERS.redact(new NamingUri(uri.scheme(), authorities, uri.path(), uri.params()));
    }
}
