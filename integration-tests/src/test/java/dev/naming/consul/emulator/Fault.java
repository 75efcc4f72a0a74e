package dev.naming.consul.emulator;

/** A way for the emulated agent to misbehave, switched on with {@link ConsulEmulator#fault(Fault)}. */
public enum Fault {
    /** Behaves as a healthy agent. */
    NONE,
    /** Accepts the connection, then closes it without an answer. */
    CLOSE_CONNECTION,
    /** {@code 429 Too Many Requests}, as an agent past {@code http_max_conns_per_client} answers. */
    TOO_MANY_REQUESTS,
    /** {@code 500 Internal Server Error} (e.g. "No cluster leader"). */
    SERVER_ERROR,
    /** {@code 503 Service Unavailable} (rate limited or shutting down). */
    UNAVAILABLE,
    /** {@code 403 Permission denied}, as an agent answers a token without the right (an answer, not an outage). */
    PERMISSION_DENIED,
    /** {@code 200} with a body that is not valid JSON. */
    MALFORMED_JSON
}
