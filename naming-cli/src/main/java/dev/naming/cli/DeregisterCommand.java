package dev.naming.cli;

import dev.naming.Naming;
import dev.naming.spi.InputChecks;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code naming deregister ID}: removes an instance by id. */
@Command(name = "deregister", mixinStandardHelpOptions = true,
        description = {"Remove an instance by id.",
                "An unknown id is not an error: the registry does not say whether it knew the id, so the "
                        + "command cannot either.",
                "If the process that registered it still runs, it may register it again (the library "
                        + "re-registers what a registry forgot): stop that process to take an instance out for good."})
final class DeregisterCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RegistryOption registry;

    @Parameters(index = "0", paramLabel = "ID", description = "Instance id, e.g. logic-1.")
    String id;

    @Override
    public Integer call() {
        InputChecks.serviceId(id);
        try (Naming naming = registry.connect()) {
            naming.deregister(id);
        }
        PrintWriter out = spec.commandLine().getOut();
        // all the command knows: the registry accepted the request (an unknown id is accepted too)
        out.println("deregistered " + id + " (or it was not registered)");
        out.flush();
        return NamingCli.OK;
    }
}
