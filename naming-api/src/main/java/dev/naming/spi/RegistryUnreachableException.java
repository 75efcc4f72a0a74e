package dev.naming.spi;

import dev.naming.NamingException;

/**
 * The registry could not be reached, or could not serve: every server refused the connection,
 * timed out, or answered that it is overloaded or failing (429, 5xx, a protect mode). A backend
 * throws it (or lets {@link Endpoints#call} throw it) for a failure that trying again later may
 * cure, as opposed to an answer: a refusal, an unknown instance, a request the registry rejects is
 * a plain {@link NamingException}.
 *
 * <p>The shared machinery tells them apart: a registration that fails this way is kept and
 * registered once the registry answers ({@link dev.naming.RegistrationPendingException}), and the
 * failure counts towards the registry being unreachable; one refused is dropped and thrown as it
 * came.
 */
public class RegistryUnreachableException extends NamingException {

    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message}, which names the registry and what was asked. */
    public RegistryUnreachableException(String message) {
        super(message);
    }

    /** A failure described by {@code message}, caused by {@code cause} (the last server's error). */
    public RegistryUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
