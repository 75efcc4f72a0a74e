package dev.naming.cli;

import dev.naming.Naming;
import dev.naming.ServiceInstance;
import dev.naming.spi.InputChecks;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code naming find NAME [--tag T]…}: the instances that can take traffic, once. */
@Command(name = "find", mixinStandardHelpOptions = true,
        description = {"Print the healthy instances of a service.",
                "Only instances carrying every --tag, sorted by id: one line each (id, endpoint, tags, meta), "
                        + "or a JSON array with --json."})
final class FindCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RegistryOption registry;

    @Parameters(index = "0", paramLabel = "NAME", description = "Service name, e.g. chat.logic.")
    String name;

    @Option(names = {"-t", "--tag"}, paramLabel = "TAG", description = "Only instances with this tag (repeatable: all must match).")
    List<String> tags = new ArrayList<>();

    @Option(names = "--json", description = "Print a JSON array.")
    boolean json;

    @Override
    public Integer call() {
        InputChecks.serviceName(name);
        InputChecks.tags(tags);
        List<ServiceInstance> found;
        boolean filtered;
        try (Naming naming = registry.connect()) {
            found = naming.find(name, tags.toArray(String[]::new));
            filtered = naming.resultsFiltered(name);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (json) {
            out.println(Json.instances(found));
        } else {
            InstanceTable.lines(found).forEach(out::println);
        }
        out.flush();
        if (filtered) {
            // an empty list here is no proof of an empty service: never say "no instance"
            err.println(filteredWarning(name));
        } else if (found.isEmpty() && !json) {
            err.println("naming: no healthy instance of '" + name + "'"
                    + (tags.isEmpty() ? "" : " with tags " + String.join(",", tags)));
        }
        err.flush();
        return NamingCli.OK;
    }

    /** What is said when the registry left instances out because of the credentials' rights. */
    static String filteredWarning(String name) {
        return "naming: the registry left instances of '" + name + "' out of its answer: these credentials may not"
                + " read them, so the list may be incomplete (Consul: the ACL token, URI parameter token= or"
                + " CONSUL_HTTP_TOKEN)";
    }
}
