package dev.naming.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.naming.spi.NamingProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The README's table of each backend's URI parameters is the one its provider declares: a
 * parameter added, renamed or given a new default without the README fails here, and the
 * failure shows the table to paste.
 */
class ParameterTablesTest {

    @Test
    void readmeShowsEveryBackendsDeclaredParameters() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        for (NamingProvider provider : ServiceLoader.load(NamingProvider.class)) {
            if (provider.parameters().all().isEmpty()) {
                // nothing to document (the test-only providers other modules' test jars bring)
                continue;
            }
            String begin = "<!-- parameters: " + provider.scheme() + " -->\n";
            String end = "<!-- /parameters -->";
            int start = readme.indexOf(begin);
            String expected = provider.parameters().markdownTable();
            String shown = start < 0 ? "(no block '" + begin.trim() + "' in README.md)"
                    : readme.substring(start + begin.length(), readme.indexOf(end, start));
            assertEquals(expected, shown, "README.md's parameter table of " + provider.scheme());
        }
    }
}
