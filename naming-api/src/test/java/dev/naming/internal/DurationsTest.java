package dev.naming.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void aDurationIsWrittenAsPeopleAndUriParametersWriteItNeverInIso8601() {
        assertEquals("500ms", Durations.text(Duration.ofMillis(500)));
        assertEquals("15s", Durations.text(Duration.ofSeconds(15)));
        assertEquals("90s", Durations.text(Duration.ofSeconds(90)));
        assertEquals("2m", Durations.text(Duration.ofMinutes(2)));
        assertEquals("0s", Durations.text(Duration.ZERO));
        assertEquals("-1s", Durations.text(Duration.ofSeconds(-1)));
        assertEquals("1500000ns", Durations.text(Duration.ofNanos(1_500_000)));
        assertEquals(Long.MAX_VALUE + "s", Durations.text(Duration.ofSeconds(Long.MAX_VALUE)));
    }
}
