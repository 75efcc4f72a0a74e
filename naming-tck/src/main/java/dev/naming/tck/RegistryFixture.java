package dev.naming.tck;

import dev.naming.Naming;
import dev.naming.ServiceRegistration;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

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

    /** Whether {@link #restartWithStateLoss()} works. */
    default boolean supportsRestart() {
        return supportsOutage() && supportsStateLoss();
    }

    /**
     * Restarts the registry without its data, as a dev-mode agent or a discovery node restarting
     * would: clients lose their connections and, when the registry answers again, it has forgotten
     * every registration. The default is an outage, a state loss and the end of the outage;
     * a fixture whose server restarts in a more telling way (an index that starts again from 1)
     * does that instead.
     */
    default void restartWithStateLoss() {
        setReachable(false);
        loseState();
        setReachable(true);
    }

    /**
     * The grace window the fixture's {@code Naming}s hold removals for after a state-loss sign
     * (their {@code grace} URI parameter): longer than it takes owners to register again, short
     * enough to keep the suite quick.
     */
    default Duration stateLossGrace() {
        return Duration.ofSeconds(10);
    }

    /** Whether the backend and the fixture's registry can drain instances. */
    default boolean supportsDrain() {
        return true;
    }

    /** How long after {@link #loseState()} the library must have registered its instances again. */
    default Duration reRegistrationDeadline() {
        return Duration.ofSeconds(10);
    }

    /**
     * How often the library reports a registration made through {@link #adapt} alive (TTL pass,
     * renewal): a registry that lost its state has the instance back within one such interval.
     */
    default Duration heartbeatInterval() {
        return reRegistrationDeadline();
    }

    /**
     * Adjusts a registration so this backend can carry it (for example a short TTL the test set-up
     * can expire). The default returns it unchanged. With a TTL check of at most 20 s the suite
     * expects an instance whose heartbeats stopped to be hidden within three TTLs plus the
     * {@link #propagationDeadline()}; a registry that cannot (an eviction after minutes) should
     * give another check here, and that test is skipped.
     */
    default ServiceRegistration adapt(ServiceRegistration registration) {
        return registration;
    }

    /** Ways a test set-up can make a registry misbehave, for the fault suite. */
    enum Fault {
        /** Connections refused or dropped. */
        UNREACHABLE,
        /** HTTP 429 Too Many Requests. */
        TOO_MANY_REQUESTS,
        /** HTTP 503 Service Unavailable. */
        UNAVAILABLE,
        /** HTTP 500, or the registry's own server-error code. */
        SERVER_ERROR,
        /** bilibili/discovery's protect mode: reads answer -500. */
        PROTECT_MODE,
        /** Replies that are not the JSON the protocol promises. */
        MALFORMED_REPLIES,
        /** Replies slower than the client's read timeout. */
        SLOW_REPLIES
    }

    /** The faults {@link #inject} can start on this registry. */
    default Set<Fault> faults() {
        return supportsOutage() ? EnumSet.of(Fault.UNREACHABLE) : EnumSet.noneOf(Fault.class);
    }

    /** Starts {@code fault}; it lasts until {@link #heal()}. */
    default void inject(Fault fault) {
        if (fault != Fault.UNREACHABLE) {
            throw new UnsupportedOperationException(fault.name());
        }
        setReachable(false);
    }

    /** Ends every injected fault. */
    default void heal() {
        setReachable(true);
    }

    /** What the registry's server received, where the fixture's server records it. */
    default Optional<RequestLog> requestLog() {
        return Optional.empty();
    }

    /** The port the registry's server listens on, where there is one, for counting connections. */
    default OptionalInt serverPort() {
        return OptionalInt.empty();
    }

    /** The requests a registry's server received. */
    interface RequestLog {

        /** Requests received so far. */
        long count();

        /** Every request target received so far, raw (still percent-encoded): path and query. */
        List<String> rawTargets();

        /**
         * Whether a raw request target is one of the endpoints the backend means to call, with
         * every caller-supplied part inside one encoded path segment or query value.
         */
        boolean isIntendedEndpoint(String rawTarget);
    }

    /** Stops what the fixture started. */
    @Override
    void close();
}
