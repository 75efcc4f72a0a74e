package dev.naming.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LatencySamplesTest {

    private static LatencySamples noisy(int size, long seed, long shiftNanos) {
        SplittableRandom random = new SplittableRandom(seed);
        LatencySamples samples = new LatencySamples(size);
        for (int i = 0; i < size; i++) {
            // 10 ms and an exponential tail of about 1 ms, as a propagation looks
            samples.add(10_000_000 + (long) (-Math.log(1 - random.nextDouble()) * 1_000_000) + shiftNanos);
        }
        return samples;
    }

    @Test
    void aSeriesOneMillisecondBehindOnEveryChangeIsBehindByExactlyThatWhicheverChangesAreDrawn() {
        LatencySamples peer = noisy(1_000, 7, 0);
        LatencySamples naming = noisy(1_000, 7, 1_000_000);

        double[] d = naming.percentileDifference(peer, 99, 500, 1);

        // drawn without keeping the pairs, the two p99s would wander apart by far more than 1 ms
        assertArrayEquals(new double[] {1, 1, 1}, d, 1e-9);
    }

    @Test
    void twoIndependentSeriesOfOneDistributionDifferWithinAnIntervalThatHoldsTheirDifference() {
        LatencySamples a = noisy(1_000, 1, 0);
        LatencySamples b = noisy(1_000, 2, 0);

        double[] d = a.percentileDifference(b, 99, 2_000, 3);

        assertEquals(a.percentileMillis(99) - b.percentileMillis(99), d[0], 1e-9);
        assertTrue(d[1] < d[0] && d[0] < d[2], "low " + d[1] + " < " + d[0] + " < high " + d[2]);
        assertTrue(d[1] < 0 && 0 < d[2], "the same distribution: 0 inside [" + d[1] + ", " + d[2] + "]");
    }

    @Test
    void seriesOfDifferentLengthsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> noisy(10, 1, 0).percentileDifference(noisy(9, 1, 0), 99, 10, 1));
        assertTrue(e.getMessage().contains("10") && e.getMessage().contains("9"), e.getMessage());
    }
}
