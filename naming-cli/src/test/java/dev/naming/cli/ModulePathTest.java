package dev.naming.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The command run as a module ({@code java -p … -m dev.naming.cli/…}): the module descriptors of
 * naming-api, the command and the named backends are enough, with no flag to open or add anything.
 * A backend whose descriptor did not provide its {@code NamingProvider} would answer "no naming
 * provider for scheme".
 */
class ModulePathTest {

    @BeforeEach
    void onTheModulePath() {
        assumeTrue(CliProcess.modulePath().isPresent(), "the tests run on the class path: no module path to start from");
    }

    @Test
    void theInMemoryBackendIsFoundThroughItsModuleDescriptor() throws Exception {
        Cli.Result r = CliProcess.runAsModule("find", "chat.logic", "--json", "--registry", "inmemory:");

        assertEquals(0, r.exit(), r::toString);
        assertEquals("[]", r.out().strip());
    }

    @Test
    void theDiscoveryBackendIsFoundThroughItsModuleDescriptorAndReachesTheNetwork() throws Exception {
        Cli.Result r = CliProcess.runAsModule("find", "chat.logic", "--registry", "discovery://127.0.0.1:1?env=dev");

        // found, and its read went out over java.net.http (nobody listens on port 1)
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("127.0.0.1:1") && r.err().contains("ConnectException"), r::toString);
        assertFalse(r.err().contains("no naming provider"), r::toString);
    }
}
