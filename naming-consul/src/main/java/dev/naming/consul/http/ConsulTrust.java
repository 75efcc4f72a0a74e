package dev.naming.consul.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The TLS trust towards the agents when it is not the JVM's: a trust store file for a private CA. */
public final class ConsulTrust {

    private ConsulTrust() {
    }

    /**
     * A TLS context that trusts what {@code truststore} holds.
     *
     * @param type the store's type, or {@code null} for the JVM's default type
     * @throws IllegalArgumentException when the file cannot be read as a trust store
     */
    public static SSLContext load(Path truststore, String password, String type) {
        try (InputStream in = Files.newInputStream(truststore)) {
            KeyStore store = KeyStore.getInstance(type != null ? type : KeyStore.getDefaultType());
            store.load(in, password == null ? null : password.toCharArray());
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            // the password is not part of either exception's message
            throw new IllegalArgumentException("truststore cannot be read: " + truststore + ": "
                    + e.getClass().getSimpleName(), e);
        }
    }
}
