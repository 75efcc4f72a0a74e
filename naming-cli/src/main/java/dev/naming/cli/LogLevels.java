package dev.naming.cli;

/**
 * Sets slf4j-simple's level for the library: WARN and above by default so that the command's own
 * output stays readable, DEBUG with {@code --verbose}. Must run before the first logger is made,
 * since slf4j-simple reads its configuration once; a level given with {@code -D} wins.
 */
final class LogLevels {

    static final String DEFAULT_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";
    static final String SHOW_THREAD = "org.slf4j.simpleLogger.showThreadName";

    private LogLevels() {
    }

    static void configure(boolean verbose) {
        if (System.getProperty(DEFAULT_LEVEL) == null) {
            System.setProperty(DEFAULT_LEVEL, verbose ? "debug" : "warn");
        }
        if (verbose && System.getProperty(SHOW_THREAD) == null) {
            // the library names its threads after what they do: worth seeing when debugging
            System.setProperty(SHOW_THREAD, "true");
        }
    }
}
