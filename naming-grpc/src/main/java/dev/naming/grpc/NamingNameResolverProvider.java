package dev.naming.grpc;

import dev.naming.Naming;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Resolves gRPC channel targets {@code naming:///SERVICE} through a {@link Naming} subscription, so
 * that a channel follows the registry: a new server gets RPCs within milliseconds of registering, a
 * departed one gets none once its departure is delivered, and a registry outage keeps the last
 * addresses.
 *
 * <pre>{@code
 * // found through META-INF/services: the registry is Naming.connect()'s (NAMING_URL)
 * ManagedChannel channel = Grpc.newChannelBuilder("naming:///chat.logic?tag=gate", InsecureChannelCredentials.create())
 *         .defaultLoadBalancingPolicy("round_robin")
 *         .build();
 *
 * // or over a Naming the application already has, shared by every channel it serves
 * NameResolverRegistry resolvers = new NameResolverRegistry();
 * resolvers.register(NamingNameResolverProvider.of(naming));
 * ManagedChannel channel = Grpc.newChannelBuilder("naming:///chat.logic", creds, resolvers).build();
 * }</pre>
 *
 * <p>Target parameters: {@code tag} (repeatable; only instances with every tag), {@code warmup}
 * (e.g. {@code 2s}: a new instance gets RPCs that long after it appears), {@code protocol}
 * (default {@code grpc}: only instances registered with that protocol are dialled). Malformed
 * targets fail when the channel is built, with an {@link IllegalArgumentException} naming the part.
 *
 * <p>Every address group carries its instance's {@link NamingAttributes}.
 *
 * <p>{@code Naming}s: the provider found through {@code ServiceLoader} opens one {@code Naming} per
 * registry URL when the first channel starts resolving, shares it between every channel of the class
 * loader, and closes it when the last of them shuts down. One made with {@link #of(Naming)} uses the
 * application's {@code Naming} and never closes it. Either way a channel's shutdown closes its
 * subscription, and every channel on one service shares one backend watch.
 */
public final class NamingNameResolverProvider extends NameResolverProvider {

    /**
     * Below DNS's 5: a target without a scheme keeps meaning DNS even when this provider is on the
     * classpath.
     */
    static final int SERVICE_LOADER_PRIORITY = 4;
    /** Above the service-loaded provider, so that registering one in the default registry wins the scheme. */
    static final int APPLICATION_PRIORITY = 5;

    private final NamingSource source;
    private final int priority;

    /** The provider {@code ServiceLoader} finds: the registry is the one {@code Naming.connect()} picks. */
    public NamingNameResolverProvider() {
        this(SharedNamings.SYSTEM, SERVICE_LOADER_PRIORITY);
    }

    private NamingNameResolverProvider(NamingSource source, int priority) {
        this.source = source;
        this.priority = priority;
    }

    /**
     * A provider resolving {@code naming:} targets through {@code naming}, which stays the
     * application's to close: register it in a {@code NameResolverRegistry} given to
     * {@code Grpc.newChannelBuilder(target, creds, registry)}, or in
     * {@code NameResolverRegistry.getDefaultRegistry()} for every channel of the process.
     */
    public static NamingNameResolverProvider of(Naming naming) {
        return new NamingNameResolverProvider(NamingSource.of(Objects.requireNonNull(naming, "naming")),
                APPLICATION_PRIORITY);
    }

    @Override
    public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
        if (!NamingTarget.SCHEME.equalsIgnoreCase(targetUri.getScheme())) {
            return null;
        }
        return new NamingNameResolver(NamingTarget.parse(targetUri), source, args.getSynchronizationContext());
    }

    @Override
    public String getDefaultScheme() {
        return NamingTarget.SCHEME;
    }

    @Override
    protected boolean isAvailable() {
        return true;
    }

    @Override
    protected int priority() {
        return priority;
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
        return List.of(InetSocketAddress.class);
    }
}
