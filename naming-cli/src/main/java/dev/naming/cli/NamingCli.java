package dev.naming.cli;

import dev.naming.NamingException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code naming} command: register, find and watch services in any registry the library
 * supports, chosen by URI ({@code --registry consul://127.0.0.1:8500} or {@code NAMING_URL}), and a
 * self-contained {@code demo} on the in-memory registry.
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
        footer = {"", "The registry is a URI: inmemory://NAME, consul://host:8500?dc=dc1, "
                + "discovery://host1:7171,host2:7171?zone=sh1&env=dev.",
                "--registry defaults to the NAMING_URL environment variable, then the naming.url system property.",
                "Exit codes: 0 success, 1 registry failure, 2 bad usage or invalid input."})
public final class NamingCli implements Runnable {

    static final int OK = 0;
    static final int REGISTRY_FAILURE = 1;
    static final int BAD_INPUT = 2;
    static final String URL_ENV = "NAMING_URL";
    static final String URL_PROPERTY = "naming.url";

    @Spec
    CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Log the library at DEBUG and print stack traces of failures.")
    boolean verbose;

    private final UnaryOperator<String> env;
    private final UnaryOperator<String> properties;

    /** A CLI reading {@code NAMING_URL} and {@code naming.url} from this process. */
    public NamingCli() {
        this(System::getenv, System::getProperty);
    }

    NamingCli(UnaryOperator<String> env, UnaryOperator<String> properties) {
        this.env = env;
        this.properties = properties;
    }

    /** Runs the CLI and exits with its exit code. */
    public static void main(String[] args) {
        // before the first logger exists: slf4j-simple reads its configuration once
        LogLevels.configure(Arrays.asList(args).contains("--verbose") || Arrays.asList(args).contains("-v"));
        System.exit(new NamingCli().commandLine().execute(args));
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

    /** The registry URI: {@code --registry}, else {@code NAMING_URL}, else {@code naming.url}. */
    String registry(String option) {
        for (String candidate : new String[] {option, env.apply(URL_ENV), properties.apply(URL_PROPERTY)}) {
            if (candidate != null && !candidate.isBlank()) {
                return candidate.trim();
            }
        }
        throw new IllegalArgumentException("registry is not set: pass --registry URI (e.g. consul://127.0.0.1:8500) "
                + "or set the " + URL_ENV + " environment variable");
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
