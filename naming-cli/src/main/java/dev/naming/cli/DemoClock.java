package dev.naming.cli;

import java.io.PrintWriter;

/** Prints the demo's event lines, {@code +1.23s  actor     what happened}, timed from the demo's start. */
final class DemoClock {

    private final PrintWriter out;
    private final long start = System.nanoTime();

    DemoClock(PrintWriter out) {
        this.out = out;
    }

    /** Seconds since the start. */
    double elapsed() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** One line; called from the demo's thread and from subscription threads, hence synchronized. */
    synchronized void say(String actor, String message) {
        out.println(String.format("%7s  %-8s  %s", String.format("+%.2fs", elapsed()), actor, message));
        out.flush();
    }
}
