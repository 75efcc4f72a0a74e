package dev.naming.consul.emulator;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request to the emulated agent, whichever HTTP server carries it: the JDK's
 * {@code HttpServer} (HTTP/1.1, with or without TLS) or Jetty (HTTPS with HTTP/2, as a Consul agent
 * with TLS on serves it).
 */
interface AgentExchange {

    /** What serves each exchange; it may block (a blocking query holds its thread). */
    @FunctionalInterface
    interface Handler {
        void handle(AgentExchange exchange) throws IOException;
    }

    /** A listening server. */
    interface Server {

        int port();

        /** Stops listening and drops every open connection, blocked queries included. */
        void stop();

        /** Connections open now, as the server counts them; -1 when it cannot tell. */
        int connections();

        /** Connections accepted since the server started; -1 when it cannot tell. */
        default long acceptedConnections() {
            return -1;
        }
    }

    String method();

    /** The request target as sent (raw path and raw query). */
    URI uri();

    byte[] body() throws IOException;

    /** Request headers, names in lower case. */
    Map<String, List<String>> headers();

    default String header(String name) {
        List<String> values = headers().get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    void setHeader(String name, String value);

    /** A {@link #respond} length for a body whose length the headers do not give: chunked, over HTTP/1.1. */
    long UNKNOWN_LENGTH = -2;

    /**
     * Sends the status and the headers set so far; {@code length} is the body's, -1 for none,
     * {@link #UNKNOWN_LENGTH} for a body sent without a length (chunked over HTTP/1.1). The
     * returned stream takes the body; closing it ends the reply.
     */
    OutputStream respond(int status, long length) throws IOException;

    /**
     * Sends a whole reply: with its length, or chunked ({@code chunked}, over HTTP/1.1), as
     * {@link #respond} and one write would. A server that can hand it to the socket in one write
     * does: Go's server sends a reply that fits its 4 KiB connection buffer in one, chunked or not
     * (net/http server.go: {@code finishRequest} flushes {@code bufw} once the handler returned).
     */
    default void reply(int status, byte[] body, boolean chunked) throws IOException {
        OutputStream out = respond(status, body.length == 0 ? -1 : chunked ? UNKNOWN_LENGTH : body.length);
        if (body.length > 0) {
            try (out) {
                out.write(body);
            }
        }
    }

    /** Ends the exchange; when no reply was sent, drops the connection, as an agent going away does. */
    void close();
}
