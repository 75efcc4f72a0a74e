package dev.naming.consul.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ConsulPathsTest {

    @Test
    void onlyUnreservedCharactersStayAsTheyAre() {
        assertEquals("a%20b%2Bc%2A~-._%C3%A9%2F%3F%23%25%26%3D", ConsulPaths.encode("a b+c*~-._é/?#%&="));
        for (int c = 0; c < 128; c++) {
            String one = String.valueOf((char) c);
            boolean unreserved = Character.isLetterOrDigit(c) || "-._~".indexOf(c) >= 0;
            String expected = unreserved ? one : String.format("%%%02X", c);
            assertEquals(expected, ConsulPaths.encode(one), "character " + c);
        }
        assertEquals("%C3%BC", ConsulPaths.encode("ü"));
    }

    @Test
    void segmentsTheRouterWouldRewriteAreRefused() {
        for (String bad : new String[] {"a/../b", "a//b", "./a", "..", "/a"}) {
            assertThrows(IllegalArgumentException.class, () -> ConsulPaths.checkSegment("name", bad), bad);
        }
        assertEquals("a/b", ConsulPaths.checkSegment("name", "a/b"));
    }
}
