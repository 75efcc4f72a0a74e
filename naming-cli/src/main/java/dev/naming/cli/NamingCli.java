package dev.naming.cli;

import dev.naming.NamingException;
import java.io.PrintWriter;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code naming} command: register, find and watch services in any registry the library
 * supports, chosen by URI ({@code --registry consul://127.0.0.1:8500}, {@code -Dnaming.url} or
 * {@code NAMING_URL}), and a self-contained {@code demo} on the in-memory registry.
 *
 * <p>Exit codes: {@value #OK} success, {@value #REGISTRY_FAILURE} the registry failed
 * ({@link NamingException}), {@value #BAD_INPUT} bad usage or invalid input.
 */
@Command(name = "naming",
        mixinStandardHelpOptions = true,
        versionProvider = NamingCli.Version.class,
        description = "Register, find and watch services in a registry (in-memory, Consul, bilibili/discovery).",
        subcommands = {DemoCommand.class, FindCommand.class, WatchCommand.class, RegisterCommand.class,
                DeregisterCommand.class, CommandLine.HelpCommand.class},
        // one URI per line: picocli wraps long lines at any break opportunity, ':' and '/' included
        footer = {"", "The registry is a URI, for example:",
                "  inmemory://NAME",
                "  consul://127.0.0.1:8500?dc=dc1",
                "  discovery://host1:7171,host2:7171?zone=sh1&env=dev",
                "--registry defaults to the naming.url system property, then to the NAMING_URL environment "
                        + "variable (as in the library's Naming.connect()).",
                "Exit codes: 0 success, 1 registry failure, 2 bad usage or invalid input."})
public final class NamingCli implements Runnable {

    static final int OK = 0;
    static final int REGISTRY_FAILURE = 1;
    static final int BAD_INPUT = 2;

    @Spec
    CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Log the library at DEBUG and print stack traces of failures.")
    boolean verbose;

    /** The command; {@link #main} and {@link #execute} run it. */
    public NamingCli() {
    }

    /** Runs the CLI and exits with its exit code. */
    public static void main(String[] args) {
        // before the first logger exists: slf4j-simple reads its configuration once
        LogLevels.configure(Arrays.asList(args).contains("--verbose") || Arrays.asList(args).contains("-v"),
                subcommand(args));
        System.exit(new NamingCli().commandLine().execute(args));
    }

    /** The subcommand {@code args} name, or the empty string when they name none or do not parse. */
    static String subcommand(String[] args) {
        try {
            CommandLine.ParseResult parsed = new NamingCli().commandLine().parseArgs(args);
            return parsed.hasSubcommand() ? parsed.subcommand().commandSpec().name() : "";
        } catch (ParameterException e) {
            return ""; // reported when the command runs
        }
    }

    /**
     * Runs one command in this JVM, printing to {@code out} and {@code err} instead of the
     * process's streams, and returns its exit code: for embedding the command in tools and tests.
     */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new NamingCli().commandLine();
        cli.setOut(out);
        cli.setErr(err);
        return cli.execute(args);
    }

    /** The picocli command line with this CLI's exit codes and one-line error messages. */
    CommandLine commandLine() {
        CommandLine cli = new CommandLine(this);
        cli.setExecutionExceptionHandler(this::executionFailed);
        cli.setParameterExceptionHandler(NamingCli::usageError);
        return cli;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: demo, find, watch, register or deregister");
    }

    boolean verbose() {
        return verbose;
    }

    private int executionFailed(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        int code;
        if (e instanceof IllegalArgumentException) {
            err.println("naming: " + e.getMessage());
            code = BAD_INPUT;
        } else if (e instanceof NamingException) {
            err.println("naming: " + e.getMessage());
            code = REGISTRY_FAILURE;
        } else {
            err.println("naming: unexpected " + e);
            code = REGISTRY_FAILURE;
        }
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        PrintWriter err = cli.getErr();
        err.println("naming: " + e.getMessage());
        err.println("Try '" + cli.getCommandSpec().qualifiedName() + " --help'.");
        err.flush();
        return BAD_INPUT;
    }

    /** The version from the jar's manifest, or "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = NamingCli.class.getPackage().getImplementationVersion();
            return new String[] {"naming " + (v == null ? "(development build)" : v)};
        }
    }
}
