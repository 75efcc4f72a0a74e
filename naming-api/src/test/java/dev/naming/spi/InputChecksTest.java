package dev.naming.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class InputChecksTest {

    @Test
    void passesValidInputThroughAndRejectsInvalidInputNamingTheField() {
        assertEquals("chat.logic", InputChecks.serviceName("chat.logic"));
        assertEquals("logic-1", InputChecks.serviceId("logic-1"));
        assertEquals("cluster-a", InputChecks.identifier("registry name", "cluster-a"));
        assertEquals("grpc", InputChecks.protocol("grpc"));
        assertEquals(List.of("gate", "zone-a"), InputChecks.tags(List.of("gate", "zone-a", "gate")));
        assertEquals(256, InputChecks.MAX_NAME_LENGTH);

        assertEquals("name must not be blank", message(() -> InputChecks.serviceName(" ")));
        assertEquals("id must not be null", message(() -> InputChecks.serviceId(null)));
        assertEquals("registry name must not be blank", message(() -> InputChecks.identifier("registry name", "")));
        assertEquals("protocol must not be blank", message(() -> InputChecks.protocol("")));
        assertEquals("tags must not be blank", message(() -> InputChecks.tags(List.of("gate", " "))));
    }

    private static String message(Runnable call) {
        return assertThrows(IllegalArgumentException.class, call::run).getMessage();
    }
}
