package dev.naming.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.naming.ServiceInstance;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RandomTest {

    private static final int PICKS = 1_000_000;

    /**
     * Weights 1, 2, 3: the lightest expects 166,667 picks, whose standard deviation is 0.22 % of it, so
     * 1 % is 4.5 deviations: a bound a correct weighted draw meets for practically every seed.
     */
    @Test
    void weightedDistributionOverOneMillionPicksIsWithinOnePercentOfTheWeights() {
        long[] weights = {1, 2, 3};
        List<ServiceInstance> list = Fleet.weighted(weights);
        WeightedBalancer random = Balancer.random(BalancerOptions.defaults().withRandom(new SplittableRandom(24)));
        random.accept(list);

        long[] counts = Fleet.counts(list, PICKS, random::pick);

        RoundRobinTest.assertWithinOnePercent(weights, counts, PICKS);
    }

    @Test
    void manyWeightsAreEachWithinATenthOfAPercentagePointOfTheirShare() {
        long[] weights = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        List<ServiceInstance> list = Fleet.weighted(weights);
        WeightedBalancer random = Balancer.random(BalancerOptions.defaults().withRandom(new SplittableRandom(11)));
        random.accept(list);

        long[] counts = Fleet.counts(list, PICKS, random::pick);

        for (int i = 0; i < weights.length; i++) {
            assertEquals(weights[i] / 55.0, counts[i] / (double) PICKS, 0.001, "instance " + i);
        }
    }

    @Test
    void equalWeightsAreDrawnUniformly() {
        List<ServiceInstance> list = Fleet.of(4);
        WeightedBalancer random = Balancer.random(BalancerOptions.defaults().withRandom(new SplittableRandom(5)));
        random.accept(list);

        long[] counts = Fleet.counts(list, PICKS, random::pick);

        RoundRobinTest.assertWithinOnePercent(new long[] {1, 1, 1, 1}, counts, PICKS);
    }
}
