package dev.naming.balance;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.ServiceInstance;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/**
 * A pick allocates nothing (a least-request lease aside) once its view is built: what the thread
 * allocated over many picks, per pick.
 */
class AllocationTest {

    private static final int PICKS = 200_000;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void roundRobinRandomAndConsistentHashPicksAllocateNothing() {
        WeightedBalancer rr = Balancer.roundRobin();
        WeightedBalancer random = Balancer.random();
        HashBalancer hash = Balancer.consistentHash();
        WeightedBalancer zoned = Balancer.random(BalancerOptions.defaults().withZone("a")
                .withOutlierEjection(OutlierEjection.defaults().withConsecutiveFailures(1))
                .withNanoClock(new Fleet.Clock()));
        rr.accept(Fleet.weighted(1, 2, 3, 4, 5));
        random.accept(Fleet.weighted(1, 2, 3, 4, 5));
        hash.accept(Fleet.of(20));
        List<ServiceInstance> zones = List.of(Fleet.instance("a1", "zone", "a"), Fleet.instance("a2", "zone", "a"),
                Fleet.instance("a3", "zone", "a"), Fleet.instance("b1", "zone", "b"), Fleet.instance("b2", "zone", "b"));
        zoned.accept(zones);
        // with all of zone a healthy it takes every pick and no split is drawn; one of its three out
        // leaves it min(1, 1.4 × 2/3) ≈ 93 %, and the clock stands still so that a1 stays out
        zoned.failed(zones.get(0));
        assertNull(zoned.view().only, "the picks must be split between the zones");
        long[] perZone = new long[2];
        for (int i = 0; i < 10_000; i++) {
            perZone[zoned.pick().meta().get("zone").equals("a") ? 0 : 1]++;
        }
        assertTrue(perZone[0] > 0 && perZone[1] > 0, "picks from both zones: " + perZone[0] + " and " + perZone[1]);
        String[] keys = new String[1024];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = "user-" + i;
            keys[i].hashCode(); // a String caches its hash: computing it is the key's business, not the pick's
        }

        assertNoAllocation("round robin", i -> rr.pick());
        assertNoAllocation("random", i -> random.pick());
        assertNoAllocation("consistent hash by string", i -> hash.pick(keys[i & 1023]));
        assertNoAllocation("consistent hash by number", hash::pick);
        assertNoAllocation("random with a zone", i -> zoned.pick());
    }

    @Test
    void aLeastRequestPickAllocatesItsLeaseOnly() {
        LeastRequestBalancer p2c = Balancer.leastRequest();
        p2c.accept(Fleet.of(20));

        double perPick = allocatedPerPick(i -> p2c.pick().close());

        assertTrue(perPick <= 40, "a lease is about 24-32 bytes; measured " + perPick + " bytes per pick");
    }

    private static void assertNoAllocation(String what, IntConsumer pick) {
        double perPick = allocatedPerPick(pick);
        assertTrue(perPick < 0.01, what + ": " + perPick + " bytes per pick");
    }

    private static double allocatedPerPick(IntConsumer pick) {
        long thread = Thread.currentThread().getId();
        // compiled first, so that the interpreter's and the compiler's own allocations are not counted
        for (int i = 0; i < PICKS; i++) {
            pick.accept(i);
        }
        long before = THREADS.getThreadAllocatedBytes(thread);
        for (int i = 0; i < PICKS; i++) {
            pick.accept(i);
        }
        return (THREADS.getThreadAllocatedBytes(thread) - before) / (double) PICKS;
    }
}
