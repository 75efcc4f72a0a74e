package dev.naming.consul;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS trust used towards the agents: the JVM's trust store, or the one named by the
 * {@code truststore} parameter (for a private CA). Every HTTP stack (consul-client's OkHttp, the
 * watches' own HTTP/2 client, the JDK client of the finds) gets the same one.
 */
final class ConsulTrust {

    private final SSLContext context;
    private final X509TrustManager trustManager;

    private ConsulTrust(SSLContext context, X509TrustManager trustManager) {
        this.context = context;
        this.trustManager = trustManager;
    }

    /** The trust of {@code config}: {@code null} when TLS is off or the JVM's own trust store is used. */
    static ConsulTrust of(ConsulConfig config) {
        if (!config.tls() || config.truststore() == null) {
            return null;
        }
        String type = config.truststoreType() != null ? config.truststoreType() : KeyStore.getDefaultType();
        char[] password = config.truststorePassword() == null ? null : config.truststorePassword().toCharArray();
        try (InputStream in = Files.newInputStream(config.truststore())) {
            KeyStore store = KeyStore.getInstance(type);
            store.load(in, password);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            X509TrustManager x509 = null;
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509TrustManager candidate) {
                    x509 = candidate;
                    break;
                }
            }
            if (x509 == null) {
                throw new IllegalArgumentException("truststore holds no X.509 trust: " + config.truststore());
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {x509}, null);
            return new ConsulTrust(context, x509);
        } catch (IOException | GeneralSecurityException e) {
            // the password is not part of either exception's message
            throw new IllegalArgumentException("truststore cannot be read: " + config.truststore() + ": "
                    + e.getClass().getSimpleName(), e);
        }
    }

    SSLContext context() {
        return context;
    }

    X509TrustManager trustManager() {
        return trustManager;
    }
}
