package dev.naming.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Established TCP connections from this JVM to a port, counted from the kernel's tables, not
 * inferred from a client's settings: the sockets this process holds ({@code /proc/self/fd}, links
 * {@code socket:[inode]}) matched against {@code /proc/net/tcp} and {@code tcp6} (state {@code 01},
 * remote port {@code port}). Other processes' connections to the same agent (another engineer's
 * client, a separate agent's own) do not count.
 */
public final class OwnConnections {

    private OwnConnections() {
    }

    /** Established connections of this process whose remote end is {@code port}; -1 where /proc cannot be read. */
    public static int to(int port) {
        Set<String> open = open(port);
        return open == null ? -1 : open.size();
    }

    /**
     * Established connections of this process to {@code port} that were not among {@code before}
     * (a set {@link #open} returned): those of the client measured, not those an earlier step's
     * closed clients left for the agent's idle timeout to end; -1 where /proc cannot be read.
     */
    public static int openedSince(Set<String> before, int port) {
        Set<String> open = open(port);
        if (open == null || before == null) {
            return -1;
        }
        open.removeAll(before);
        return open.size();
    }

    /** The socket inodes of this process's established connections to {@code port}; {@code null} where /proc cannot be read. */
    public static Set<String> open(int port) {
        Set<String> inodes = socketInodes();
        if (inodes == null) {
            return null;
        }
        Set<String> open = new HashSet<>();
        boolean read = false;
        for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(file))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length < 10 || !f[3].equals("01")) {
                        continue;
                    }
                    String remote = f[2];
                    int remotePort = Integer.parseInt(remote.substring(remote.indexOf(':') + 1), 16);
                    if (remotePort == port && inodes.contains(f[9])) {
                        open.add(f[9]);
                    }
                }
                read = true;
            } catch (IOException | RuntimeException e) {
                // no IPv6: the other file still answers
            }
        }
        return read ? open : null;
    }

    /** The inodes of this process's sockets; {@code null} where /proc/self/fd cannot be read. */
    private static Set<String> socketInodes() {
        Set<String> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return inodes;
    }
}
