package dev.naming.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/** Runs the {@code naming} command in this JVM with captured output. */
final class Cli {

    /** What one run printed and returned. */
    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Cli() {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = commandLine(out, err).execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    /** Starts a run on another thread; its output can be read while it runs. */
    static Running start(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = commandLine(out, err);
        CompletableFuture<Result> done = CompletableFuture.supplyAsync(
                () -> new Result(cli.execute(args), out.toString(), err.toString()), Cli::ownThread);
        return new Running(out, done);
    }

    /** A run in progress. */
    record Running(StringWriter out, CompletableFuture<Result> done) {

        /** The lines printed so far. */
        List<String> lines() {
            return out.toString().lines().toList();
        }

        Result result() throws Exception {
            return done.get(10, TimeUnit.SECONDS);
        }
    }

    /** A thread per run: the common pool may have a single thread on a small machine. */
    static void ownThread(Runnable run) {
        Thread t = new Thread(run, "cli-test-run");
        t.setDaemon(true);
        t.start();
    }

    private static CommandLine commandLine(StringWriter out, StringWriter err) {
        CommandLine cli = new NamingCli().commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli;
    }
}
