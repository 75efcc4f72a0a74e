package dev.naming.consul.http;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Puts caller-supplied names into request paths and queries so that nothing a caller passes can
 * change which endpoint is called: every byte outside RFC 3986's unreserved set is %-escaped
 * ({@code /} becomes {@code %2F}).
 *
 * <p>That is not enough on its own: Consul's HTTP router (Go's {@code http.ServeMux}, up to Go 1.21
 * which Consul 1.15–1.17 are built with) decodes the path first, cleans it like {@code path.Clean}
 * and redirects when the result differs, so {@code a/../b} or {@code a//b} in a name would lead to
 * another service's path (for a client that follows redirects). Values with an empty, {@code .} or
 * {@code ..} segment between slashes are therefore refused up front; a plain {@code /} is fine.
 */
public final class ConsulPaths {

    private ConsulPaths() {
    }

    /**
     * @throws IllegalArgumentException naming {@code field} when Consul's router would rewrite a
     *     path ending in {@code value}
     */
    public static String checkSegment(String field, String value) {
        List<String> segments = List.of(value.split("/", -1));
        if (segments.contains(".") || segments.contains("..") || value.startsWith("/") || value.contains("//")) {
            throw new IllegalArgumentException(field + " must not have an empty, '.' or '..' segment between"
                    + " slashes on Consul (its HTTP router would rewrite the path), was '" + value + "'");
        }
        return value;
    }

    /** {@code value} %-escaped for use as one path segment or one query value. */
    public static String encode(String value) {
        // the JDK's form encoding, turned into RFC 3986's: only unreserved characters stay as they are
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A")
                .replace("%7E", "~");
    }
}
