package dev.naming;

/**
 * {@link Naming#register} could not reach the registry, and the registration is <em>pending</em>:
 * the {@code Naming} keeps it and registers it by itself as soon as the registry answers (it
 * probes the registry every half second at most), then keeps it alive like any other — unless
 * {@link Naming#deregister} or {@link Naming#close()} comes first, which drops it.
 *
 * <p>It is thrown rather than logged so that a caller never believes an instance is visible when
 * it is not yet, and never believes nothing will happen either: catch it to start anyway (a
 * gateway whose registry is down at start serves as soon as the registry is back), or let it
 * propagate to stop (closing the {@code Naming} drops the registration).
 */
public class RegistrationPendingException extends NamingException {

    private static final long serialVersionUID = 1L;

    private final String serviceId;

    /**
     * @param serviceId the pending registration's id
     * @param message   what happened, naming the registry
     * @param cause     why the registry could not be reached
     */
    public RegistrationPendingException(String serviceId, String message, Throwable cause) {
        super(message, cause);
        this.serviceId = serviceId;
    }

    /** The id of the registration that is kept and will be registered once the registry answers. */
    public String serviceId() {
        return serviceId;
    }
}
