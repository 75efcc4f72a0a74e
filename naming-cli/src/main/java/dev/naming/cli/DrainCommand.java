package dev.naming.cli;

import dev.naming.Naming;
import dev.naming.spi.InputChecks;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code naming drain NAME ID} and {@code naming undrain NAME ID}: take an instance out of traffic
 * without deregistering it, and put it back.
 */
abstract class DrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RegistryOption registry;

    @Parameters(index = "0", paramLabel = "NAME", description = "Service name, e.g. chat.logic.")
    String name;

    @Parameters(index = "1", paramLabel = "ID", description = "Instance id, e.g. logic-1.")
    String id;

    private final boolean drain;

    private DrainCommand(boolean drain) {
        this.drain = drain;
    }

    @Override
    public Integer call() {
        InputChecks.serviceName(name);
        InputChecks.serviceId(id);
        try (Naming naming = registry.connect()) {
            if (drain) {
                naming.drain(name, id);
            } else {
                naming.undrain(name, id);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println((drain ? "drained " : "undrained ") + id + " (" + name + ")");
        out.flush();
        return NamingCli.OK;
    }

    @Command(name = "drain", mixinStandardHelpOptions = true,
            description = {"Take an instance out of traffic without deregistering it.",
                    "find and watches stop returning it; it stays registered and kept alive by its owner.",
                    "Consul: maintenance mode, on the agent the instance is registered on. "
                            + "Discovery: status 2 (zone and env from the registry URI)."})
    static final class Drain extends DrainCommand {
        Drain() {
            super(true);
        }
    }

    @Command(name = "undrain", mixinStandardHelpOptions = true,
            description = {"Put a drained instance back into traffic."})
    static final class Undrain extends DrainCommand {
        Undrain() {
            super(false);
        }
    }
}
