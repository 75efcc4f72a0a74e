package dev.naming.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.naming.NamingException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointsTest {

    private final Endpoints<String> endpoints = new Endpoints<>("test", List.of("a", "b", "c"));

    @Test
    void aCallFailsOverInOrderAndTheServerThatAnsweredBecomesCurrent() {
        List<String> tried = new ArrayList<>();
        String answer = endpoints.call("read", e -> {
            tried.add(e);
            if (!e.equals("c")) {
                throw new IllegalStateException(e + " down");
            }
            return "from " + e;
        }, IllegalStateException.class::isInstance);
        assertEquals("from c", answer);
        assertEquals(List.of("a", "b", "c"), tried);
        assertEquals("c", endpoints.current());
    }

    @Test
    void anErrorFailOverCannotFixIsThrownAsIsWithoutTryingOthers() {
        List<String> tried = new ArrayList<>();
        IllegalArgumentException refused = new IllegalArgumentException("400");
        assertSame(refused, assertThrows(IllegalArgumentException.class, () -> endpoints.call("write", e -> {
            tried.add(e);
            throw refused;
        }, IllegalStateException.class::isInstance)));
        assertEquals(List.of("a"), tried);
    }

    @Test
    void whenEveryServerFailsTheLastErrorIsTheCause() {
        NamingException e = assertThrows(NamingException.class, () -> endpoints.call("read", s -> {
            throw new IllegalStateException(s + " down");
        }, IllegalStateException.class::isInstance));
        assertEquals("c down", e.getCause().getMessage());
        assertEquals("a", endpoints.current(), "no server answered: the current one stays");
    }

    @Test
    void failedMovesOnOnlyFromTheCurrentServer() {
        endpoints.failed("b");
        assertEquals("a", endpoints.current());
        endpoints.failed("a");
        assertEquals("b", endpoints.current());
        endpoints.failed("b");
        endpoints.failed("c");
        assertEquals("a", endpoints.current(), "round and round");
    }

    @Test
    void replaceKeepsTheCurrentServerWhenTheNewListHasIt() {
        endpoints.use("b");
        endpoints.replace(List.of("x", "b"));
        assertEquals("b", endpoints.current());
        endpoints.replace(List.of("y", "z"));
        assertEquals("y", endpoints.current());
        endpoints.replace(List.of());
        assertEquals(List.of("y", "z"), endpoints.all());
    }

    @Test
    void noServerIsAnErrorNamingTheBackend() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Endpoints<String>("consul", List.of()));
        assertEquals("consul: at least one server is needed", e.getMessage());
    }

    @Test
    void anyServerOfTheListCanBeMadeCurrentTheFirstToo() {
        endpoints.failed("a");
        assertEquals("b", endpoints.current());
        endpoints.use("a");
        assertEquals("a", endpoints.current());
        endpoints.use("z");
        assertEquals("a", endpoints.current(), "not one of the servers");
        assertEquals(3, endpoints.size());
        assertEquals("[a, b, c]", endpoints.toString());
    }
}
