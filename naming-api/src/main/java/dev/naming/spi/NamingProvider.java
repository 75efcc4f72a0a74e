package dev.naming.spi;

import dev.naming.Naming;
import dev.naming.NamingUri;

/**
 * A backend, found with {@link java.util.ServiceLoader}: each backend jar lists its provider in
 * {@code META-INF/services/dev.naming.spi.NamingProvider}.
 */
public interface NamingProvider {

    /** The URI scheme this provider handles, e.g. {@code consul}. */
    String scheme();

    /**
     * Creates a {@link Naming} for {@code uri}. An empty URI ({@code consul:}) means the
     * backend's defaults, read from the environment variables its ecosystem uses. Creating a
     * {@code Naming} sends no request: registry trouble surfaces on first use.
     *
     * @throws IllegalArgumentException naming the parameter or variable that is wrong
     */
    Naming create(NamingUri uri);

    /**
     * The URI parameters this provider reads, with their defaults and environment variables: for
     * documentation and tools. The default declares none.
     */
    default UriParameters parameters() {
        return UriParameters.of(scheme());
    }
}
