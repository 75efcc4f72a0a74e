package dev.naming.consul;

import dev.naming.NamingUri;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Plain HTTP calls to the first agent of a {@code consul:} URI, made without the library under test
 * so that a fixture's "the agent answers" does not depend on the code it checks: over TLS when the
 * URI says {@code tls=true}, trusting its {@code truststore}, with its {@code token}.
 */
final class AgentProbe {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final URI base;
    private final String token;
    private final HttpClient client;

    /** @param uri a {@code consul:} URI; its first host is probed */
    AgentProbe(NamingUri uri) {
        boolean tls = uri.booleanParam("tls").orElse(false);
        String host = uri.hosts().isEmpty() ? "127.0.0.1" : uri.hosts().get(0);
        URI parsed = URI.create((tls ? "https" : "http") + "://" + host);
        int port = parsed.getPort() >= 0 ? parsed.getPort() : tls ? 8501 : 8500;
        this.base = URI.create((tls ? "https" : "http") + "://" + parsed.getHost() + ":" + port);
        this.token = uri.param("token").orElse(null);
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(TIMEOUT);
        if (tls && uri.param("truststore").isPresent()) {
            b.sslContext(trusting(uri.param("truststore").get(), uri.param("truststorePassword").orElse("")));
        }
        this.client = b.build();
    }

    /** The agent's HTTP(S) address. */
    InetSocketAddress address() {
        return new InetSocketAddress(base.getHost(), base.getPort());
    }

    /** Whether the agent answers and has a leader: it can take registrations and reads. */
    boolean answers() {
        return get("/v1/status/leader").map(body -> body.trim().length() > 2).orElse(false); // "" has no leader
    }

    /** The body of a 200 answer to {@code GET path}; empty on any other answer or none. */
    private Optional<String> get(String path) {
        HttpRequest.Builder r = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).GET();
        if (token != null) {
            r.header("X-Consul-Token", token);
        }
        try {
            HttpResponse<String> reply = client.send(r.build(), HttpResponse.BodyHandlers.ofString());
            return reply.statusCode() == 200 ? Optional.of(reply.body()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static SSLContext trusting(String path, String password) {
        try {
            KeyStore store = KeyStore.getInstance(new File(path), password.toCharArray()); // the type from the file
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the trust store " + path, e);
        }
    }
}
