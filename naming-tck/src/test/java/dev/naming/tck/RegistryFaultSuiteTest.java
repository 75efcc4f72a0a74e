package dev.naming.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.naming.tck.RegistryFixture.Fault;
import java.util.EnumSet;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RegistryFaultSuiteTest {

    @Test
    void theLongFaultCaseRunsOnARegistryWhoseOnlyFaultsAreItsOwnErrorAnswers() {
        // a registry that is not HTTP has no 429 or 503, but can answer garbage or its own error
        assertEquals(Optional.of(Fault.MALFORMED_REPLIES),
                RegistryFaultSuite.longFault(EnumSet.of(Fault.UNREACHABLE, Fault.MALFORMED_REPLIES)));
        assertEquals(Optional.of(Fault.PROTECT_MODE), RegistryFaultSuite.longFault(EnumSet.of(Fault.PROTECT_MODE)));
    }

    @Test
    void theLongFaultCasePrefersAnHttpErrorAnswerAndSkipsWhereNoRequestReachesTheServer() {
        assertEquals(Optional.of(Fault.SERVER_ERROR),
                RegistryFaultSuite.longFault(EnumSet.of(Fault.MALFORMED_REPLIES, Fault.SERVER_ERROR)));
        assertEquals(Optional.empty(), RegistryFaultSuite.longFault(EnumSet.of(Fault.UNREACHABLE, Fault.SLOW_REPLIES)));
    }
}
