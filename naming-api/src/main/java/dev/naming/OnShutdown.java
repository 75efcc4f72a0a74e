package dev.naming;

/**
 * What {@link Naming#closeOnShutdown} arranged: the {@code Naming} is drained, deregistered and
 * closed when the JVM shuts down, unless this is cancelled first.
 */
@FunctionalInterface
public interface OnShutdown {

    /**
     * The JVM's shutdown no longer closes the {@code Naming} (the application closes it itself).
     * Does nothing once the shutdown has begun — the close then runs — or when called again.
     */
    void cancel();
}
