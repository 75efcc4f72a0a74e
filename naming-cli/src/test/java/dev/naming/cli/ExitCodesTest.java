package dev.naming.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void unknownSchemeExitsOneListingTheAvailableSchemes() {
        Cli.Result r = Cli.run("find", "chat.logic", "--registry", "nosuch://127.0.0.1:1");

        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().startsWith("naming: no naming provider for scheme 'nosuch'"), r::toString);
        assertTrue(r.err().contains("inmemory"), r::toString);
        assertEquals(1, r.err().lines().count(), "one line, no stack trace: " + r);
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
    void missingRegistryAndNoNamingUrlExitsTwo() {
        Cli.Result r = Cli.runWithEnv(Map.of(), "find", "chat.logic");

        assertEquals(2, r.exit(), r::toString);
        assertTrue(r.err().contains("--registry"), r::toString);
        assertTrue(r.err().contains("NAMING_URL"), r::toString);
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
