package dev.naming.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class NamingLoggersTest {

    @Test
    void withAnSlf4jProviderLinesGoToSlf4j() {
        // this module's tests run with slf4j-simple
        assertTrue(NamingLoggers.usesSlf4j());
        assertEquals(LoggerFactory.getLogger(WatchHub.class).getClass(), NamingLoggers.get(WatchHub.class).getClass());
    }

    @Test
    void withoutAnSlf4jProviderAThrowingListenerAndAnUnreachableRegistryReachStandardError(@TempDir Path dir)
            throws IOException, InterruptedException, URISyntaxException {
        String classpath = String.join(File.pathSeparator,
                location(NamingLoggers.class), location(LoggerFactory.class), location(NoSlf4jProviderProgram.class));
        Path err = dir.resolve("stderr.txt");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, NoSlf4jProviderProgram.class.getName())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile())
                .start();
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new AssertionError("the program did not end within 60 s");
        }
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), stderr);
        assertTrue(stderr.contains("subscription to 'svc': listener threw; it stays subscribed"), stderr);
        assertTrue(stderr.contains("IllegalStateException: listener bug"), stderr);
        assertTrue(stderr.contains("scripted naming: registry unreachable"), stderr);
        assertTrue(stderr.contains("connection refused"), stderr);
        // java.util.logging's console format heads each line with its source: the class that logged
        assertTrue(stderr.contains("dev.naming.spi.HubSubscription drain"), stderr);
        assertTrue(stderr.contains("dev.naming.spi.RegistryState"), stderr);
        assertFalse(stderr.contains("SystemLoggerAdapter"), stderr);
    }

    private static String location(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    @Test
    void withoutAnSlf4jProviderEachLineGoesToTheSystemLoggerAtItsLevel() {
        RecordingSystemLogger target = new RecordingSystemLogger(System.Logger.Level.INFO);
        org.slf4j.Logger log = NamingLoggers.systemLogger("dev.naming.test", target);
        assertEquals("dev.naming.test", log.getName());
        assertEquals(List.of(false, false, true, true, true), List.of(log.isTraceEnabled(), log.isDebugEnabled(),
                log.isInfoEnabled(), log.isWarnEnabled(), log.isErrorEnabled()));
        target.threshold = System.Logger.Level.ALL;
        assertEquals(List.of(true, true), List.of(log.isTraceEnabled(), log.isDebugEnabled()));
        target.threshold = System.Logger.Level.ERROR;
        assertEquals(List.of(false, false, true), List.of(log.isInfoEnabled(), log.isWarnEnabled(), log.isErrorEnabled()));
        target.threshold = System.Logger.Level.OFF;
        assertEquals(false, log.isErrorEnabled());

        target.threshold = System.Logger.Level.ALL;
        IllegalStateException failure = new IllegalStateException("boom");
        log.trace("t {}", 1);
        log.debug("d {}", 2);
        log.info("i {} {}", 3, 4);
        log.warn("w {}", "x", failure);
        log.error("e");
        assertEquals(List.of("TRACE t 1 null", "DEBUG d 2 null", "INFO i 3 4 null",
                "WARNING w x java.lang.IllegalStateException: boom", "ERROR e null"), target.lines);
    }

    /** A System.Logger that keeps what it is given, loggable from a threshold up. */
    private static final class RecordingSystemLogger implements System.Logger {
        final List<String> lines = new java.util.ArrayList<>();
        System.Logger.Level threshold;

        RecordingSystemLogger(System.Logger.Level threshold) {
            this.threshold = threshold;
        }

        @Override
        public String getName() {
            return "recording";
        }

        @Override
        public boolean isLoggable(System.Logger.Level level) {
            return level.getSeverity() >= threshold.getSeverity();
        }

        @Override
        public void log(System.Logger.Level level, java.util.ResourceBundle bundle, String msg, Throwable thrown) {
            lines.add(level + " " + msg + " " + thrown);
        }

        @Override
        public void log(System.Logger.Level level, java.util.ResourceBundle bundle, String format, Object... params) {
            lines.add(level + " " + format + " null");
        }
    }
}
