package dev.naming.spi;

import dev.naming.ServiceInstance;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Told what a {@link AbstractNaming} does, for metrics: added with
 * {@link AbstractNaming#addObserver}, it hears the same events from every backend, since they come
 * from the machinery the backends share (the watches' cache, the keep-alive, the registration
 * calls). Every method has a no-op default; an observer overrides what it counts.
 *
 * <p>Methods run on the {@code Naming}'s threads — a watch's, the keep-alive's, a dispatcher's, a
 * caller's — sometimes under the {@code Naming}'s locks: an observer returns at once, calls nothing
 * of the {@code Naming}, and needs locks of its own only for its own state. One that throws is
 * logged and otherwise ignored.
 */
public interface NamingObserver {

    /** A call to the registry, as timed by {@link #call}. */
    enum Operation {
        /** One read of a service ({@code find} not answered from a watch). */
        FIND,
        /** A registration, the keep-alive's registering again included. */
        REGISTER,
        /** A renewal of a registration (TTL pass, renew). */
        RENEW,
        /** A deregistration. */
        DEREGISTER,
        /** Taking an instance out of traffic. */
        DRAIN,
        /** Putting a drained instance back. */
        UNDRAIN;

        /** The lower-case name, as a metric's tag value. */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * This {@code Naming} now holds {@code count} subscriptions to {@code service}; {@code 0} means
     * its watch stopped (the last subscription was closed, or the {@code Naming}).
     */
    default void subscriptions(String service, int count) {
    }

    /**
     * The list now handed to the subscriptions of {@code service}, sorted by id, before their tag
     * filters and warm-ups (instances held back through a state loss included).
     */
    default void instances(String service, List<ServiceInstance> instances) {
    }

    /**
     * The registry confirmed the list of {@code service} at {@code at}: a read, or a blocking query
     * or long poll that ended without a change.
     */
    default void confirmed(String service, Instant at) {
    }

    /** A read of the watch of {@code service} failed; it keeps its list and retries. */
    default void watchFailed(String service, Throwable error) {
    }

    /** A listener of a subscription to {@code service} is being called with a new list. */
    default void delivered(String service) {
    }

    /**
     * One call to the registry ended, successfully when {@code failure} is {@code null}.
     *
     * @param took how long it took, the wait for the registry included
     */
    default void call(Operation operation, Duration took, Throwable failure) {
    }

    /** The registry had forgotten {@code serviceId}, registered here: it was registered again. */
    default void reregistered(String serviceId) {
    }

    /**
     * After a sign that the registry lost its state, the removals of {@code service} are held back:
     * {@code held} instances stay in its list for the grace window while they register again.
     */
    default void stateLossHold(String service, int held) {
    }

    /** This {@code Naming} now keeps {@code registered} instances alive, {@code drained} of them drained. */
    default void registrations(int registered, int drained) {
    }
}
