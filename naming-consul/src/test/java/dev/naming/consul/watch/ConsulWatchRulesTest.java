package dev.naming.consul.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The blocking-query index rules and the pacing of one watch, without a network. */
class ConsulWatchRulesTest {

    @Test
    void indexThatGoesBackwardsResetsToZero() {
        assertEquals(0, ConsulWatch.nextIndex(120, 7));
    }

    @Test
    void indexBelowOneBecomesOneSoTheWatchNeverBlocksOnZero() {
        assertEquals(1, ConsulWatch.nextIndex(0, 0));
        assertEquals(1, ConsulWatch.nextIndex(120, 0));
        assertEquals(1, ConsulWatch.nextIndex(5, -3));
    }

    @Test
    void indexThatMovesForwardIsKept() {
        assertEquals(121, ConsulWatch.nextIndex(120, 121));
        assertEquals(120, ConsulWatch.nextIndex(120, 120));
        assertEquals(42, ConsulWatch.nextIndex(0, 42));
    }

    @Test
    void pacerAllowsABurstOfTwoThenOneQueryPerInterval() {
        AtomicLong now = new AtomicLong();
        QueryPacer pacer = new QueryPacer(Duration.ofSeconds(1), Duration.ofSeconds(15), now::get);
        assertEquals(Duration.ZERO, pacer.delayBeforeNext());
        assertEquals(Duration.ZERO, pacer.delayBeforeNext());
        assertEquals(Duration.ofSeconds(1), pacer.delayBeforeNext());
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        assertEquals(Duration.ZERO, pacer.delayBeforeNext());
    }

    @Test
    void pacerPausesLongerWhileTheIndexDoesNotMoveUpToItsCap() {
        AtomicLong now = new AtomicLong();
        QueryPacer pacer = new QueryPacer(Duration.ofMillis(100), Duration.ofSeconds(15), now::get);
        Duration last = Duration.ZERO;
        for (int i = 0; i < 12; i++) {
            now.addAndGet(Duration.ofSeconds(60).toNanos()); // tokens are plenty: only the pause counts
            pacer.idleReturn();
            last = pacer.delayBeforeNext();
            assertTrue(last.compareTo(Duration.ofSeconds(15)) <= 0, last.toString());
        }
        assertTrue(last.compareTo(Duration.ofSeconds(10)) >= 0, "grew towards the cap: " + last);
        pacer.progress();
        now.addAndGet(Duration.ofSeconds(60).toNanos());
        assertEquals(Duration.ZERO, pacer.delayBeforeNext());
    }
}
