package dev.naming.consul;

import dev.naming.consul.emulator.ConsulEmulator;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** {@link ConsulTlsRules} on the emulator: HTTPS with HTTP/2 as Consul serves it, an expired certificate, TLS without ALPN. */
class ConsulTlsRulesTest extends ConsulTlsRules {

    private static final String PASSWORD = "tls-rules-password";

    @TempDir
    static Path dir;
    private static AgentCertificate certificate;
    private static ConsulEmulator tls;
    private static ConsulEmulator plain;
    private static AgentCertificate expired;
    private static ConsulEmulator expiredAgent;
    private static ConsulEmulator http1;

    @BeforeAll
    static void start() throws Exception {
        certificate = AgentCertificate.create(dir, PASSWORD);
        tls = ConsulEmulator.builder().tls(certificate.serverContext()).http2().start();
        plain = ConsulEmulator.start();
        expired = AgentCertificate.createExpired(Files.createDirectory(dir.resolve("expired")), PASSWORD);
        expiredAgent = ConsulEmulator.builder().tls(expired.serverContext()).http2().start();
        // the JDK's HTTPS server: TLS without ALPN, so without HTTP/2
        http1 = ConsulEmulator.builder().tls(certificate.serverContext()).start();
    }

    @AfterAll
    static void stop() {
        tls.close();
        plain.close();
        expiredAgent.close();
        http1.close();
    }

    @Override
    String expiredAgent() {
        return "consul://" + expiredAgent.hostPort() + "?" + expired.trustParameters();
    }

    @Override
    String http1Agent() {
        return "consul://" + http1.hostPort() + "?wait=1s&" + certificate.trustParameters();
    }

    @Override
    String tlsAgent() {
        return tls.hostPort();
    }

    @Override
    String trust() {
        return certificate.trustParameters();
    }

    @Override
    String plainAgent() {
        return plain.hostPort();
    }
}
