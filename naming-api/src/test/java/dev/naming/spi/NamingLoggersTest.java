package dev.naming.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        assertTrue(stderr.contains("watch of 'svc': registry unreachable"), stderr);
        assertTrue(stderr.contains("connection refused"), stderr);
    }

    private static String location(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
