package dev.naming.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class DemoCommandTest {

    @Test
    @Timeout(15)
    void demoShowsWarmingThenAdultAnUpdateADepartureFindByTagAndUsersMovingOnlyWithTheServerThatChanged() {
        long start = System.nanoTime();
        Cli.Result r = Cli.run("demo");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertEquals(0, r.exit(), r::toString);
        String out = r.out();
        assertInOrder(out,
                "registry  logic-1 is registered -> warming",
                "registry  logic-3 is registered -> warming",
                "gateway   logic-1 is adult after warming",
                "gateway   logic-3 is adult after warming",
                "users moved (", "all to logic-3, the newcomer; the others stayed put",
                "gateway   logic-1 updated",
                "find(chat.logic, tag gate) -> logic-1 logic-2",
                "find(chat.logic, tag zone-a) -> logic-1 logic-3",
                "gateway   logic-2 left",
                "users moved (", "all of them logic-2's; the others stayed put",
                "find(chat.logic, tag gate) -> logic-1",
                "Summary");
        assertTrue(took.compareTo(Duration.ofSeconds(12)) < 0, "demo took " + took);
        assertEquals("", r.err(), "nothing on stderr by default");
    }

    private static void assertInOrder(String text, String... parts) {
        int from = 0;
        for (String part : List.of(parts)) {
            int at = text.indexOf(part, from);
            assertTrue(at >= 0, "expected '" + part + "' after position " + from + " in:\n" + text);
            from = at + part.length();
        }
    }
}
