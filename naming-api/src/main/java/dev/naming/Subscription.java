package dev.naming;

/**
 * A listener's interest in one service, returned by {@link Naming#subscribe}. Closing it stops
 * deliveries to its listener; closing the last subscription to a service stops that service's
 * backend watch. Closing twice does nothing.
 */
public interface Subscription extends AutoCloseable {

    /** The watched service's name. */
    String serviceName();

    /** Whether this subscription still receives lists. */
    boolean isActive();

    @Override
    void close();
}
