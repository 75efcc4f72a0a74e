package dev.naming.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** What every balancer shares: its input checks, its threads (none) and picks racing with new lists. */
class BalancerTest {

    @Test
    void badInputIsRefusedNamingTheField() {
        WeightedBalancer rr = Balancer.roundRobin();
        HashBalancer hash = Balancer.consistentHash();
        List<ServiceInstance> withNull = new ArrayList<>();
        withNull.add(null);

        OutlierEjectionTest.assertField("instances", () -> rr.accept(null));
        OutlierEjectionTest.assertField("instances", () -> rr.accept(withNull));
        OutlierEjectionTest.assertField("instance", () -> rr.failed(null));
        OutlierEjectionTest.assertField("instance", () -> rr.succeeded(null));
        OutlierEjectionTest.assertField("key", () -> hash.pick(null));
        OutlierEjectionTest.assertField("options", () -> Balancer.roundRobin(null));
        OutlierEjectionTest.assertField("zone", () -> BalancerOptions.defaults().withZone(" "));
        OutlierEjectionTest.assertField("slowStart", () -> BalancerOptions.defaults().withSlowStart(Duration.ofSeconds(-1)));
        OutlierEjectionTest.assertField("outlierEjection", () -> BalancerOptions.defaults().withOutlierEjection(null));
        OutlierEjectionTest.assertField("nanoClock", () -> BalancerOptions.defaults().withNanoClock(null));
    }

    @Test
    void aBalancerStartsNoThreadWhateverItTimes() {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        Fleet.Clock clock = new Fleet.Clock();
        BalancerOptions timed = BalancerOptions.defaults().withNanoClock(clock).withSlowStart(Duration.ofSeconds(10))
                .withOutlierEjection(OutlierEjection.defaults().withConsecutiveFailures(1));
        List<ServiceInstance> ten = Fleet.of(10);

        for (int i = 0; i < 50; i++) {
            LeastRequestBalancer p2c = Balancer.leastRequest(timed);
            p2c.accept(ten.subList(0, 5));
            p2c.accept(ten);
            p2c.failed(ten.get(i % 10));
            clock.advance(Duration.ofSeconds(3));
            p2c.pick().close();
        }

        Set<Thread> started = new HashSet<>(Thread.getAllStackTraces().keySet());
        started.removeAll(before);
        assertEquals(Set.of(), started);
    }

    @Test
    void picksRacingWithNewListsAlwaysReturnAnInstanceOfADeliveredList() throws InterruptedException {
        List<ServiceInstance> small = Fleet.of(3);
        List<ServiceInstance> large = Fleet.of(7);
        WeightedBalancer rr = Balancer.roundRobin();
        LeastRequestBalancer p2c = Balancer.leastRequest();
        HashBalancer hash = Balancer.consistentHash();
        List<Balancer> balancers = List.of(rr, p2c, hash);
        balancers.forEach(b -> b.accept(small));
        Set<ServiceInstance> seen = ConcurrentHashMap.newKeySet();
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(4);

        for (int t = 0; t < 4; t++) {
            int id = t;
            Thread picker = new Thread(() -> {
                try {
                    for (long i = 0; !stop.get(); i++) {
                        seen.add(rr.pick());
                        try (Lease lease = p2c.pick()) {
                            seen.add(lease.instance());
                        }
                        seen.add(hash.pick(i * 4 + id));
                    }
                } catch (Throwable e) {
                    errors.add(e);
                } finally {
                    done.countDown();
                }
            }, "picker-" + t);
            picker.start();
        }
        for (int i = 0; i < 200; i++) {
            List<ServiceInstance> list = i % 2 == 0 ? large : small;
            balancers.forEach(b -> b.accept(list));
        }
        stop.set(true);

        assertTrue(done.await(10, TimeUnit.SECONDS), "the pickers stopped");
        assertEquals(List.of(), errors);
        assertTrue(large.containsAll(seen), "only delivered instances: " + seen);
    }

    @Test
    void toStringSaysThePolicyAndHowManyInstancesAreAvailable() {
        WeightedBalancer rr = Balancer.roundRobin(BalancerOptions.defaults()
                .withOutlierEjection(OutlierEjection.defaults().withConsecutiveFailures(1)));
        List<ServiceInstance> list = Fleet.of(3);
        rr.accept(list);
        rr.failed(list.get(0));

        assertEquals("WeightedBalancer[smooth weighted round robin, 2 of 3 instances available]", rr.toString());
    }
}
