package dev.naming.discovery;

import dev.naming.Naming;
import dev.naming.NamingUri;
import dev.naming.spi.NamingProvider;
import dev.naming.spi.UriParameters;

/**
 * The {@code discovery} scheme: a {@link Naming} over bilibili/discovery's HTTP API.
 *
 * <pre>{@code
 * Naming naming = Naming.connect("discovery://10.0.0.1:7171,10.0.0.2:7171?zone=sh1&env=dev&region=sh");
 * }</pre>
 *
 * With an empty URI ({@code discovery:}) every setting comes from the variables the kratos
 * ecosystem uses: {@code DISCOVERY_NODES}, {@code ZONE}, {@code DEPLOY_ENV}, {@code REGION},
 * {@code HOSTNAME}. The parameters, their defaults and the variables are listed in the module README.
 */
public final class DiscoveryProvider implements NamingProvider {

    /** The URI scheme, {@value}. */
    public static final String SCHEME = "discovery";

    @Override
    public String scheme() {
        return SCHEME;
    }

    @Override
    public UriParameters parameters() {
        return DiscoveryConfig.PARAMETERS;
    }

    @Override
    public Naming create(NamingUri uri) {
        return new DiscoveryNaming(DiscoveryConfig.from(uri));
    }
}
