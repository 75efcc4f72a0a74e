package dev.naming.inmemory;

import dev.naming.Naming;
import dev.naming.NamingUri;
import dev.naming.spi.NamingProvider;
import dev.naming.spi.UriParameter;
import dev.naming.spi.UriParameters;
import java.time.Duration;

/**
 * The {@code inmemory} scheme: {@code inmemory:} is a registry private to the one {@code Naming};
 * {@code inmemory://NAME} shares {@link InMemoryRegistry#named(String) the registry NAME} with every
 * {@code Naming} of the JVM that names it.
 */
public final class InMemoryProvider implements NamingProvider {

    static final UriParameter<Duration> GRACE = UriParameter.stateLossGrace(Duration.ofSeconds(2),
            "owners report their instances every 250 ms");
    static final UriParameter<java.nio.file.Path> SNAPSHOT = UriParameter.snapshot();
    static final UriParameters PARAMETERS = UriParameters.of("inmemory", GRACE, SNAPSHOT);

    /** Called by {@link java.util.ServiceLoader}; applications use {@code Naming.connect("inmemory:…")}. */
    public InMemoryProvider() {
    }

    @Override
    public String scheme() {
        return "inmemory";
    }

    @Override
    public UriParameters parameters() {
        return PARAMETERS;
    }

    @Override
    public Naming create(NamingUri uri) {
        UriParameters.Values values = PARAMETERS.read(uri, System::getenv);
        String name = uri.authority().isEmpty() ? uri.path() : uri.authority();
        return new InMemoryNaming(name.isEmpty() ? InMemoryRegistry.anonymous() : InMemoryRegistry.named(name),
                values.get(GRACE), values.get(SNAPSHOT));
    }
}
