package dev.naming.consul;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.NamingException;
import dev.naming.consul.emulator.ConsulEmulator;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ConsulTlsRules} on the emulator (HTTPS with HTTP/2, as Consul serves it), and an expired certificate. */
class ConsulTlsRulesTest extends ConsulTlsRules {

    private static final String PASSWORD = "tls-rules-password";

    @TempDir
    static Path dir;
    private static AgentCertificate certificate;
    private static ConsulEmulator tls;
    private static ConsulEmulator plain;

    @BeforeAll
    static void start() throws Exception {
        certificate = AgentCertificate.create(dir, PASSWORD);
        tls = ConsulEmulator.builder().tls(certificate.serverContext()).http2().start();
        plain = ConsulEmulator.start();
    }

    @AfterAll
    static void stop() {
        tls.close();
        plain.close();
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

    @Test
    void anExpiredCertificateIsRefusedEvenFromATrustedAgent() throws Exception {
        Path expiredDir = Files.createDirectory(dir.resolve("expired"));
        AgentCertificate expired = AgentCertificate.createExpired(expiredDir, PASSWORD);
        try (ConsulEmulator agent = ConsulEmulator.builder().tls(expired.serverContext()).http2().start();
             ConsulNaming naming = FastConsul.connect("consul://" + agent.hostPort() + "?" + expired.trustParameters())) {
            NamingException e = assertThrows(NamingException.class, () -> naming.find("tls-rules"));
            StringBuilder why = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                why.append(t).append(" / ");
            }
            assertTrue(why.toString().contains("expired") || why.toString().contains("validity"), why.toString());
        }
    }
}
