package dev.naming;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed registry URI: {@code scheme:[//authority][/path][?k=v&…]}.
 *
 * <p>The authority may list several hosts separated by commas
 * ({@code discovery://h1:7171,h2:7171}), which {@link java.net.URI} cannot hold, hence this type.
 * Parameter values are URL-decoded. {@link #toString()} redacts secret parameters
 * ({@code token}, {@code password}, {@code truststorePassword}, anything ending in
 * {@code token} or {@code password}).
 *
 * @param scheme    lower-case scheme, e.g. {@code consul}
 * @param authority what stands between {@code //} and the path or query; empty if none
 * @param path      the path without its leading {@code /}; empty if none
 * @param params    query parameters in order
 */
public record NamingUri(String scheme, String authority, String path, Map<String, String> params) {

    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*");

    /**
     * Checks the scheme, lower-cases it and copies the parameters.
     *
     * @throws IllegalArgumentException if the scheme is missing or invalid
     */
    public NamingUri {
        if (scheme == null || !SCHEME.matcher(scheme).matches()) {
            throw new IllegalArgumentException("uri scheme is missing or invalid: '" + scheme + "'");
        }
        scheme = scheme.toLowerCase(Locale.ROOT);
        authority = authority == null ? "" : authority;
        path = path == null ? "" : path;
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params == null ? Map.of() : params));
    }

    /**
     * Parses {@code uri}.
     *
     * @throws IllegalArgumentException if it has no scheme or a parameter is malformed
     */
    public static NamingUri parse(String uri) {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("uri must not be blank");
        }
        String s = uri.trim();
        int colon = s.indexOf(':');
        if (colon <= 0 || !SCHEME.matcher(s.substring(0, colon)).matches()) {
            throw noScheme(s);
        }
        String scheme = s.substring(0, colon);
        String rest = s.substring(colon + 1);
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        String authority = "";
        if (rest.startsWith("//")) {
            rest = rest.substring(2);
            int slash = rest.indexOf('/');
            authority = slash >= 0 ? rest.substring(0, slash) : rest;
            rest = slash >= 0 ? rest.substring(slash) : "";
        }
        String path = rest.startsWith("/") ? rest.substring(1) : rest;
        return new NamingUri(scheme, authority, path, parseQuery(query));
    }

    /**
     * The registry URI configured for this process: the {@code naming.url} system property, else the
     * {@code NAMING_URL} environment variable (the property wins, as a {@code -D} on the command
     * line is more specific than the environment); empty when neither is set or both are blank.
     * {@link Naming#connect()} follows this rule, and so does the {@code naming} command.
     *
     * @throws IllegalArgumentException if the configured URI is malformed
     */
    public static Optional<NamingUri> configured() {
        return configured(System::getenv, System::getProperty);
    }

    static Optional<NamingUri> configured(UnaryOperator<String> env, UnaryOperator<String> properties) {
        for (String url : new String[] {properties.apply(ProviderLookup.URL_PROPERTY), env.apply(ProviderLookup.URL_ENV)}) {
            if (url != null && !url.isBlank()) {
                return Optional.of(parse(url));
            }
        }
        return Optional.empty();
    }

    /** An empty URI of {@code scheme}: the provider's defaults. */
    public static NamingUri of(String scheme) {
        return new NamingUri(scheme, "", "", Map.of());
    }

    /** The authority split on commas, blank entries dropped: {@code host[:port]} each. */
    public List<String> hosts() {
        List<String> hosts = new ArrayList<>();
        for (String h : authority.split(",")) {
            if (!h.isBlank()) {
                hosts.add(h.trim());
            }
        }
        return List.copyOf(hosts);
    }

    /** The value of a parameter, if given. */
    public Optional<String> param(String name) {
        return Optional.ofNullable(params.get(name));
    }

    /** A duration parameter such as {@code 55s}, {@code 500ms}, {@code 2m}, {@code 1h} or plain seconds. */
    public Optional<Duration> durationParam(String name) {
        return param(name).map(v -> parseDuration(name, v));
    }

    /** A boolean parameter: {@code true/false/1/0/yes/no}. */
    public Optional<Boolean> booleanParam(String name) {
        return param(name).map(v -> switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new IllegalArgumentException(name + " must be true or false, was '" + v + "'");
        });
    }

    /**
     * Parses a duration written as a number with a unit ({@code ms}, {@code s}, {@code m},
     * {@code h}) or as plain seconds, or in ISO-8601 ({@code PT55S}).
     *
     * @throws IllegalArgumentException naming {@code field} when it is malformed or negative
     */
    public static Duration parseDuration(String field, String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)?").matcher(v);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofSeconds(n);
            };
        }
        try {
            Duration d = Duration.parse(value.trim().toUpperCase(Locale.ROOT));
            if (!d.isNegative()) {
                return d;
            }
        } catch (RuntimeException ignored) {
            // reported below with the field's name
        }
        throw new IllegalArgumentException(field + " must be a duration such as 55s, 500ms or 2m, was '" + value + "'");
    }

    /** Whether a parameter name holds a secret that must never be printed. */
    public static boolean isSecret(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith("token") || n.endsWith("password") || n.equals("secret");
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(scheme).append(':');
        if (!authority.isEmpty()) {
            sb.append("//").append(authority);
        }
        if (!path.isEmpty()) {
            sb.append('/').append(path);
        }
        String sep = "?";
        for (Map.Entry<String, String> e : params.entrySet()) {
            sb.append(sep).append(e.getKey()).append('=').append(isSecret(e.getKey()) ? "****" : e.getValue());
            sep = "&";
        }
        return sb.toString();
    }

    private static Map<String, String> parseQuery(String query) {
        Map<String, String> params = new LinkedHashMap<>();
        if (query.isEmpty()) {
            return params;
        }
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq >= 0 ? pair.substring(0, eq) : pair);
            String value = eq >= 0 ? decode(pair.substring(eq + 1)) : "";
            if (key.isBlank()) {
                throw new IllegalArgumentException("uri has a query parameter without a name");
            }
            params.put(key, value);
        }
        return params;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("uri has a malformed %-escape in its query", e);
        }
    }


    /**
     * What to write instead of a URI without a scheme: a bare {@code host:port} (or an IP address,
     * whose digits are no scheme) gets the two URIs it may have meant.
     */
    private static IllegalArgumentException noScheme(String s) {
        String message = "uri must start with a scheme such as 'inmemory:' or 'consul://', was '"
                + redactForMessage(s) + "'";
        int q = s.indexOf('?');
        String address = q >= 0 ? s.substring(0, q) : s;
        if (!address.isEmpty() && !address.contains("/") && !address.startsWith(":")) {
            message += "; for a registry at that address write 'consul://" + address + "' or 'discovery://"
                    + address + "'";
        }
        return new IllegalArgumentException(message);
    }

    private static String redactForMessage(String s) {
        int q = s.indexOf('?');
        return q >= 0 ? s.substring(0, q) + "?…" : s;
    }
}
