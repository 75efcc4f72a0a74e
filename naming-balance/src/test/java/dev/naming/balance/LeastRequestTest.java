package dev.naming.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.ServiceInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LeastRequestTest {

    @Test
    void ofTwoInstancesTheOneWithFewerOpenLeasesWinsEveryPick() {
        List<ServiceInstance> list = Fleet.of(2);
        LeastRequestBalancer p2c = Balancer.leastRequest(BalancerOptions.defaults().withRandom(new SplittableRandom(1)));
        List<Lease> held = leases(p2c, list.get(0), 3);
        p2c.accept(list); // open leases are kept by id across lists

        for (int i = 0; i < 1_000; i++) {
            try (Lease lease = p2c.pick()) {
                assertEquals(list.get(1), lease.instance());
            }
        }
        held.forEach(Lease::close);
    }

    @Test
    void openLeasesSpreadEvenlyOverEqualInstances() {
        List<ServiceInstance> list = Fleet.of(10);
        LeastRequestBalancer p2c = Balancer.leastRequest(BalancerOptions.defaults().withRandom(new SplittableRandom(2)));
        p2c.accept(list);

        long[] open = Fleet.counts(list, 1_000, () -> p2c.pick().instance()); // every lease held open

        for (long count : open) {
            // with two choices the spread stays within a few leases of the mean; random alone would be ±30
            assertTrue(Math.abs(count - 100) <= 3, java.util.Arrays.toString(open));
        }
    }

    @Test
    void aHeavierInstanceHoldsOpenLeasesInProportionToItsWeight() {
        List<ServiceInstance> list = Fleet.weighted(1, 3);
        LeastRequestBalancer p2c = Balancer.leastRequest(BalancerOptions.defaults().withRandom(new SplittableRandom(3)));
        p2c.accept(list);

        long[] open = Fleet.counts(list, 400, () -> p2c.pick().instance()); // every lease held open

        assertEquals(100, open[0], 2);
        assertEquals(300, open[1], 2);
    }

    @Test
    void aLeaseEndsOnceWhateverTheCallsAndAFailureCountsTowardsEjection() {
        List<ServiceInstance> list = Fleet.of(2);
        LeastRequestBalancer p2c = Balancer.leastRequest(BalancerOptions.defaults()
                .withOutlierEjection(OutlierEjection.defaults().withConsecutiveFailures(2)));
        List<Lease> held = leases(p2c, list.get(0), 2);
        p2c.accept(list);
        Lease first = held.get(0);
        Lease second = held.get(1);

        first.failed();
        first.close();
        first.failed();
        assertFalse(first.isOpen());
        assertEquals(2, p2c.available().size(), "one failure reported, not two");
        for (int i = 0; i < 100; i++) {
            try (Lease lease = p2c.pick()) {
                assertEquals(list.get(1), lease.instance(), "logic-000 still has one lease open, not -1");
            }
        }
        second.failed();

        assertEquals(List.of(list.get(1)), p2c.available());
    }

    /** {@code count} leases on {@code target}, taken while it was the balancer's only instance. */
    static List<Lease> leases(LeastRequestBalancer p2c, ServiceInstance target, int count) {
        p2c.accept(List.of(target));
        List<Lease> held = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            held.add(p2c.pick());
        }
        return held;
    }
}
