package dev.naming.consul;

import static org.awaitility.Awaitility.await;

import dev.naming.NamingUri;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The process of the Consul agent named by {@code NAMING_TEST_CONSUL}, when the run was also told
 * how to control it: its PID in {@value #PID_ENV}, and in {@value #RESTART_ENV} a shell command that
 * starts it again on the same directory and port and prints the new PID (as
 * {@code shared/consul/start-agent.sh} does). {@code .ci/run} sets both for the agents it starts.
 *
 * <p>An outage is the process stopped ({@code kill -STOP}): the agent keeps its connections and
 * its data but answers nothing, as a frozen or partitioned agent would, until {@code kill -CONT}.
 * A restart is the process killed ({@code kill -KILL}, which also ends a stopped one) and the command
 * run: a dev agent keeps everything in memory, so the new one has forgotten every registration and
 * counts its indexes from the start again, which is what a real agent restart shows a client.
 *
 * <p>One agent serves every test of the JVM while its PID changes with each restart, so there is one
 * instance per JVM ({@link #fromEnvironment}); its methods are synchronized because the fixtures of
 * consecutive tests share it.
 */
final class AgentProcess {

    /** The environment variable with the PID of the agent of {@code NAMING_TEST_CONSUL}. */
    static final String PID_ENV = "NAMING_TEST_CONSUL_PID";
    /** The environment variable with the shell command that starts the agent again and prints its PID. */
    static final String RESTART_ENV = "NAMING_TEST_CONSUL_RESTART";

    /** How long a killed agent may take to let go of its port: an exit is milliseconds. */
    private static final Duration EXIT_DEADLINE = Duration.ofSeconds(10);
    /** How long the start command may run: start-agent.sh gives up after 15 s of waiting for a leader. */
    private static final Duration START_DEADLINE = Duration.ofSeconds(40);
    /** How long a signal's {@code kill} may take. */
    private static final Duration SIGNAL_DEADLINE = Duration.ofSeconds(10);

    private static AgentProcess shared;

    private final String restartCommand;
    private final AgentProbe probe;
    private long pid;
    private boolean stopped;
    private boolean killed;

    private AgentProcess(long pid, String restartCommand, AgentProbe probe) {
        this.pid = pid;
        this.restartCommand = restartCommand;
        this.probe = probe;
    }

    /**
     * The process of the agent {@code uri} names when both {@value #PID_ENV} and {@value #RESTART_ENV}
     * are set, the same instance for every call of the JVM; empty otherwise (the agent is then not
     * ours to stop).
     */
    static synchronized Optional<AgentProcess> fromEnvironment(NamingUri uri) {
        String pid = System.getenv(PID_ENV);
        String restart = System.getenv(RESTART_ENV);
        if (pid == null || pid.isBlank() || restart == null || restart.isBlank()) {
            return Optional.empty();
        }
        if (shared == null) {
            shared = new AgentProcess(Long.parseLong(pid.trim()), restart, new AgentProbe(uri));
        }
        return Optional.of(shared);
    }

    /** Stops the agent ({@code SIGSTOP}): it keeps its connections and data and answers nothing. */
    synchronized void stop() {
        if (!stopped && !killed) {
            signal("STOP");
            stopped = true;
        }
    }

    /** Lets a stopped agent run again ({@code SIGCONT}), or starts a killed one again. */
    synchronized void resume() {
        if (killed) {
            start();
        } else if (stopped) {
            signal("CONT");
            stopped = false;
        }
    }

    /**
     * Kills the agent, running or stopped, and waits until its HTTP port refuses connections: every
     * connection a client held is closed, and the agent's data is gone. {@link #resume()} or
     * {@link #restart()} starts it again.
     */
    synchronized void kill() {
        if (killed) {
            return;
        }
        signal("KILL");
        killed = true;
        stopped = false;
        // the port is free once the process has exited: only then may the new agent bind it
        await("the killed agent (PID " + pid + ") to release " + probe.address()).atMost(EXIT_DEADLINE)
                .pollInterval(Duration.ofMillis(50)).until(() -> refused(probe.address()));
    }

    /** Kills the agent and starts it again with the restart command; returns once the new one answers. */
    synchronized void restart() {
        kill();
        start();
    }

    /** Runs the restart command, takes the PID it prints and waits until the new agent answers. */
    private void start() {
        Path out = null;
        try {
            out = Files.createTempFile("naming-agent-start", ".out");
            Process p = new ProcessBuilder("bash", "-c", restartCommand)
                    .redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            if (!p.waitFor(START_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("the agent's restart command ran longer than " + START_DEADLINE
                        + ": " + restartCommand);
            }
            List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank()).toList();
            if (p.exitValue() != 0 || lines.isEmpty()) {
                throw new IllegalStateException("the agent's restart command failed (exit " + p.exitValue()
                        + ", output " + lines + "): " + restartCommand);
            }
            pid = Long.parseLong(lines.get(lines.size() - 1).trim());
            killed = false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the agent again", e);
        } finally {
            if (out != null) {
                out.toFile().delete();
            }
        }
        // start-agent.sh already waited for a leader; this is the fixture's own word that it answers
        await("the restarted agent (PID " + pid + ") to answer on " + probe.address()).atMost(START_DEADLINE)
                .pollInterval(Duration.ofMillis(100)).until(probe::answers);
    }

    /** Sends {@code SIGname} to the agent's process through {@code kill}. */
    private void signal(String name) {
        try {
            Process p = new ProcessBuilder("kill", "-" + name, Long.toString(pid))
                    .redirectErrorStream(true).start();
            if (!p.waitFor(SIGNAL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("kill -" + name + " " + pid + " did not return");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + pid + " failed: "
                        + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending SIG" + name + " to the agent", e);
        }
    }

    /** Whether nothing listens on {@code address}. */
    private static boolean refused(InetSocketAddress address) {
        try (Socket s = new Socket()) {
            s.connect(address, 200);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false; // a timeout: something still holds the port
        }
    }
}
