package dev.naming.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostPortTest {

    @Test
    void parsesHostAndPortAndTakesTheDefaultPortWhenThereIsNone() {
        assertEquals(new HostPort("agent.local", 8500), HostPort.parse("consul host", "agent.local:8500", 1));
        assertEquals(new HostPort("agent.local", 8500), HostPort.parse("consul host", " agent.local ", 8500));
        assertEquals(new HostPort("10.0.0.1", 1), HostPort.parse("consul host", "10.0.0.1:1", 8500));
        assertEquals(new HostPort("10.0.0.1", 65535), HostPort.parse("consul host", "10.0.0.1:65535", 8500));
    }

    @Test
    void readsIpv6WithAndWithoutBrackets() {
        assertEquals(new HostPort("::1", 8500), HostPort.parse("node", "[::1]:8500", 7171));
        assertEquals(new HostPort("::1", 7171), HostPort.parse("node", "[::1]", 7171));
        assertEquals(new HostPort("fe80::1%eth0", 7171), HostPort.parse("node", "fe80::1%eth0", 7171));
    }

    @Test
    void writesTheAuthorityWithBracketsAroundIpv6() {
        assertEquals("[::1]:8500", new HostPort("::1", 8500).authority());
        assertEquals("h:80", new HostPort("h", 80).authority());
        assertEquals("[::1]:8500", new HostPort("::1", 8500).toString());
    }

    @Test
    void rejectsMalformedTextNamingTheField() {
        assertRejected("node '[::1' has an unclosed IPv6 bracket", "[::1", 7171);
        assertRejected("node '[::1]8500' must be [address]:port", "[::1]8500", 7171);
        assertRejected("node is invalid: ''", "", 7171);
        assertRejected("node is invalid: 'null'", null, 7171);
        assertRejected("node is invalid: ':80'", ":80", 7171);
        assertRejected("node is invalid: 'a b:80'", "a b:80", 7171);
        assertRejected("node is invalid: 'a/b'", "a/b", 7171);
        assertRejected("node 'h' needs a port", "h", 0);
        assertRejected("node 'h:0': port must be within 1-65535", "h:0", 7171);
        assertRejected("node 'h:65536': port must be within 1-65535", "h:65536", 7171);
        assertRejected("node 'h:x': port must be within 1-65535", "h:x", 7171);
        assertRejected("node 'h:': port must be within 1-65535", "h:", 7171);
    }

    @Test
    void aValueNeedsAHostAndAPortWithinRange() {
        assertEquals("host must not be empty",
                assertThrows(IllegalArgumentException.class, () -> new HostPort("", 80)).getMessage());
        assertEquals("host must not be empty",
                assertThrows(IllegalArgumentException.class, () -> new HostPort(null, 80)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new HostPort("h", 0)).getMessage()
                .startsWith("port"));
    }

    private static void assertRejected(String message, String text, int defaultPort) {
        assertEquals(message, assertThrows(IllegalArgumentException.class,
                () -> HostPort.parse("node", text, defaultPort)).getMessage());
    }
}
