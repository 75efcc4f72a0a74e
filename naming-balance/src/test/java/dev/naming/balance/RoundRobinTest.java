package dev.naming.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.ServiceInstance;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RoundRobinTest {

    @Test
    void weightsFiveOneOneGiveNginxsSmoothSequence() {
        WeightedBalancer rr = Balancer.roundRobin();
        rr.accept(List.of(Fleet.instance("a", "weight", "5"), Fleet.instance("b", "weight", "1"),
                Fleet.instance("c", "weight", "1")));

        String picks = java.util.stream.IntStream.range(0, 14).mapToObj(i -> rr.pick().id()).collect(Collectors.joining(" "));

        assertEquals("a a b a c a a a a b a c a a", picks);
    }

    @Test
    void weightedDistributionOverOneMillionPicksIsWithinOnePercentOfTheWeights() {
        long[] weights = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        List<ServiceInstance> list = Fleet.weighted(weights);
        WeightedBalancer rr = Balancer.roundRobin();
        rr.accept(list);

        int picks = 1_000_000;
        long[] counts = Fleet.counts(list, picks, rr::pick);

        assertWithinOnePercent(weights, counts, picks);
    }

    @Test
    void noInstanceGetsMoreThanItsSharePlusOneInAnyWindowOfTheWeightsSum() {
        SplittableRandom random = new SplittableRandom(24);
        for (int round = 0; round < 50; round++) {
            int n = 2 + random.nextInt(9);
            long[] weights = new long[n];
            long total = 0;
            for (int i = 0; i < n; i++) {
                weights[i] = 1 + random.nextInt(random.nextBoolean() ? 5 : 50);
                total += weights[i];
            }
            List<ServiceInstance> list = Fleet.weighted(weights);
            WeightedBalancer rr = Balancer.roundRobin();
            rr.accept(list);
            int length = (int) (3 * total);
            int[] picks = new int[length];
            for (int i = 0; i < length; i++) {
                picks[i] = list.indexOf(rr.pick());
            }
            // every window, of every length up to the weights' sum: at most its share rounded up, plus one
            for (int window = 1; window <= total; window++) {
                long[] inWindow = new long[n];
                for (int i = 0; i < length; i++) {
                    inWindow[picks[i]]++;
                    if (i >= window) {
                        inWindow[picks[i - window]]--;
                    }
                    if (i >= window - 1) {
                        for (int k = 0; k < n; k++) {
                            long share = (window * weights[k] + total - 1) / total;
                            long limit = window == total ? weights[k] + 1 : share + 1;
                            assertTrue(inWindow[k] <= limit, "weights " + java.util.Arrays.toString(weights) + ": instance " + k
                                    + " got " + inWindow[k] + " of a window of " + window + " ending at " + i + ", share " + share);
                        }
                    }
                }
            }
        }
    }

    @Test
    void equalWeightsGoInTurns() {
        WeightedBalancer rr = Balancer.roundRobin();
        rr.accept(Fleet.of(3));

        String picks = java.util.stream.IntStream.range(0, 6).mapToObj(i -> rr.pick().id()).collect(Collectors.joining(" "));

        assertEquals("logic-000 logic-001 logic-002 logic-000 logic-001 logic-002", picks);
    }

    @Test
    void weightsWhoseSumExceedsTheCycleAreScaledKeepingTheirShares() {
        long[] weights = {1_000_000, 999_983, 3, 7};
        List<ServiceInstance> list = Fleet.weighted(weights);
        WeightedBalancer rr = Balancer.roundRobin();
        rr.accept(list);

        int picks = 1 << 16;
        long[] counts = Fleet.counts(list, picks, rr::pick);

        assertTrue(counts[2] >= 1 && counts[3] >= 1, "light instances still picked: " + java.util.Arrays.toString(counts));
        assertEquals(0.5, counts[0] / (double) picks, 0.001);
    }

    static void assertWithinOnePercent(long[] weights, long[] counts, int picks) {
        long total = java.util.Arrays.stream(weights).sum();
        for (int i = 0; i < weights.length; i++) {
            double expected = picks * (double) weights[i] / total;
            double error = Math.abs(counts[i] - expected) / expected;
            assertTrue(error <= 0.01, "instance " + i + " (weight " + weights[i] + "): " + counts[i] + " picks, expected "
                    + Math.round(expected) + " (" + String.format("%.3f", 100 * error) + " % off)");
        }
    }
}
