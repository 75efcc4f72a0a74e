/**
 * The Consul backend ({@code consul:} URIs), over Jetty's HTTP client and Jackson's streaming
 * parser. Reached through {@link java.util.ServiceLoader} only: it exports nothing.
 *
 * <p>Packages: {@code dev.naming.consul} (provider, configuration, the {@code Naming}),
 * {@code .watch} (blocking-query rules, pacing), {@code .agent} (writes, fail-over),
 * {@code .http} (the only code that knows Jetty; TLS trust), {@code .json} (the mapping).
 */
module dev.naming.consul {
    requires dev.naming.api;
    requires org.eclipse.jetty.client;
    requires org.eclipse.jetty.http2.client.transport;
    requires org.eclipse.jetty.alpn.java.client;
    requires com.fasterxml.jackson.core;
    requires java.net.http;

    provides dev.naming.spi.NamingProvider with dev.naming.consul.ConsulProvider;
}
