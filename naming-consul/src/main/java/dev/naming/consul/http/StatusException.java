package dev.naming.consul.http;

import java.io.IOException;

/** The agent answered with a status other than 2xx; the message has the start of the agent's own. */
public final class StatusException extends IOException {

    private static final long serialVersionUID = 1L;
    private final int status;

    public StatusException(int status, String agent, String message) {
        super("agent " + agent + " answered HTTP " + status + summary(message));
        this.status = status;
    }

    private static String summary(String message) {
        String line = message.lines().findFirst().orElse("").strip();
        return line.isEmpty() ? "" : ": " + (line.length() > 200 ? line.substring(0, 200) + "…" : line);
    }

    public int status() {
        return status;
    }
}
