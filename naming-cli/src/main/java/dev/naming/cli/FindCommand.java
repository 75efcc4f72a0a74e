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
        try (Naming naming = registry.connect()) {
            found = naming.find(name, tags.toArray(String[]::new));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.instances(found));
        } else {
            InstanceTable.lines(found).forEach(out::println);
            if (found.isEmpty()) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("naming: no healthy instance of '" + name + "'"
                        + (tags.isEmpty() ? "" : " with tags " + String.join(",", tags)));
                err.flush();
            }
        }
        out.flush();
        return NamingCli.OK;
    }
}
