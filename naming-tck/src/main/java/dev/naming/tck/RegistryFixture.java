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
 * One registry under test, as the suites see it: the contract a backend's author implements to run
 * {@link NamingConformanceSuite} and {@link RegistryFaultSuite} against their backend.
 *
 * <h2>Life cycle</h2>
 * A suite calls its {@code createFixture()} once per test, before the test, and {@link #close()}
 * after it, once every {@code Naming} the test opened is closed. A fixture may start a registry of
 * its own (an in-process server, a container) or use a shared one: every test uses service names and
 * ids of its own, so tests sharing a registry cannot see each other's instances. A fixture that
 * shares one must still undo in {@code close()} what its switches changed (reachability, faults).
 *
 * <h2>What is required</h2>
 * Only {@link #connect()} and {@link #close()}. Every {@code Naming} it returns stands for a separate
 * process: several of them on one fixture must reach the same registry, and one's registrations must
 * become visible to another's {@code find} and subscriptions. The defaults suit a registry that
 * propagates a change within seconds; tune the timings below for a slower or a faster one.
 *
 * <h2>What is optional</h2>
 * The switches ({@link #setReachable}, {@link #loseState}, {@link #restartWithStateLoss},
 * {@link #inject}) and the probes ({@link #requestLog()}, {@link #openWatchRequests()},
 * {@link #serverPort()}) let the suites check the rules that need a registry to misbehave or a view
 * of the wire. Each comes with a {@code supports…()} or an empty default; a test that needs one the
 * fixture lacks is <em>skipped</em> with a message naming the missing switch, never failed. Each
 * switch you add turns skipped tests into real ones: a backend that claims the contract should
 * provide at least {@link #setReachable} and {@link #loseState}.
 *
 * <h2>A minimal fixture</h2>
 * <pre>{@code
 * public final class MyRegistryFixture implements RegistryFixture {
 *     private final MyTestServer server = MyTestServer.start();        // port 0, in-process
 *
 *     public Naming connect() {
 *         return Naming.connect("myregistry://127.0.0.1:" + server.port());
 *     }
 *
 *     public boolean supportsOutage() { return true; }
 *
 *     public void setReachable(boolean reachable) { server.acceptConnections(reachable); }
 *
 *     public void close() { server.stop(); }
 * }
 * }</pre>
 *
 * <h2>Threads and logs</h2>
 * The suites count the library's threads by name: threads the backend starts should be named
 * {@code naming-…} and end with the {@code Naming} or the watch that started them. One test reads
 * the line logged when a listener throws, from {@code System.err} and from {@code java.util.logging}:
 * it needs no set-up with slf4j-simple, Logback's console appender or no SLF4J provider at all (the
 * library then logs through {@code java.util.logging}, which the test reads directly). A Log4j 2
 * console appender needs {@code follow="true"} to write to the stream the test installs; a set-up
 * that writes only to files fails that test.
 */
public interface RegistryFixture extends AutoCloseable {

    /**
     * A new {@code Naming} on this registry, standing for one process; the suite closes it before
     * {@link #close()}. Each call returns a new, independent instance (its own registrations, its
     * own watches), all of them reaching the same registry. Fixed settings a test set-up needs (short
     * timeouts, a short {@code grace}) belong in the URI or configuration used here.
     */
    Naming connect();

    /**
     * A new {@code Naming} as {@link #connect()} gives, with {@code parameters} added to its URI
     * (the suite adds {@code snapshot}, a directory); empty (the default) when this fixture cannot
     * add URI parameters, and the tests that need one are skipped.
     */
    default java.util.Optional<Naming> connect(java.util.Map<String, String> parameters) {
        return java.util.Optional.empty();
    }

    /**
     * Upper bound for a change made through one {@code Naming} to reach another's {@code find} and
     * subscribers. Every wait of the suites is bounded by it (or a multiple): too short fails
     * correct backends on a loaded machine, too long only slows failing runs.
     */
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

    /**
     * Whether {@link #setReachable(boolean)} works. Without it the outage rules (rule 4 of the
     * contract, find-from-watch while down, the expiry of an instance whose heartbeats stopped) are
     * skipped.
     */
    default boolean supportsOutage() {
        return false;
    }

    /**
     * Makes the registry unreachable ({@code false}) or reachable again ({@code true}) for every
     * {@code Naming} of this fixture: requests fail as they would with the server down (connections
     * refused or dropped), and requests already held open (blocking queries, long polls) fail too.
     * The registry keeps its data: when it is reachable again it holds what it held before, as a
     * network partition would leave it. The suites always make it reachable again before
     * {@link #close()}.
     */
    default void setReachable(boolean reachable) {
        throw new UnsupportedOperationException("outage");
    }

    /**
     * How many watch requests (blocking queries, long polls, streams) the registry is holding open
     * for clients right now, if the fixture can count them; empty otherwise. Lets the suite check
     * that connections grow with watched services, never with subscribers. A registry that is not
     * HTTP counts whatever its server holds per watch (open streams, registered file watches,
     * push subscriptions); one that holds nothing (a client that polls) leaves it empty, and that
     * one case is skipped with a message that names this method.
     */
    default OptionalInt openWatchRequests() {
        return OptionalInt.empty();
    }

    /** Whether {@link #loseState()} works; without it the re-registration rules are skipped. */
    default boolean supportsStateLoss() {
        return false;
    }

    /**
     * Makes the registry forget every registration, as an agent restart or an eviction would, while
     * it stays reachable. The library must then register its instances again by itself, within
     * {@link #reRegistrationDeadline()}.
     */
    default void loseState() {
        throw new UnsupportedOperationException("state loss");
    }

    /**
     * Whether {@link #restartWithStateLoss()} works: by default when both outage and state loss do.
     * Answer {@code false} when the restart shows a watch no sign of the loss that the library could
     * act on, and the hold-through-restart cases are skipped.
     */
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

    /**
     * Whether the backend and the fixture's registry can drain instances ({@code Naming.drain},
     * {@code close(Duration)}); {@code false} skips the draining cases.
     */
    default boolean supportsDrain() {
        return true;
    }

    /** How long after {@link #loseState()} the library must have registered its instances again. */
    default Duration reRegistrationDeadline() {
        return Duration.ofSeconds(10);
    }

    /**
     * How often the library reports a registration made through {@link #adapt} alive (TTL pass,
     * renewal): a registry that lost its state has the instance back within one such interval (plus
     * half a second), which the fault suite checks after {@link #loseState()}.
     *
     * <p>The default is {@link #reRegistrationDeadline()}, itself 10 s by default: a fixture that
     * leaves both alone is checked against a 10 s bound, loose for a backend that renews every
     * second and too tight for one that renews every 30 s. Give your backend's renewal interval
     * for the registrations {@link #adapt} makes.
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

    /**
     * Ways a test set-up can make a registry misbehave, for the fault suite. The names are HTTP's;
     * a registry that is not HTTP injects its own equivalent (its server-error answer for
     * {@link #SERVER_ERROR}, its throttling answer for {@link #TOO_MANY_REQUESTS}, an unreadable
     * reply for {@link #MALFORMED_REPLIES}) and lists in {@link RegistryFixture#faults()} only those
     * it has.
     */
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

    /**
     * The longest pause between a failing watch's retries that this fixture's {@code Naming}s use
     * (the backend's retry cap, e.g. a {@code retryMax} URI parameter), for a backend whose watch
     * retries on its own; empty (the default) for one that is told when the registry is back. With
     * it, a {@link #requestLog()} that tells {@linkplain RequestLog#isWatchRequest watch requests}
     * apart and a fault whose requests reach the server ({@link Fault#SERVER_ERROR},
     * {@link Fault#UNAVAILABLE}, {@link Fault#TOO_MANY_REQUESTS}, {@link Fault#PROTECT_MODE} or
     * {@link Fault#MALFORMED_REPLIES}, the first of them in {@link #faults()}), the fault suite runs a fault
     * for eight caps and checks that the watch retries at least once per cap all along. Keep it
     * short (about a second) in the fixture's configuration: the case lasts eight of them.
     */
    default Optional<Duration> retryCap() {
        return Optional.empty();
    }

    /**
     * The faults {@link #inject} can start on this registry: the fault suite runs its fault case once
     * per {@link Fault} and skips the ones missing here. By default {@link Fault#UNREACHABLE} when
     * {@link #supportsOutage()}.
     */
    default Set<Fault> faults() {
        return supportsOutage() ? EnumSet.of(Fault.UNREACHABLE) : EnumSet.noneOf(Fault.class);
    }

    /**
     * Starts {@code fault} on every request from now on, for every {@code Naming} of the fixture; it
     * lasts until {@link #heal()}. Only faults listed in {@link #faults()} are asked for.
     */
    default void inject(Fault fault) {
        if (fault != Fault.UNREACHABLE) {
            throw new UnsupportedOperationException(fault.name());
        }
        setReachable(false);
    }

    /**
     * Ends every injected fault and outage. Called by the fault suite after every test, also when
     * nothing was injected: it must then do nothing (or throw {@link UnsupportedOperationException},
     * which is ignored).
     */
    default void heal() {
        setReachable(true);
    }

    /**
     * What the registry's server received from this fixture's {@code Naming}s, where the fixture can
     * see it (an emulator that records its requests, a proxy in front of the registry). A registry
     * that is not HTTP logs each call as one line of its own making, its operation first and the
     * caller's values after it, as {@code InMemoryFixture} in this project's integration-tests does
     * ({@code "register a"}, {@code "watch chat.logic"}); {@link RequestLog#isIntendedEndpoint} then
     * checks the operation. With it the
     * suites check that invalid input sends nothing, that {@code find} on a watched service answers
     * without a request, that a fault does not make a watch retry in a hot loop, and that no
     * caller-supplied value can steer a request to another endpoint. Without it those cases are
     * skipped (or, in the fault suite, check less).
     */
    default Optional<RequestLog> requestLog() {
        return Optional.empty();
    }

    /**
     * The local port the registry's server listens on, where there is one: the fault suite counts the
     * established connections to it (on Linux) to check that closed {@code Naming}s leave none open.
     */
    default OptionalInt serverPort() {
        return OptionalInt.empty();
    }

    /**
     * The requests a registry's server received, in the order they arrived. Every request counts
     * once, whatever it is (a read, a watch, a heartbeat, a registration) and however it ended;
     * counting must go on during an outage or a fault for the requests that reached the server.
     */
    interface RequestLog {

        /** Requests received so far: never decreases. */
        long count();

        /**
         * Every request target received so far, raw (still percent-encoded): path and query; for a
         * registry that is not HTTP, one line per call as the fixture writes it.
         */
        List<String> rawTargets();

        /**
         * Whether a raw request target is one of the endpoints the backend means to call, with
         * every caller-supplied part inside one encoded path segment or query value.
         */
        boolean isIntendedEndpoint(String rawTarget);

        /**
         * Whether a raw request target is one a watch sends to read a service's list (a blocking
         * query, a long poll, the read that follows a failure), as opposed to registrations,
         * heartbeats and housekeeping. The fault suite times a failing watch's retries by them. By
         * default every request counts, which suits a fixture whose {@code Naming}s in that case
         * send nothing else.
         */
        default boolean isWatchRequest(String rawTarget) {
            return true;
        }
    }

    /**
     * Stops what the fixture started, after every {@code Naming} of the test is closed; a fixture on
     * a shared registry makes it reachable again and removes its faults here.
     */
    @Override
    void close();
}
