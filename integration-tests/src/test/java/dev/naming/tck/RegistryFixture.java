package dev.naming.tck;

import dev.naming.Naming;
import dev.naming.ServiceRegistration;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * One registry under test, as the conformance suite sees it: a way to open {@link Naming}s on it
 * (each one standing for a separate process) and, where the backend's test set-up can, switches
 * for faults. A suite test that needs a switch the fixture lacks is skipped, not failed.
 */
public interface RegistryFixture extends AutoCloseable {

    /** A new {@code Naming} on this registry; the suite closes it. */
    Naming connect();

    /** Upper bound for a change made through one {@code Naming} to reach another's subscriber. */
    default Duration propagationDeadline() {
        return Duration.ofSeconds(10);
    }

    /**
     * How long the suite watches for something that must <em>not</em> happen (a delivery while the
     * registry is down, a delivery for a change a filter excludes). Long enough for a wrong
     * delivery to show up on this backend; every such window adds to the suite's run time.
     */
    default Duration quietWindow() {
        return Duration.ofSeconds(1);
    }

    /**
     * How long the suite checks that a registered instance stays visible. Give registrations a
     * short TTL in {@link #adapt} so that this window spans several heartbeats.
     */
    default Duration livenessWindow() {
        return Duration.ofSeconds(3);
    }

    /** Whether {@link #setReachable(boolean)} works. */
    default boolean supportsOutage() {
        return false;
    }

    /** Makes the registry unreachable ({@code false}) or reachable again ({@code true}). */
    default void setReachable(boolean reachable) {
        throw new UnsupportedOperationException("outage");
    }

    /**
     * How many watch requests (blocking queries, long polls, streams) the registry is holding open
     * for clients right now, if the fixture can count them; empty otherwise. Lets the suite check
     * that connections grow with watched services, never with subscribers.
     */
    default OptionalInt openWatchRequests() {
        return OptionalInt.empty();
    }

    /** Whether {@link #loseState()} works. */
    default boolean supportsStateLoss() {
        return false;
    }

    /** Makes the registry forget every registration, as an agent restart or an eviction would. */
    default void loseState() {
        throw new UnsupportedOperationException("state loss");
    }

    /** How long after {@link #loseState()} the library must have registered its instances again. */
    default Duration reRegistrationDeadline() {
        return Duration.ofSeconds(10);
    }

    /**
     * Adjusts a registration so this backend can carry it (for example a short TTL the test set-up
     * can expire). The default returns it unchanged.
     */
    default ServiceRegistration adapt(ServiceRegistration registration) {
        return registration;
    }

    /** Stops what the fixture started. */
    @Override
    void close();
}
