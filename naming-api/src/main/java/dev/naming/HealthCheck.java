package dev.naming;

import dev.naming.internal.Durations;
import dev.naming.internal.Validation;
import java.time.Duration;

/**
 * How a registry decides that an instance can take traffic.
 *
 * <ul>
 *   <li>{@link #ttl(Duration)} (the default, 15 s): the library reports the instance alive every
 *       TTL/3 while the registering process lives; a process that dies stops reporting.
 *   <li>{@link #http(String)}: the registry polls a URL (every 10 s, 1 s timeout).
 *   <li>{@link #tcp(String)}: the registry opens a TCP connection to {@code host:port} every 10 s.
 *   <li>{@link #none()}: always healthy while registered.
 * </ul>
 * Backends without active checks (bilibili/discovery, in-memory for HTTP/TCP) keep the instance
 * alive by renewal while the process lives and document how they treat the others.
 *
 * @param kind     which check
 * @param ttl      time to live of a TTL check, else {@code null}
 * @param target   URL of an HTTP check or {@code host:port} of a TCP check, else {@code null}
 * @param interval how often an HTTP/TCP check runs, else {@code null}
 * @param timeout  timeout of an HTTP/TCP check, else {@code null}
 */
public record HealthCheck(Kind kind, Duration ttl, String target, Duration interval, Duration timeout) {

    /** The default TTL. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(15);
    /** The default interval of HTTP and TCP checks. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    /** The default timeout of HTTP and TCP checks. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);

    /** The kinds of check. */
    public enum Kind {
        /** The owning process reports the instance alive within a time to live. */
        TTL,
        /** The registry requests an HTTP URL at an interval. */
        HTTP,
        /** The registry opens a TCP connection at an interval. */
        TCP,
        /** No check: healthy while registered. */
        NONE
    }

    /**
     * Checks the parts that the kind uses.
     *
     * @throws IllegalArgumentException naming the first invalid part
     */
    public HealthCheck {
        Validation.notNull("check kind", kind);
        switch (kind) {
            case TTL -> {
                Validation.positive("check ttl", ttl);
                if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
                    throw new IllegalArgumentException("check ttl must be at least 1s, was " + Durations.text(ttl));
                }
            }
            case HTTP, TCP -> {
                if (target == null || target.isBlank()) {
                    throw new IllegalArgumentException("check target must not be blank");
                }
                Validation.positive("check interval", interval);
                Validation.positive("check timeout", timeout);
            }
            case NONE -> { }
        }
    }

    /** The default check: TTL of 15 s. */
    public static HealthCheck defaultTtl() {
        return ttl(DEFAULT_TTL);
    }

    /** A TTL check; at least one second. */
    public static HealthCheck ttl(Duration ttl) {
        return new HealthCheck(Kind.TTL, ttl, null, null, null);
    }

    /** An HTTP check of {@code url} every 10 s with a 1 s timeout. */
    public static HealthCheck http(String url) {
        return new HealthCheck(Kind.HTTP, null, url, DEFAULT_INTERVAL, DEFAULT_TIMEOUT);
    }

    /** A TCP check of {@code hostPort} every 10 s with a 1 s timeout. */
    public static HealthCheck tcp(String hostPort) {
        return new HealthCheck(Kind.TCP, null, hostPort, DEFAULT_INTERVAL, DEFAULT_TIMEOUT);
    }

    /** No check: healthy while registered. */
    public static HealthCheck none() {
        return new HealthCheck(Kind.NONE, null, null, null, null);
    }
}
