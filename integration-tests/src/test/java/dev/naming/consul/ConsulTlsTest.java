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
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS towards the agent: a private CA's certificate is trusted through {@code truststore=}, for
 * registrations (consul-client) and watches (JDK client) alike; without it the JVM's trust store
 * is used, which does not know the certificate.
 */
class ConsulTlsTest {

    private static final String PASSWORD = "changeit-tls-secret";

    @TempDir
    static Path dir;
    private static ConsulEmulator emulator;
    private static Path truststore;

    @BeforeAll
    static void start() throws Exception {
        Path keystore = dir.resolve("agent.p12");
        Path cert = dir.resolve("agent.pem");
        truststore = dir.resolve("trust.p12");
        keytool("-genkeypair", "-alias", "agent", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-alias", "agent", "-keystore", keystore.toString(), "-storepass", PASSWORD, "-rfc",
                "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", "agent", "-file", cert.toString(), "-keystore",
                truststore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD.toCharArray());
        SSLContext server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);
        emulator = ConsulEmulator.builder().tls(server).start();
    }

    @AfterAll
    static void stop() {
        if (emulator != null) {
            emulator.close();
        }
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + output);
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
            assertEquals(List.of("tls-1"), naming.find("secure").stream().map(ServiceInstance::id).toList());
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
