package dev.naming.spi;

import dev.naming.NamingException;
import dev.naming.ServiceRegistration;
import java.time.Duration;

/**
 * A backend's registration calls: one request each, no scheduling, no retries, no memory of what
 * was registered. The shared keep-alive behind {@link AbstractNaming} decides when each is made:
 * it renews every registration at its {@link #renewInterval}, registers again what the registry
 * forgot, probes an unreachable registry with backoff and renews everything at once when it
 * answers again. Calls for one id may run concurrently from a caller and from the keep-alive; the
 * keep-alive repairs the outcome afterwards, so a backend needs no locks of its own for them.
 */
public interface Registrar {

    /** What a renewal found. */
    enum Renewal {
        /** The registry knows the instance and has renewed it. */
        ALIVE,
        /** The registry does not know the instance (it restarted, evicted or lost it): register again. */
        FORGOTTEN
    }

    /**
     * Registers or replaces {@code registration}.
     *
     * @param replaced the registration of the same id this one replaces, as last sent by this
     *                 {@code Naming}, or {@code null}: a backend whose record is keyed by more than
     *                 the id (discovery: appid and hostname) removes the old record when the key moved
     * @throws NamingException when the registry refused it or could not be reached
     */
    void register(ServiceRegistration registration, ServiceRegistration replaced);

    /**
     * Tells the registry the instance is alive.
     *
     * @throws NamingException when the registry could not be reached or answered an error
     */
    Renewal renew(ServiceRegistration registration);

    /**
     * Removes an instance; an id the registry does not know is not an error.
     *
     * @param last the registration last sent for this id, or {@code null} when this {@code Naming}
     *             never registered it (a backend that needs more than the id may then do nothing)
     * @throws NamingException when the registry could not be reached
     */
    void deregister(String serviceId, ServiceRegistration last);

    /** How often {@code registration} is renewed while the registry answers. */
    Duration renewInterval(ServiceRegistration registration);
}
