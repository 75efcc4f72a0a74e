package dev.naming.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.NamingException;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** {@code closeOnShutdown}, in JVMs of their own that end as a stopped server's does. */
class CloseOnShutdownTest {

    @Test
    void theJvmsShutdownDrainsWaitsThenDeregistersAndCloses() throws Exception {
        List<String> events = run("hook");

        assertEquals(List.of("register a", "exit", "drain a true", "deregister a", "release"), names(events));
        long drained = time(events.get(2));
        long deregistered = time(events.get(3));
        assertTrue(deregistered - drained >= CloseOnShutdownProgram.DRAIN.toMillis(),
                "deregistered " + (deregistered - drained) + " ms after draining");
    }

    @Test
    void aCancelledCloseOnShutdownDoesNothingAtShutdown() throws Exception {
        assertEquals(List.of("register a", "exit"), names(run("cancelled")));
    }

    @Test
    void closingTheNamingFirstCancelsItsCloseOnShutdown() throws Exception {
        assertEquals(List.of("register a", "deregister a", "release", "exit"), names(run("closed")));
    }

    @Test
    void aNegativeDrainIsRejectedAndAClosedNamingRefuses() {
        try (ScriptedNaming naming = new ScriptedNaming()) {
            assertThrows(IllegalArgumentException.class, () -> naming.closeOnShutdown(Duration.ofMillis(-1)));
            naming.close();
            assertThrows(NamingException.class, () -> naming.closeOnShutdown(Duration.ZERO));
        }
    }

    private static List<String> run(String mode) throws IOException, InterruptedException, URISyntaxException {
        String classpath = String.join(File.pathSeparator, location(NamingLoggers.class), location(LoggerFactory.class),
                location(CloseOnShutdownProgram.class));
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, CloseOnShutdownProgram.class.getName(), mode)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new AssertionError("the program did not end within 60 s");
        }
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), out);
        return out.lines().toList();
    }

    private static List<String> names(List<String> events) {
        return events.stream().map(e -> e.substring(0, e.lastIndexOf(' '))).toList();
    }

    private static long time(String event) {
        return Long.parseLong(event.substring(event.lastIndexOf(' ') + 1));
    }

    private static String location(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
