package dev.naming.cli;

import dev.naming.Naming;
import dev.naming.NamingUri;
import picocli.CommandLine.Option;

/** The {@code --registry URI} option shared by the commands that talk to a registry. */
final class RegistryOption {

    @Option(names = {"-r", "--registry"}, paramLabel = "URI",
            description = "Registry URI, e.g. consul://127.0.0.1:8500 or inmemory://NAME "
                    + "(default: $NAMING_URL, then -Dnaming.url).")
    String uri;

    /**
     * Connects to the registry given by {@code --registry}, {@code NAMING_URL} or {@code naming.url}.
     *
     * @throws IllegalArgumentException when none is set or the URI is malformed
     * @throws dev.naming.NamingException when no backend handles its scheme
     */
    Naming connect(NamingCli cli) {
        return Naming.connect(cli.registry(uri));
    }

    /** The registry URI for messages, secrets redacted. */
    String describe(NamingCli cli) {
        return NamingUri.parse(cli.registry(uri)).toString();
    }
}
