package dev.naming;

/**
 * A registry could not do what was asked: it is unreachable, refused the request or answered
 * something unexpected. Bad input is reported with {@link IllegalArgumentException} instead,
 * before any request is sent.
 */
public class NamingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public NamingException(String message) {
        super(message);
    }

    public NamingException(String message, Throwable cause) {
        super(message, cause);
    }
}
