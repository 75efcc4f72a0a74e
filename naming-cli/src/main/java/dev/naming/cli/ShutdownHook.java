package dev.naming.cli;

/**
 * Runs an action when the JVM is stopped by a signal (Ctrl-C, SIGTERM), so that a registered
 * instance is deregistered and watches are closed; removed again when the command ends on its own.
 */
final class ShutdownHook {

    private final Thread thread;

    private ShutdownHook(Thread thread) {
        this.thread = thread;
    }

    static ShutdownHook install(String name, Runnable action) {
        Thread thread = new Thread(action, name);
        Runtime.getRuntime().addShutdownHook(thread);
        return new ShutdownHook(thread);
    }

    /** Removes the hook; does nothing once the JVM is shutting down (the hook then runs). */
    void remove() {
        try {
            Runtime.getRuntime().removeShutdownHook(thread);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run: nothing left to undo
        }
    }
}
