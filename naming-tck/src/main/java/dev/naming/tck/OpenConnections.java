package dev.naming.tck;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Counts established TCP connections to a local port, from {@code /proc/net/tcp{,6}} (Linux): the
 * fault suite checks with it that closed {@code Naming}s leave no connection to
 * {@link RegistryFixture#serverPort()} open; public for benchmarks that watch the same.
 */
public final class OpenConnections {

    private OpenConnections() {
    }

    /** Established connections whose remote end is {@code port}; -1 where /proc is not available. */
    public static int to(int port) {
        int count = 0;
        boolean read = false;
        for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(file))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length < 4 || !f[3].equals("01")) {
                        continue;
                    }
                    String remote = f[2];
                    int remotePort = Integer.parseInt(remote.substring(remote.indexOf(':') + 1), 16);
                    if (remotePort == port) {
                        count++;
                    }
                }
                read = true;
            } catch (IOException | RuntimeException e) {
                // not Linux, or no IPv6: the other file may still answer
            }
        }
        return read ? count : -1;
    }
}
