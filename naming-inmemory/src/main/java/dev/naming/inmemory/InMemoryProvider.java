package dev.naming.inmemory;

import dev.naming.Naming;
import dev.naming.NamingUri;
import dev.naming.spi.NamingProvider;

/**
 * The {@code inmemory} scheme: {@code inmemory:} is a registry private to the one {@code Naming};
 * {@code inmemory://NAME} shares {@link InMemoryRegistry#named(String) the registry NAME} with every
 * {@code Naming} of the JVM that names it.
 */
public final class InMemoryProvider implements NamingProvider {

    @Override
    public String scheme() {
        return "inmemory";
    }

    @Override
    public Naming create(NamingUri uri) {
        String name = uri.authority().isEmpty() ? uri.path() : uri.authority();
        return new InMemoryNaming(name.isEmpty() ? InMemoryRegistry.anonymous() : InMemoryRegistry.named(name));
    }
}
