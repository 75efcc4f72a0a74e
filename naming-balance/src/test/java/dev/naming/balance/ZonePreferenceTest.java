package dev.naming.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.ServiceInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ZonePreferenceTest {

    private static final int PICKS = 100_000;

    private final List<ServiceInstance> zoneA = zone("a", 10);
    private final List<ServiceInstance> zoneB = zone("b", 10);
    private final List<ServiceInstance> all = new ArrayList<>();

    ZonePreferenceTest() {
        all.addAll(zoneA);
        all.addAll(zoneB);
    }

    private static BalancerOptions options(String zone) {
        return BalancerOptions.defaults().withZone(zone).withRandom(new SplittableRandom(14))
                .withOutlierEjection(OutlierEjection.defaults().withConsecutiveFailures(1));
    }

    @Test
    void everyPickStaysInTheCallersZoneWhileEnoughOfItsInstancesAreHealthy() {
        WeightedBalancer rr = Balancer.roundRobin(options("a"));
        rr.accept(all);
        rr.failed(zoneA.get(0));
        rr.failed(zoneA.get(1)); // 8 of 10 healthy: above 1/1.4

        assertEquals(1.0, localShare(rr::pick), 0);
    }

    @Test
    void belowOneInOnePointFourHealthyTheZoneKeepsItsShareAndTheRestSpillsOver() {
        WeightedBalancer random = Balancer.random(options("a"));
        random.accept(all);
        for (int i = 0; i < 5; i++) {
            random.failed(zoneA.get(i)); // 5 of 10 healthy: the zone takes 1.4 × 0.5 = 70 %
        }

        assertEquals(0.7, localShare(random::pick), 0.005);
    }

    @Test
    void withNoHealthyInstanceInTheZoneEveryPickSpillsAndWithNoneElsewhereEveryPickStays() {
        WeightedBalancer rr = Balancer.roundRobin(options("c"));
        rr.accept(all);
        double inC = localShare(rr::pick, "c");
        WeightedBalancer onlyHere = Balancer.roundRobin(options("a"));
        onlyHere.accept(zoneA);

        assertEquals(0, inC, 0);
        assertEquals(all.size(), distinct(rr::pick), "spills over every other zone");
        assertEquals(zoneA.size(), distinct(onlyHere::pick));
    }

    @Test
    void instancesWithoutAZoneBelongToNone() {
        ServiceInstance unzoned = Fleet.instance("z-none");
        List<ServiceInstance> list = new ArrayList<>(zoneA);
        list.add(unzoned);
        WeightedBalancer rr = Balancer.roundRobin(options("a"));
        rr.accept(list);

        for (int i = 0; i < 1_000; i++) {
            assertTrue(!rr.pick().equals(unzoned));
        }
    }

    @Test
    void leastRequestPrefersTheZoneToo() {
        LeastRequestBalancer p2c = Balancer.leastRequest(options("b"));
        p2c.accept(all);

        double share = localShare(() -> {
            try (Lease lease = p2c.pick()) {
                return lease.instance();
            }
        }, "b");

        assertEquals(1.0, share, 0);
    }

    private double localShare(java.util.function.Supplier<ServiceInstance> pick) {
        return localShare(pick, "a");
    }

    private static double localShare(java.util.function.Supplier<ServiceInstance> pick, String zone) {
        int local = 0;
        for (int i = 0; i < PICKS; i++) {
            local += zone.equals(pick.get().meta().get("zone")) ? 1 : 0;
        }
        return local / (double) PICKS;
    }

    private static long distinct(java.util.function.Supplier<ServiceInstance> pick) {
        return java.util.stream.Stream.generate(pick).limit(PICKS).distinct().count();
    }

    private static List<ServiceInstance> zone(String zone, int n) {
        List<ServiceInstance> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(Fleet.instance(zone + "-" + i, "zone", zone));
        }
        return list;
    }
}
