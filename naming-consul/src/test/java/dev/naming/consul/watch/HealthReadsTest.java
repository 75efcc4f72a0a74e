package dev.naming.consul.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.consul.http.ConsulHttp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HealthReadsTest {

    private final ConsulHttp http = new ConsulHttp(new ConsulHttp.Settings(false, null, null, null, Duration.ofSeconds(1),
            Map.of(), 1 << 20, 8192));

    @AfterEach
    void close() {
        http.close();
    }

    private HealthReads reads(boolean tls, String dc, boolean stale) {
        Duration any = Duration.ofSeconds(1);
        return new HealthReads(http, List.of(URI.create("http://10.0.0.1:8500")), new WatchSettings(tls, dc, stale,
                Duration.ofSeconds(30), Duration.ofSeconds(37), Duration.ofSeconds(10), any, any, any, any));
    }

    @Test
    void firstReadDoesNotBlockAndLaterOnesCarryIndexAndWait() {
        HealthReads q = reads(false, "dc2", false);
        assertEquals("/v1/health/service/chat.logic?passing=1&dc=dc2", q.target("chat.logic", 0, List.of()));
        assertEquals("/v1/health/service/chat.logic?passing=1&dc=dc2&index=42&wait=30s",
                q.target("chat.logic", 42, List.of()));
    }

    @Test
    void theNameIsOneEncodedSegmentAndTagsAndStaleAreParameters() {
        HealthReads q = reads(false, null, true);
        assertEquals("/v1/health/service/a%2Fb%3Fc%23d%20e?passing=1&tag=x%26y&tag=z&stale",
                q.target("a/b?c#d e", 0, List.of("x&y", "z")));
    }

    @Test
    void indexHeaderIsReadAsAnUnsignedNumber() {
        assertEquals(0, HealthReads.parseIndex(null));
        assertEquals(0, HealthReads.parseIndex("junk"));
        assertEquals(17, HealthReads.parseIndex(" 17"));
        assertEquals(Long.MAX_VALUE, HealthReads.parseIndex("18446744073709551615"));
    }

    /** Log lines written to standard error (slf4j-simple looks it up on every line) while {@code action} runs. */
    private static List<String> errorLines(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        System.setErr(new PrintStream(copy, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return copy.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void oneWarningWhenPlainHttpWatchesNearTheAgentsConnectionLimit() {
        HealthReads q = reads(false, null, false);
        List<String> upToTheLimit = errorLines(() -> {
            for (int i = 0; i < HealthReads.PLAIN_HTTP_WARNING; i++) {
                q.watchStarted();
            }
        });
        List<String> past = errorLines(() -> {
            for (int i = 0; i < 50; i++) {
                q.watchStarted();
            }
        });

        assertEquals(List.of(), upToTheLimit.stream().filter(l -> l.contains("WARN")).toList());
        List<String> warnings = past.stream().filter(l -> l.contains("WARN")).toList();
        assertEquals(1, warnings.size(), past.toString());
        assertTrue(warnings.get(0).contains("181 services are watched over plain HTTP")
                && warnings.get(0).contains("tls=true"), warnings.get(0));
    }

    @Test
    void noWarningOverTls() {
        HealthReads q = reads(true, null, false);
        List<String> lines = errorLines(() -> {
            for (int i = 0; i < 2 * HealthReads.PLAIN_HTTP_WARNING; i++) {
                q.watchStarted();
            }
        });
        assertEquals(List.of(), lines.stream().filter(l -> l.contains("WARN")).toList());
    }
}
