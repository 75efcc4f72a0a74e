package dev.naming.consul.emulator;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request the emulator received, as it came over the wire: raw (still %-encoded) path and
 * query, every header, the body.
 *
 * @param method  HTTP method
 * @param rawPath path as sent, e.g. {@code /v1/agent/service/deregister/a%2Fb}
 * @param rawQuery query as sent without {@code ?}, or empty
 * @param headers header names in lower case, each with its values
 * @param body    request body as text, or empty
 */
public record RecordedRequest(String method, String rawPath, String rawQuery, Map<String, List<String>> headers,
                              String body) {

    /** The value of a header (case-insensitive), or {@code null}. */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Path and query as they appeared in the request line. */
    public String uri() {
        return rawQuery.isEmpty() ? rawPath : rawPath + "?" + rawQuery;
    }

    /** Whether the query has a parameter {@code name} (any value). */
    public boolean hasParam(String name) {
        for (String pair : rawQuery.split("&")) {
            if (pair.equals(name) || pair.startsWith(name + "=")) {
                return true;
            }
        }
        return false;
    }

    /** The first value of query parameter {@code name} (still encoded), or {@code null}. */
    public String param(String name) {
        for (String pair : rawQuery.split("&")) {
            if (pair.startsWith(name + "=")) {
                return pair.substring(name.length() + 1);
            }
            if (pair.equals(name)) {
                return "";
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return method + " " + uri();
    }
}
