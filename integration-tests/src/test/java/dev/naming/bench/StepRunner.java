package dev.naming.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Runs the benchmark's steps one at a time so that a step that fails (an agent that stops answering
 * on a loaded machine) is reported as failed and the others go on: the failure is printed, recorded
 * in the results with its error, and the results written so far (the figures of every step, the
 * failed one's up to its failure) are written out again after every step, so a run cut short keeps
 * what it measured.
 */
final class StepRunner {

    /** One step's work. */
    interface Step {
        void run() throws Exception;
    }

    private final BenchResults results;
    private final Path out;

    /** @param out where the results are written after each step; {@code null} for nowhere */
    StepRunner(BenchResults results, Path out) {
        this.results = results;
        this.out = out;
    }

    /** Runs {@code step}; {@code true} if it completed, {@code false} if it failed (recorded, not thrown). */
    boolean run(String backend, String name, Step step) {
        double[] loadStart = BenchResults.loadAverage();
        System.out.printf(Locale.ROOT, "-- %s: %s (load %s)%n", backend, name, BenchResults.formatLoad(loadStart));
        long start = System.nanoTime();
        String error = null;
        try {
            step.run();
        } catch (Exception | Error e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            error = describe(e);
            System.out.printf(Locale.ROOT, "-- %s: %s FAILED: %s%n", backend, name, error);
            printTrace(e);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double[] loadEnd = BenchResults.loadAverage();
        results.step(new BenchResults.Step(backend, name, Math.round(seconds * 10) / 10.0, error, loadStart, loadEnd));
        if (error == null) {
            System.out.printf(Locale.ROOT, "-- %s: %s done in %.1f s (load %s)%n", backend, name, seconds,
                    BenchResults.formatLoad(loadEnd));
        }
        if (out != null) {
            try {
                results.write(out);
            } catch (IOException e) {
                System.out.println("-- cannot write the results to " + out + ": " + e);
            }
        }
        return error == null;
    }

    /** The failure and each cause with its first frames: where it failed, without the test harness's frames. */
    private static void printTrace(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 6; depth++, t = t.getCause() == t ? null : t.getCause()) {
            System.out.println((depth == 0 ? "" : "caused by: ") + t);
            StackTraceElement[] frames = t.getStackTrace();
            for (int i = 0; i < Math.min(frames.length, 10); i++) {
                System.out.println("\tat " + frames[i]);
            }
        }
    }

    /** The failure and its causes on one line: {@code IllegalStateException: x ← SocketTimeoutException: y}. */
    static String describe(Throwable failure) {
        StringBuilder sb = new StringBuilder();
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 6; depth++, t = t.getCause() == t ? null : t.getCause()) {
            if (depth > 0) {
                sb.append(" ← ");
            }
            sb.append(t.getClass().getSimpleName());
            if (t.getMessage() != null) {
                sb.append(": ").append(t.getMessage());
            }
        }
        return sb.toString();
    }
}
