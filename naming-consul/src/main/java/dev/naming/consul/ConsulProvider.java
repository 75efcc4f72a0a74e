package dev.naming.consul;

import dev.naming.Naming;
import dev.naming.NamingUri;
import dev.naming.spi.NamingProvider;
import dev.naming.spi.UriParameters;

/**
 * The {@code consul} scheme: {@code consul://host:8500[,host2:8500]?dc=dc1&tls=true&token=…&wait=55s}.
 * Without hosts the agent comes from {@code CONSUL_HTTP_ADDR}, else {@code 127.0.0.1:8500}; the
 * token from {@code token=} or {@code CONSUL_HTTP_TOKEN}; TLS from {@code tls=}, {@code CONSUL_HTTP_SSL}
 * or an {@code https://} address. Found by {@link java.util.ServiceLoader}.
 */
public final class ConsulProvider implements NamingProvider {

    /** Needed by {@link java.util.ServiceLoader}. */
    public ConsulProvider() {
    }

    @Override
    public String scheme() {
        return "consul";
    }

    @Override
    public UriParameters parameters() {
        return ConsulConfig.PARAMETERS;
    }

    @Override
    public Naming create(NamingUri uri) {
        return new ConsulNaming(ConsulConfig.from(uri, System::getenv));
    }
}
