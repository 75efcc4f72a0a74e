package dev.naming.cli;

import java.util.Set;

/**
 * Sets slf4j-simple's level for the library. Must run before the first logger is made, since
 * slf4j-simple reads its configuration once; a level given with {@code -D} wins.
 *
 * <ul>
 *   <li>{@code --verbose}: DEBUG, with thread names.
 *   <li>{@code find} and {@code deregister}: ERROR. They make one call and report its failure
 *       themselves, in one line; the library's warning about the same failure (for instance
 *       {@code close()} trying a failed deregistration once more) would only repeat it.
 *   <li>otherwise ({@code watch}, {@code register}): WARN, so that the command's own output stays
 *       readable while the library still says when the registry is down, which nothing else would.
 * </ul>
 */
final class LogLevels {

    static final String DEFAULT_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";
    static final String SHOW_THREAD = "org.slf4j.simpleLogger.showThreadName";
    private static final Set<String> ONE_SHOT = Set.of("find", "deregister");

    private LogLevels() {
    }

    /** @param command the subcommand about to run, or the empty string */
    static void configure(boolean verbose, String command) {
        if (System.getProperty(DEFAULT_LEVEL) == null) {
            System.setProperty(DEFAULT_LEVEL, verbose ? "debug" : ONE_SHOT.contains(command) ? "error" : "warn");
        }
        if (verbose && System.getProperty(SHOW_THREAD) == null) {
            // the library names its threads after what they do: worth seeing when debugging
            System.setProperty(SHOW_THREAD, "true");
        }
    }
}
