package dev.naming.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.ServiceInstance;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ListChangeTest {

    @Test
    void namesJoinedLeftAndUpdatedInstancesById() {
        List<ServiceInstance> before = List.of(instance("a", "1"), instance("b", "1"));
        List<ServiceInstance> after = List.of(instance("a", "2"), instance("c", "1"));

        ListChange change = ListChange.between(before, after);

        assertEquals("+c -b ~a", change.summary());
    }

    @Test
    void equalListsMakeNoChange() {
        assertTrue(ListChange.between(List.of(instance("a", "1")), List.of(instance("a", "1"))).isEmpty());
    }

    @Test
    void jsonEscapesQuotesBackslashesAndControlCharacters() {
        StringBuilder sb = new StringBuilder();
        Json.string(sb, "a\"b\\c\nd\u0001");
        assertEquals("\"a\\\"b\\\\c\\nd\\u0001\"", sb.toString());
    }

    private static ServiceInstance instance(String id, String weight) {
        return new ServiceInstance(id, "svc", "10.0.0.1", 80, "http", List.of(), Map.of("weight", weight));
    }
}
