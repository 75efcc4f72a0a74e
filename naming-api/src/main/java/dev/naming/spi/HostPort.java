package dev.naming.spi;

import dev.naming.internal.Validation;

/**
 * A host and port as written in URIs, environment variables and registry records:
 * {@code host}, {@code host:port}, {@code v6-address}, {@code [v6-address]} or
 * {@code [v6-address]:port}. The one parser of such text for every backend.
 *
 * @param host the host name or address, IPv6 without brackets
 * @param port 1–65535
 */
public record HostPort(String host, int port) {

    public HostPort {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        Validation.port(port);
    }

    /**
     * Parses {@code text}.
     *
     * @param field       what the text is, for messages ({@code "consul host"})
     * @param defaultPort the port when the text has none; 0 when a port is required
     * @throws IllegalArgumentException naming {@code field} when the text is malformed
     */
    public static HostPort parse(String field, String text, int defaultPort) {
        String t = text == null ? "" : text.trim();
        String host;
        String port = null;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException(field + " '" + text + "' has an unclosed IPv6 bracket");
            }
            host = t.substring(1, close);
            String rest = t.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException(field + " '" + text + "' must be [address]:port");
                }
                port = rest.substring(1);
            }
        } else {
            int colon = t.lastIndexOf(':');
            if (colon >= 0 && t.indexOf(':') != colon) {
                // several colons and no brackets: an IPv6 address alone (a port needs the brackets)
                host = t;
            } else {
                host = colon >= 0 ? t.substring(0, colon) : t;
                port = colon >= 0 ? t.substring(colon + 1) : null;
            }
        }
        if (host.isEmpty() || !host.matches("[A-Za-z0-9_.\\-:%]+")) {
            throw new IllegalArgumentException(field + " is invalid: '" + text + "'");
        }
        if (port == null) {
            if (defaultPort == 0) {
                throw new IllegalArgumentException(field + " '" + text + "' needs a port");
            }
            return new HostPort(host, defaultPort);
        }
        try {
            int p = Integer.parseInt(port);
            if (p >= 1 && p <= 65535) {
                return new HostPort(host, p);
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(field + " '" + text + "': port must be within 1-65535");
    }

    /** {@code host:port}, with an IPv6 address in brackets: the authority of a URI. */
    public String authority() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return authority();
    }
}
