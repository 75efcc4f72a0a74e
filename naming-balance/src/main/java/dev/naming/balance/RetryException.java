package dev.naming.balance;

/**
 * {@link Retry} gave up: every attempt failed, the deadline passed, or no instance was left that had
 * not been tried. The cause is the last attempt's failure; the earlier ones are
 * {@linkplain #getSuppressed() suppressed} in it, in order.
 */
public class RetryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int attempts;

    /** Gave up after {@code attempts} attempts, for the reason {@code message} gives. */
    public RetryException(String message, int attempts, Throwable cause) {
        super(message, cause);
        this.attempts = attempts;
    }

    /** How many attempts were made. */
    public int attempts() {
        return attempts;
    }
}
