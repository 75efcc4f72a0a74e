package dev.naming;

/**
 * A registry could not do what was asked: it is unreachable, refused the request or answered
 * something unexpected. Bad input is reported with {@link IllegalArgumentException} instead,
 * before any request is sent.
 */
public class NamingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message}, which names the registry and what was asked. */
    public NamingException(String message) {
        super(message);
    }

    /** A failure described by {@code message}, caused by {@code cause} (an I/O error, a refusal). */
    public NamingException(String message, Throwable cause) {
        super(message, cause);
    }
}
