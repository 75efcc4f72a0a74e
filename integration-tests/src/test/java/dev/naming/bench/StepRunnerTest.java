package dev.naming.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StepRunnerTest {

    @TempDir
    Path out;

    @Test
    void aStepThatThrowsIsRecordedAsFailedWithItsErrorAndTheNextStepStillRuns() throws IOException {
        BenchResults results = new BenchResults();
        StepRunner runner = new StepRunner(results, out);

        boolean first = runner.run("consul-emulator", "propagation", () -> {
            results.add("consul-emulator", "propagation register p50", 1.25, "ms");
            throw new IllegalStateException("register 'anchor' failed",
                    new SocketTimeoutException("Read timed out"));
        });
        boolean second = runner.run("consul-emulator", "scaling",
                () -> results.add("consul-emulator", "1,000 watched services: library threads", 19, "threads"));

        assertFalse(first);
        assertTrue(second);
        List<BenchResults.Step> steps = results.steps();
        assertEquals(2, steps.size());
        assertTrue(steps.get(0).failed());
        assertEquals("IllegalStateException: register 'anchor' failed ← SocketTimeoutException: Read timed out",
                steps.get(0).error());
        assertFalse(steps.get(1).failed());
        assertNull(steps.get(1).error());
        // the failed step's figures up to its failure are kept, and the next step's
        assertEquals(List.of("propagation register p50", "1,000 watched services: library threads"),
                results.all().stream().map(BenchResults.Result::metric).toList());

        String json = Files.readString(out.resolve("results.json"));
        assertTrue(json.contains("\"step\": \"propagation\", \"status\": \"failed\""), json);
        assertTrue(json.contains("\"error\": \"IllegalStateException: register 'anchor' failed ← SocketTimeoutException: Read timed out\""), json);
        assertTrue(json.contains("\"step\": \"scaling\", \"status\": \"done\""), json);
        assertTrue(json.contains("\"metric\": \"propagation register p50\", \"value\": 1.250"), json);
        assertTrue(json.contains("\"metric\": \"1,000 watched services: library threads\", \"value\": 19"), json);
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(md.contains("| consul-emulator | propagation | **failed**: IllegalStateException: register 'anchor' failed"), md);
        assertTrue(md.contains("| consul-emulator | 1,000 watched services: library threads | 19 | threads |"), md);
    }

    @Test
    void anErrorIsRecordedTooAndTheResultsAreWrittenAfterEveryStep() throws IOException {
        BenchResults results = new BenchResults();
        StepRunner runner = new StepRunner(results, out);

        assertFalse(runner.run("inmemory", "fanout", () -> {
            throw new AssertionError("subscribers without the new list: 3");
        }));

        // written before any later step: a run cut short keeps what it measured
        String json = Files.readString(out.resolve("results.json"));
        assertTrue(json.contains("\"error\": \"AssertionError: subscribers without the new list: 3\""), json);
    }

    @Test
    void anErrorMessageOnSeveralLinesStaysValidJson() {
        BenchResults results = new BenchResults();
        StepRunner runner = new StepRunner(results, null);

        runner.run("inmemory", "find", () -> {
            throw new IOException("line one\n\"quoted\"\tand a tab");
        });

        assertTrue(results.json().contains("\"error\": \"IOException: line one\\n\\\"quoted\\\"\\tand a tab\""),
                results.json());
    }
}
