package dev.naming.consul;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A self-signed certificate for an emulated agent on 127.0.0.1 (made with the JDK's keytool), the
 * agent's server context, and a trust store holding the certificate for the client's
 * {@code truststore=} parameter: a private CA the JVM does not know.
 */
public final class AgentCertificate {

    private final SSLContext serverContext;
    private final Path truststore;
    private final String password;
    private final X509TrustManager trustManager;
    private final SSLContext clientContext;

    private AgentCertificate(SSLContext serverContext, Path truststore, String password, X509TrustManager trustManager,
                             SSLContext clientContext) {
        this.serverContext = serverContext;
        this.truststore = truststore;
        this.password = password;
        this.trustManager = trustManager;
        this.clientContext = clientContext;
    }

    /** Creates the key, the certificate (valid from now, two days) and the trust store in {@code dir}. */
    public static AgentCertificate create(Path dir, String password) throws IOException, InterruptedException {
        return create(dir, password, false);
    }

    /**
     * As {@link #create(Path, String)}, for a certificate that expired yesterday, signed by a CA the
     * trust store holds (as Consul's agents are set up): the JDK checks the dates of the chain's
     * certificates, not of the trust anchor, so a self-signed expired certificate would pass.
     */
    public static AgentCertificate createExpired(Path dir, String password) throws IOException, InterruptedException {
        return create(dir, password, true);
    }

    private static AgentCertificate create(Path dir, String password, boolean expired)
            throws IOException, InterruptedException {
        Path keystore = dir.resolve("agent.p12");
        Path cert = dir.resolve("agent.pem");
        Path truststore = dir.resolve("trust.p12");
        String san = "SAN=ip:127.0.0.1,dns:localhost,dns:*." + SlowNames.DOMAIN;
        keytool("-genkeypair", "-alias", "agent", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", san, "-validity", "2", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", password, "-keypass", password);
        if (expired) {
            Path ca = dir.resolve("ca.p12");
            Path caCert = dir.resolve("ca.pem");
            Path request = dir.resolve("agent.csr");
            keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=test-ca",
                    "-ext", "bc:c", "-validity", "30", "-keystore", ca.toString(), "-storetype", "PKCS12",
                    "-storepass", password, "-keypass", password);
            keytool("-exportcert", "-alias", "ca", "-keystore", ca.toString(), "-storepass", password, "-rfc",
                    "-file", caCert.toString());
            keytool("-certreq", "-alias", "agent", "-keystore", keystore.toString(), "-storepass", password,
                    "-file", request.toString());
            keytool("-gencert", "-alias", "ca", "-keystore", ca.toString(), "-storepass", password, "-infile",
                    request.toString(), "-outfile", cert.toString(), "-rfc", "-ext", san, "-startdate", "-3d",
                    "-validity", "2");
            keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCert.toString(), "-keystore",
                    keystore.toString(), "-storepass", password);
            keytool("-importcert", "-noprompt", "-alias", "agent", "-file", cert.toString(), "-keystore",
                    keystore.toString(), "-storepass", password);
            keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCert.toString(), "-keystore",
                    truststore.toString(), "-storetype", "PKCS12", "-storepass", password);
            return load(keystore, truststore, password);
        }
        keytool("-exportcert", "-alias", "agent", "-keystore", keystore.toString(), "-storepass", password, "-rfc",
                "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", "agent", "-file", cert.toString(), "-keystore",
                truststore.toString(), "-storetype", "PKCS12", "-storepass", password);
        return load(keystore, truststore, password);
    }

    private static AgentCertificate load(Path keystore, Path truststore, String password) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keystore)) {
                ks.load(in, password.toCharArray());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password.toCharArray());
            SSLContext server = SSLContext.getInstance("TLS");
            server.init(kmf.getKeyManagers(), null, null);
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(truststore)) {
                trusted.load(in, password.toCharArray());
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);
            X509TrustManager trustManager = (X509TrustManager) tmf.getTrustManagers()[0];
            SSLContext client = SSLContext.getInstance("TLS");
            client.init(null, new TrustManager[] {trustManager}, null);
            return new AgentCertificate(server, truststore, password, trustManager, client);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot load the agent's key", e);
        }
    }

    /** The agent's side: its key and certificate. */
    public SSLContext serverContext() {
        return serverContext;
    }

    /** A client's side: trusts this certificate only. */
    public SSLContext clientContext() {
        return clientContext;
    }

    public X509TrustManager trustManager() {
        return trustManager;
    }

    public Path truststore() {
        return truststore;
    }

    public String password() {
        return password;
    }

    /** The URI parameters that make a client trust this certificate. */
    public String trustParameters() {
        return "tls=true&truststore=" + truststore + "&truststorePassword=" + password + "&truststoreType=PKCS12";
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + output);
        }
    }
}
