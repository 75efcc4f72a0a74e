/**
 * A grpc-java name resolver for {@code naming:///service} targets over any naming backend.
 */
module dev.naming.grpc {
    requires transitive dev.naming.api;
    // NamingNameResolverProvider extends grpc-api's NameResolverProvider: users need io.grpc anyway
    requires transitive io.grpc;

    exports dev.naming.grpc;

    provides io.grpc.NameResolverProvider with dev.naming.grpc.NamingNameResolverProvider;
}
