package dev.naming.consul;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.NamingException;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.consul.emulator.ConsulEmulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS towards the agent: a private CA's certificate is trusted through {@code truststore=}, for
 * registrations (consul-client) and watches alike; without it the JVM's trust store is used, which
 * does not know the certificate. This emulator (the JDK's HTTPS server) speaks no HTTP/2, so the
 * watches also go the way of an agent behind a TLS proxy without it: over HTTP/1.1 and TLS.
 */
class ConsulTlsTest {

    private static final String PASSWORD = "changeit-tls-secret";

    @TempDir
    static Path dir;
    private static ConsulEmulator emulator;
    private static Path truststore;

    @BeforeAll
    static void start() throws Exception {
        AgentCertificate certificate = AgentCertificate.create(dir, PASSWORD);
        truststore = certificate.truststore();
        emulator = ConsulEmulator.builder().tls(certificate.serverContext()).start();
    }

    @AfterAll
    static void stop() {
        if (emulator != null) {
            emulator.close();
        }
    }

    @Test
    void registersFindsAndWatchesOverTlsWithAGivenTrustStore() {
        String uri = "consul://" + emulator.hostPort() + "?tls=true&wait=1s&truststore=" + truststore
                + "&truststorePassword=" + PASSWORD + "&truststoreType=PKCS12";
        List<List<ServiceInstance>> lists = new CopyOnWriteArrayList<>();
        try (ConsulNaming naming = FastConsul.connect(uri)) {
            assertFalse(naming.toString().contains(PASSWORD), naming.toString());
            naming.register(ServiceRegistration.builder().id("tls-1").name("secure").address("10.0.0.9").port(443)
                    .protocol("https").build());
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(List.of("tls-1"),
                    naming.find("secure").stream().map(ServiceInstance::id).toList()));
            naming.subscribe("secure", lists::add);
            await().atMost(Duration.ofSeconds(5)).until(() -> !lists.isEmpty()
                    && emulator.requests("/v1/health/service/secure").size() >= 3);
            assertEquals("https://10.0.0.9:443", lists.get(0).get(0).endpoint());
        }
    }

    @Test
    void withoutTheTrustStoreTheJvmDefaultDoesNotTrustAPrivateCa() {
        try (ConsulNaming naming = FastConsul.connect("consul://" + emulator.hostPort() + "?tls=true")) {
            NamingException e = assertThrows(NamingException.class, () -> naming.find("secure"));
            assertTrue(e.getMessage().contains("SSL") || e.getMessage().contains("certification")
                    || e.getMessage().contains("PKIX"), e.getMessage());
        }
    }
}
