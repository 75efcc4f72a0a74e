package dev.naming.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.naming.ServiceInstance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class WeightTest {

    /** Where slf4j-simple writes in this module's tests (see the pom). */
    private static final Path LOG = Path.of(System.getProperty("org.slf4j.simpleLogger.logFile", "target/balance-tests.log"));

    @Test
    void aWholeNumberWithWhiteSpaceAroundItIsAWeight() {
        assertEquals(0.75, shareOfFirst(Fleet.instance("ws-a", "weight", " 3 "), Fleet.instance("ws-b"), 4), 1e-9);
        // the largest weight read (its cycle, longer than 65,536 picks, is scaled down to 65,534)
        assertEquals(65_533 / 65_534.0, shareOfFirst(Fleet.instance("ws-c", "weight", "1000000"),
                Fleet.instance("ws-d"), 65_534), 1e-9);
    }

    @Test
    void aBadValueCountsAsOneWithOneWarningPerInstance() throws IOException {
        for (String bad : List.of("0", "-2", "1.5", "ten", "", "1000001", "99999999999999999999")) {
            ServiceInstance instance = Fleet.instance("bad-" + bad.hashCode(), "weight", bad);
            WeightedBalancer rr = Balancer.roundRobin();

            for (int list = 0; list < 3; list++) {
                rr.accept(List.of(instance, Fleet.instance("zz-plain")));
            }

            assertEquals(0.5, share(rr, instance, 2), 1e-9, "weight '" + bad + "'");
            assertEquals(1, warnings(instance.id()), "one warning for '" + bad + "' over three lists");
        }
    }

    @Test
    void anotherBadValueOfTheSameInstanceIsWarnedAboutAgain() throws IOException {
        WeightedBalancer rr = Balancer.roundRobin();

        rr.accept(List.of(Fleet.instance("again", "weight", "x")));
        rr.accept(List.of(Fleet.instance("again", "weight", "x")));
        rr.accept(List.of(Fleet.instance("again", "weight", "y")));

        assertEquals(2, warnings("again"));
    }

    private static double shareOfFirst(ServiceInstance first, ServiceInstance second, int cycle) {
        WeightedBalancer rr = Balancer.roundRobin();
        rr.accept(List.of(first, second));
        return share(rr, first, cycle);
    }

    /** The share of {@code instance} over whole cycles of {@code cycle} picks. */
    private static double share(WeightedBalancer rr, ServiceInstance instance, int cycle) {
        int picks = cycle * Math.max(1, 100_000 / cycle);
        int hits = 0;
        for (int i = 0; i < picks; i++) {
            hits += rr.pick().equals(instance) ? 1 : 0;
        }
        return hits / (double) picks;
    }

    private static long warnings(String id) throws IOException {
        return Files.readAllLines(LOG).stream().filter(line -> line.contains("instance '" + id + "'") && line.contains("weight")).count();
    }
}
