package dev.naming.cli;

import dev.naming.Naming;
import dev.naming.NamingException;
import dev.naming.NamingUri;
import dev.naming.spi.NamingProvider;
import java.util.ServiceLoader;
import java.util.TreeSet;
import picocli.CommandLine.Option;

/** The {@code --registry URI} option shared by the commands that talk to a registry. */
final class RegistryOption {

    @Option(names = {"-r", "--registry"}, paramLabel = "URI",
            description = "Registry URI, e.g. consul://127.0.0.1:8500 (default: the naming.url system property, "
                    + "then the NAMING_URL environment variable).")
    String uri;

    /**
     * The registry: {@code --registry}, else the library's {@linkplain NamingUri#configured()
     * configured URI}, so that the command and {@link Naming#connect()} follow one rule.
     *
     * @throws IllegalArgumentException when none is set or the URI is malformed
     */
    NamingUri resolve() {
        if (uri != null && !uri.isBlank()) {
            return NamingUri.parse(uri);
        }
        return NamingUri.configured().orElseThrow(() -> new IllegalArgumentException(
                "registry is not set: pass --registry URI (e.g. consul://127.0.0.1:8500), or set the naming.url "
                        + "system property or the NAMING_URL environment variable"));
    }

    /**
     * Connects to {@link #resolve() the registry}.
     *
     * @throws IllegalArgumentException when none is set or the URI is malformed
     * @throws NamingException when no backend of this command handles its scheme
     */
    Naming connect() {
        NamingUri registry = resolve();
        TreeSet<String> schemes = new TreeSet<>();
        ServiceLoader.load(NamingProvider.class, RegistryOption.class.getClassLoader())
                .forEach(provider -> schemes.add(provider.scheme()));
        if (!schemes.contains(registry.scheme())) {
            // the library's message would suggest adding a jar: this command already has every backend
            throw new NamingException("no backend for scheme '" + registry.scheme() + "': this command handles "
                    + String.join(", ", schemes.stream().map(s -> s + ":").toList()));
        }
        return Naming.connect(registry);
    }
}
