package dev.naming.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** 2 for bad usage or input (the message names the field), 1 for registry failures, one line each. */
class ExitCodesTest {

    private static final String[] REGISTER = {"register", "--id", "x-1", "--name", "chat.logic",
            "--address", "127.0.0.1", "--registry", "inmemory://exit-codes"};

    @Test
    void portZeroExitsTwoNamingThePort() {
        Cli.Result r = Cli.run(concat(REGISTER, "--port", "0"));

        assertEquals(2, r.exit(), r::toString);
        assertEquals("naming: port must be within 1-65535, was 0", r.err().strip());
        assertEquals("", r.out());
    }

    @Test
    void blankNameExitsTwoNamingTheName() {
        Cli.Result find = Cli.run("find", " ", "--registry", "inmemory://exit-codes");
        Cli.Result register = Cli.run("register", "--id", "x-1", "--name", " ", "--address", "127.0.0.1",
                "--port", "80", "--registry", "inmemory://exit-codes");

        assertEquals(2, find.exit(), find::toString);
        assertEquals("naming: name must not be blank", find.err().strip());
        assertEquals(2, register.exit(), register::toString);
        assertEquals("naming: name must not be blank", register.err().strip());
    }

    @Test
    void unknownSchemeExitsOneListingTheSchemesThisCommandHandles() {
        Cli.Result r = Cli.run("find", "chat.logic", "--registry", "nosuch://127.0.0.1:1");

        assertEquals(1, r.exit(), r::toString);
        assertEquals("naming: no backend for scheme 'nosuch': this command handles consul:, discovery:, inmemory:",
                r.err().strip());
    }

    @Test
    void anAddressWithoutASchemeExitsTwoSayingWhatToWrite() {
        Cli.Result r = Cli.run("find", "chat.logic", "--registry", "127.0.0.1:8500");

        assertEquals(2, r.exit(), r::toString);
        assertEquals("naming: uri must start with a scheme such as 'inmemory:' or 'consul://', was '127.0.0.1:8500';"
                + " for a registry at that address write 'consul://127.0.0.1:8500' or 'discovery://127.0.0.1:8500'",
                r.err().strip());
    }

    @Test
    void protocolInMetaExitsTwoNamingTheProtocolOption() {
        Cli.Result r = Cli.run(concat(REGISTER, "--port", "80", "--meta", "protocol=ws"));

        assertEquals(2, r.exit(), r::toString);
        assertEquals("naming: --meta protocol=…: the protocol has an option of its own, --protocol", r.err().strip());
    }

    @Test
    void aDurationInAMessageIsWrittenAsOnTheCommandLine() {
        Cli.Result r = Cli.run(concat(REGISTER, "--port", "80", "--ttl", "500ms"));

        assertEquals(2, r.exit(), r::toString);
        assertEquals("naming: check ttl must be at least 1s, was 500ms", r.err().strip());
    }

    @Test
    void metaWithoutAValueExitsTwoNamingTheOptionAndItsForm() {
        Cli.Result r = Cli.run(concat(REGISTER, "--port", "80", "--meta", "novalue"));

        assertEquals(2, r.exit(), r::toString);
        assertEquals("naming: --meta must be key=value, was 'novalue'", r.err().strip());
    }

    @Test
    void helpKeepsEveryUriOnOneLine() {
        for (String command : new String[] {"", "find", "watch", "register", "deregister", "demo"}) {
            Cli.Result help = command.isEmpty() ? Cli.run("--help") : Cli.run(command, "--help");
            assertEquals(0, help.exit(), help::toString);
            assertFalse(help.out().matches("(?s).*[a-z]:\\R\\s*//.*"), "a URI broken after its scheme: " + help.out());
            if (command.isEmpty()) {
                assertTrue(help.out().contains("discovery://host1:7171,host2:7171?zone=sh1&env=dev"), help.out());
            }
        }
    }

    @Test
    void helpTextIsWrappedByTheHelpNotByHand() {
        // a sentence broken by hand is wrapped again by picocli, leaving a short line in the middle
        String watch = Cli.run("watch", "--help").out();
        String register = Cli.run("register", "--help").out();

        assertFalse(watch.matches("(?s).*left -id,\\R\\s*updated.*"), watch);
        assertFalse(register.matches("(?s).*the end of\\R\\s*--for.*"), register);
    }

    @Test
    void verbosePrintsTheStackTraceOfAFailure() {
        Cli.Result before = Cli.run("--verbose", "find", "chat.logic", "--registry", "nosuch://h");
        Cli.Result after = Cli.run("find", "chat.logic", "--registry", "nosuch://h", "-v");

        assertEquals(1, before.exit(), before::toString);
        assertTrue(before.err().contains("\tat dev.naming."), before::toString);
        assertEquals(1, after.exit(), after::toString);
        assertTrue(after.err().contains("\tat dev.naming."), after::toString);
    }

    @Test
    void missingRegistryAndNoNamingUrlExitsTwo() throws Exception {
        Cli.Result r = CliProcess.run(Map.of(), List.of(), "find", "chat.logic");

        assertEquals(2, r.exit(), r::toString);
        assertTrue(r.err().contains("--registry"), r::toString);
        assertTrue(r.err().contains("naming.url") && r.err().contains("NAMING_URL"), r::toString);
    }

    @Test
    void theNamingUrlPropertyWinsOverTheEnvironmentVariableAsInTheLibrary() throws Exception {
        Cli.Result r = CliProcess.run(Map.of("NAMING_URL", "fromenv://h"), List.of("-Dnaming.url=fromproperty://h"),
                "find", "chat.logic");

        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("scheme 'fromproperty'"), r::toString);
    }

    @Test
    void deregisterAgainstAnUnreachableRegistryPrintsOneLine() throws Exception {
        Cli.Result r = CliProcess.run(Map.of(), List.of(), "deregister", "logic-1", "-r", "consul://127.0.0.1:1");

        assertEquals(1, r.exit(), r::toString);
        assertEquals(1, r.err().lines().count(), r::toString);
        assertTrue(r.err().startsWith("naming: consul: deregister 'logic-1' failed"), r::toString);
        assertEquals("", r.out());
    }

    @Test
    void malformedDurationExitsTwoNamingTheOption() {
        Cli.Result r = Cli.run("watch", "chat.logic", "--timeout", "soon", "--registry", "inmemory://exit-codes");

        assertEquals(2, r.exit(), r::toString);
        assertTrue(r.err().contains("--timeout"), r::toString);
        assertTrue(r.err().contains("'soon' is not a duration"), r::toString);
    }

    @Test
    void missingRequiredOptionOrUnknownOptionExitsTwo() {
        Cli.Result missing = Cli.run("register", "--id", "x-1", "--registry", "inmemory://exit-codes");
        Cli.Result unknown = Cli.run("find", "chat.logic", "--colour");
        Cli.Result noCommand = Cli.run();

        assertEquals(2, missing.exit(), missing::toString);
        assertTrue(missing.err().contains("--name"), missing::toString);
        assertEquals(2, unknown.exit(), unknown::toString);
        assertTrue(unknown.err().contains("--colour"), unknown::toString);
        assertEquals(2, noCommand.exit(), noCommand::toString);
    }

    @Test
    void zeroCountExitsTwo() {
        Cli.Result r = Cli.run("watch", "chat.logic", "--count", "0", "--registry", "inmemory://exit-codes");

        assertEquals(2, r.exit(), r::toString);
        assertEquals("naming: count must be at least 1, was 0", r.err().strip());
    }

    @Test
    void helpAndVersionExitZero() {
        Cli.Result help = Cli.run("--help");
        Cli.Result version = Cli.run("--version");

        assertEquals(0, help.exit(), help::toString);
        assertTrue(help.out().contains("demo"), help::toString);
        assertFalse(help.out().isEmpty());
        assertEquals(0, version.exit(), version::toString);
        assertTrue(version.out().startsWith("naming "), version::toString);
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
