package dev.naming;

import java.time.Instant;
import java.util.Optional;

/**
 * A listener's interest in one service, returned by {@link Naming#subscribe}. Closing it stops
 * deliveries to its listener; closing the last subscription to a service stops that service's
 * backend watch. Closing twice does nothing.
 *
 * <p>It belongs to whoever called {@code subscribe}: nothing else can end it but {@link #close()}
 * on this handle (or closing the whole {@code Naming}). Other subscriptions to the same service,
 * through the same {@code Naming} — another component's, a gRPC channel's — are never affected by
 * this one's close, which is why the API has no way to end subscriptions by service name.
 */
public interface Subscription extends AutoCloseable {

    /** The watched service's name. */
    String serviceName();

    /** Whether this subscription still receives lists. */
    boolean isActive();

    /**
     * When the registry last confirmed this service's list: a read, or a blocking query or long
     * poll that ended without a change. Empty before the first list. While the registry answers,
     * this is at most about one backend hold old (Consul's {@code wait}, discovery's poll hold,
     * both under a minute by default); a gateway can alert on a list older than it accepts. A list
     * read back from the {@code snapshot} directory, before the registry's first answer, carries
     * the time the registry confirmed it, as stored.
     */
    Optional<Instant> lastConfirmed();

    /**
     * Whether the registry answers this subscription's watch: {@code false} from the watch's
     * failure, or from the moment its {@code Naming} finds the registry unreachable (through any of
     * its calls: a watch, {@code find}, the keep-alive); {@code true} again as soon as any call of
     * the {@code Naming} succeeds after that, when every watch backing off reads again within
     * 250 ms. While it is {@code false} the list is the last one the registry confirmed — or the
     * one read back from the {@code snapshot} directory, for which it stays {@code false} until
     * the registry's first answer.
     */
    boolean registryReachable();

    @Override
    void close();
}
