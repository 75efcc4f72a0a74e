package dev.naming.spi;

/**
 * A backend's running watch of one service, stopped when the last subscription to the service
 * closes. {@link #close()} must return promptly even while a read is blocked.
 */
@FunctionalInterface
public interface ServiceWatch extends AutoCloseable {

    @Override
    void close();
}
