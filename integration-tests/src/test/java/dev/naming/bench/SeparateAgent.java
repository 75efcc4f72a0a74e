package dev.naming.bench;

import dev.naming.consul.AgentCertificate;
import dev.naming.consul.emulator.ConsulEmulator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * An emulated Consul agent (Jetty; over TLS with HTTP/2) in a JVM of its own, so that the heap the
 * benchmark measures in its own JVM is the clients' alone: with the agent in the same JVM, every
 * held blocking query's server-side state (Jetty's stream, the agent's waiter) counts too.
 *
 * <p>The child is started with the benchmark's class path, prints its port on its first line of
 * output and lives until its standard input closes (or {@link #close()} ends it).
 */
final class SeparateAgent implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path certificateDir;
    private final String password;
    private final boolean tls;

    private SeparateAgent(Process process, int port, Path certificateDir, String password, boolean tls) {
        this.process = process;
        this.port = port;
        this.certificateDir = certificateDir;
        this.password = password;
        this.tls = tls;
    }

    /** Starts the child JVM and waits (up to 60 s) for its port. */
    static SeparateAgent start(boolean tls) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("naming-bench-agent");
        dir.toFile().deleteOnExit();
        String password = "bench-" + UUID.randomUUID();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-classpath", System.getProperty("java.class.path"), SeparateAgent.class.getName(),
                tls ? "tls" : "plain", dir.toString(), password))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        java.util.concurrent.FutureTask<String> firstLine = new java.util.concurrent.FutureTask<>(out::readLine);
        Thread reader = new Thread(firstLine, "separate-agent-start");
        reader.setDaemon(true);
        reader.start();
        String line;
        try {
            line = firstLine.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            throw new IOException("the separate agent did not say its port within 60 s", e);
        }
        if (line == null || !line.startsWith("port ")) {
            p.destroyForcibly();
            throw new IOException("the separate agent did not start: " + line);
        }
        return new SeparateAgent(p, Integer.parseInt(line.substring("port ".length()).trim()), dir, password, tls);
    }

    /** The URI a {@code Naming} connects with. */
    String namingUri() {
        String trust = "tls=true&truststore=" + certificateDir.resolve("trust.p12") + "&truststorePassword=" + password
                + "&truststoreType=PKCS12";
        return "consul://127.0.0.1:" + port + (tls ? "?" + trust : "");
    }

    int port() {
        return port;
    }

    /** {@code http(s)://127.0.0.1:port}. */
    String url() {
        return (tls ? "https" : "http") + "://127.0.0.1:" + port;
    }

    /** Trusts the child's certificate only; {@code null} over plain HTTP. */
    X509TrustManager trustManager() throws IOException {
        if (!tls) {
            return null;
        }
        try (InputStream in = Files.newInputStream(certificateDir.resolve("trust.p12"))) {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(in, password.toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);
            return (X509TrustManager) tmf.getTrustManagers()[0];
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the separate agent's trust store", e);
        }
    }

    /** A client context trusting the child's certificate; {@code null} over plain HTTP. */
    SSLContext clientContext() throws IOException {
        X509TrustManager trust = trustManager();
        if (trust == null) {
            return null;
        }
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    @Override
    public void close() {
        try (OutputStream in = process.getOutputStream()) {
            in.flush();
        } catch (IOException ignored) {
            // the child is gone already
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The child: {@code tls|plain DIR PASSWORD}. */
    public static void main(String[] args) throws Exception {
        boolean tls = args[0].equals("tls");
        ConsulEmulator agent;
        if (tls) {
            AgentCertificate certificate = AgentCertificate.create(Path.of(args[1]), args[2]);
            agent = ConsulEmulator.builder().tls(certificate.serverContext()).http2().start();
        } else {
            agent = ConsulEmulator.builder().jetty().start();
        }
        System.out.println("port " + agent.port());
        System.out.flush();
        // until the parent closes our standard input, or exits
        while (System.in.read() >= 0) {
            // nothing is sent: reading only detects the end
        }
        agent.close();
        System.exit(0);
    }
}
