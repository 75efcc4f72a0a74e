/**
 * The bilibili/discovery backend ({@code discovery:} URIs), over {@code java.net.http} and Jackson.
 * Reached through {@link java.util.ServiceLoader} only: it exports nothing.
 */
module dev.naming.discovery {
    requires dev.naming.api;
    requires java.net.http;
    requires com.fasterxml.jackson.databind;

    provides dev.naming.spi.NamingProvider with dev.naming.discovery.DiscoveryProvider;
}
