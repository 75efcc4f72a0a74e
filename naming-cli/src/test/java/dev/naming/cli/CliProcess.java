package dev.naming.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code naming} command in a JVM of its own, as a user does: for what only a process
 * shows (its environment, the library's log lines on stderr through slf4j-simple).
 */
final class CliProcess {

    private CliProcess() {
    }

    /**
     * Runs {@code java [jvmOptions] dev.naming.cli.NamingCli args} with {@code env} added to this
     * process's environment, and waits for it (60 s at most).
     */
    static Cli.Result run(Map<String, String> env, List<String> jvmOptions, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // everything on the class path, as in naming.jar: the module path of this test JVM included
        List<String> classPath = new ArrayList<>();
        modulePath().ifPresent(classPath::add);
        classPath.add(System.getProperty("java.class.path"));
        command.add("-cp");
        command.add(String.join(File.pathSeparator, classPath));
        command.addAll(jvmOptions);
        command.add(NamingCli.class.getName());
        command.addAll(List.of(args));
        return run(command, env, args);
    }

    /**
     * Runs {@code java -p MODULE_PATH -m dev.naming.cli/dev.naming.cli.NamingCli args}: the command as
     * a module, its backends and logger found through their module descriptors.
     */
    static Cli.Result runAsModule(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-p");
        command.add(modulePath().orElseThrow(() -> new IllegalStateException("this JVM has no module path")));
        command.add("-m");
        command.add(NamingCli.class.getModule().getName() + "/" + NamingCli.class.getName());
        command.addAll(List.of(args));
        return run(command, Map.of(), args);
    }

    /** The module path this test JVM runs on (surefire puts the module under test and its modules there). */
    static Optional<String> modulePath() {
        return Optional.ofNullable(System.getProperty("jdk.module.path"));
    }

    private static Cli.Result run(List<String> command, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("naming-cli", ".out");
        Path err = Files.createTempFile("naming-cli", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().remove("NAMING_URL");
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("naming " + String.join(" ", args) + " did not end within 60 s");
            }
            return new Cli.Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
