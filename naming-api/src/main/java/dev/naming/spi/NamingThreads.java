package dev.naming.spi;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for the library's threads: daemon, named after what they do. Backends name every
 * thread they start {@code naming-<backend>-<role>} through it, so that a thread left running shows
 * whose it is, and the conformance suite counts it among the library's threads.
 */
public final class NamingThreads {

    private NamingThreads() {
    }

    /** Daemon threads named {@code name}, or {@code name-1}, {@code name-2} … when {@code numbered}. */
    public static ThreadFactory factory(String name, boolean numbered) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread t = new Thread(runnable, numbered ? name + "-" + counter.incrementAndGet() : name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Starts a daemon thread named {@code name} running {@code task}. */
    public static Thread start(String name, Runnable task) {
        Thread t = factory(name, false).newThread(task);
        t.start();
        return t;
    }
}
