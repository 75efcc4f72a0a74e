package dev.naming.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.NamingException;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What TLS to an agent must do, whatever the agent: read over TLS with the trust it is given, verify
 * the agent's host name, refuse a private CA without its trust store, and, given {@code tls=true}
 * towards a port that speaks plain HTTP, send nothing in clear (not a request line, not the token).
 * Run on the emulator ({@link ConsulTlsRulesTest}) and on a real agent ({@link ConsulAgentTlsRulesTest}).
 */
abstract class ConsulTlsRules {

    static final String TOKEN = "tls-rules-secret-token";

    /** {@code 127.0.0.1:port} of an agent that serves TLS with a certificate for 127.0.0.1 and localhost. */
    abstract String tlsAgent();

    /** The URI parameters that make a client trust the TLS agent (tls=true included). */
    abstract String trust();

    /** {@code 127.0.0.1:port} of a port that speaks plain HTTP. */
    abstract String plainAgent();

    /** A {@code consul:} URI of a trusted agent whose certificate expired, or {@code null} where there is none. */
    String expiredAgent() {
        return null;
    }

    /** A {@code consul:} URI of a TLS agent that does not offer HTTP/2 by ALPN, or {@code null} where there is none. */
    String http1Agent() {
        return null;
    }

    private static String error(NamingException e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t).append(" / ");
        }
        return all.toString();
    }

    @Test
    void aTrustedAgentIsWrittenAndReadOverTls() {
        try (ConsulNaming naming = FastConsul.connect("consul://" + tlsAgent() + "?" + trust())) {
            naming.register(ServiceRegistration.builder().id("tls-rules-1").name("tls-rules").address("10.0.0.9")
                    .port(443).protocol("https").build());
            try {
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                        naming.find("tls-rules").stream().map(ServiceInstance::id).toList().equals(List.of("tls-rules-1")));
            } finally {
                naming.deregister("tls-rules-1");
            }
        }
    }

    @Test
    void anAgentReachedByAnAddressItsCertificateDoesNotNameIsRefused() throws Exception {
        String[] hostPort = tlsAgent().split(":");
        try (Relay relay = Relay.to("127.0.0.2", hostPort[0], Integer.parseInt(hostPort[1]));
             ConsulNaming naming = FastConsul.connect("consul://" + relay.hostPort() + "?" + trust())) {
            NamingException e = assertThrows(NamingException.class, () -> naming.find("tls-rules"));
            String why = error(e);
            assertTrue(why.contains("SSL") || why.contains("certificate"), why);
            assertTrue(why.contains("127.0.0.2"), "names the address the certificate lacks: " + why);
        }
    }

    @Test
    void aPrivateCaIsNotTrustedWithoutItsTrustStore() {
        try (ConsulNaming naming = FastConsul.connect("consul://" + tlsAgent() + "?tls=true")) {
            NamingException e = assertThrows(NamingException.class, () -> naming.find("tls-rules"));
            String why = error(e);
            assertTrue(why.contains("PKIX") || why.contains("certification"), why);
        }
    }

    @Test
    void anExpiredCertificateIsRefusedEvenFromATrustedAgent() {
        org.junit.jupiter.api.Assumptions.assumeTrue(expiredAgent() != null, "no agent with an expired certificate");
        try (ConsulNaming naming = FastConsul.connect(expiredAgent())) {
            String why = error(assertThrows(NamingException.class, () -> naming.find("tls-rules")));
            assertTrue(why.contains("expired") || why.contains("validity"), why);
        }
    }

    @Test
    void anAgentWithoutHttp2IsWrittenReadAndWatchedOverHttp11() {
        org.junit.jupiter.api.Assumptions.assumeTrue(http1Agent() != null, "no TLS agent without HTTP/2");
        try (ConsulNaming naming = FastConsul.connect(http1Agent())) {
            List<List<ServiceInstance>> lists = new java.util.concurrent.CopyOnWriteArrayList<>();
            naming.subscribe("tls-rules-h1", lists::add);
            naming.register(ServiceRegistration.builder().id("tls-h1-1").name("tls-rules-h1").address("10.0.0.9")
                    .port(443).build());
            try {
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                        !lists.isEmpty() && lists.get(lists.size() - 1).size() == 1);
                assertEquals(List.of("tls-h1-1"), naming.find("tls-rules-h1").stream().map(ServiceInstance::id).toList());
            } finally {
                naming.deregister("tls-h1-1");
            }
        }
    }

    @Test
    void tlsTowardsAPlainPortSendsNothingInClear() throws Exception {
        String[] hostPort = plainAgent().split(":");
        try (Relay relay = Relay.to("127.0.0.1", hostPort[0], Integer.parseInt(hostPort[1]));
             ConsulNaming naming = FastConsul.connect("consul://" + relay.hostPort() + "?tls=true&token=" + TOKEN)) {
            assertThrows(NamingException.class, () -> naming.find("tls-rules"));
            assertThrows(NamingException.class, () -> naming.register(ServiceRegistration.builder().id("clear-1")
                    .name("tls-rules").address("10.0.0.9").port(443).build()));
            byte[] sent = relay.sent();
            assertTrue(sent.length > 0, "the client connected");
            assertEquals(0x16, sent[0], "a TLS handshake record comes first");
            String text = new String(sent, StandardCharsets.ISO_8859_1);
            assertFalse(text.contains("GET ") || text.contains("PUT ") || text.contains(TOKEN), "nothing in clear");
        }
    }
}
