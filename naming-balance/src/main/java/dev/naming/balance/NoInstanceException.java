package dev.naming.balance;

import dev.naming.NamingException;

/**
 * A balancer had no instance to pick: its subscription has not delivered a list yet, or the last one
 * was empty. A gateway answers "service unavailable"; the subscription keeps watching and the
 * balancer picks again as soon as a list with instances arrives.
 *
 * <p>It carries no stack trace: it is an expected outcome that a gateway may meet at its message rate
 * during an outage, and the trace would only ever point at {@code pick}.
 */
public class NoInstanceException extends NamingException {

    private static final long serialVersionUID = 1L;

    /** No instance, for the reason {@code message} gives. */
    public NoInstanceException(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
