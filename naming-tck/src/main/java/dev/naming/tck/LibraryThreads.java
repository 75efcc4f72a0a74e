package dev.naming.tck;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The library's live threads (named {@code naming-*}), as a snapshot a test can compare later
 * ones against. Threads are JVM-wide, so a test counts only those started after its snapshot.
 */
final class LibraryThreads {

    /**
     * The shared dispatcher's bound: {@code AbstractNaming} runs listener calls on at most this
     * many threads per {@code Naming}, however many subscriptions there are.
     */
    static final int DISPATCHER_BOUND = 16;

    private final Set<Thread> before;

    private LibraryThreads(Set<Thread> before) {
        this.before = before;
    }

    /** Remembers the library threads alive now. */
    static LibraryThreads snapshot() {
        return new LibraryThreads(alive());
    }

    /** Library threads started since the snapshot and still alive. */
    List<String> started() {
        Set<Thread> now = alive();
        now.removeAll(before);
        return now.stream().map(Thread::getName).sorted().toList();
    }

    /**
     * Threads started since the snapshot other than the fixed-size pools every {@code Naming}
     * has (listener dispatchers and the warm-up timer): the watch, connection and heartbeat
     * threads whose number must follow watched services and registrations, not subscribers.
     */
    List<String> startedBackground() {
        return started().stream().filter(n -> !n.contains("-dispatch") && !n.endsWith("-timer")).toList();
    }

    /** Listener dispatcher threads started since the snapshot. */
    List<String> startedDispatchers() {
        return started().stream().filter(n -> n.contains("-dispatch")).toList();
    }

    private static Set<Thread> alive() {
        Set<Thread> threads = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("naming-")) {
                threads.add(t);
            }
        }
        return threads;
    }
}
