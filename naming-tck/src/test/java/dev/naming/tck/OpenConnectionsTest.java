package dev.naming.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenConnectionsTest {

    @Test
    void countsEstablishedConnectionsToAPort() throws IOException {
        assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "no /proc/net/tcp: not Linux");
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = server.getLocalPort();
            assertEquals(0, OpenConnections.to(port));
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    sockets.add(new Socket(InetAddress.getLoopbackAddress(), port));
                    sockets.add(server.accept());
                }
                // the clients' ends: the server's ends have the port as their local one
                assertEquals(2, OpenConnections.to(port));
            } finally {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
        }
    }
}
