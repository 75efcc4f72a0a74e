package dev.naming.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsistentHashTest {

    private static final int KEYS = 1_000_000;

    @Test
    void whenOneOfTenLeavesOnlyItsKeysMove() {
        List<ServiceInstance> ten = Fleet.of(10);
        ServiceInstance leaving = ten.get(3);
        List<ServiceInstance> nine = new ArrayList<>(ten);
        nine.remove(leaving);
        ServiceInstance[][] routes = routeBeforeAndAfter(ten, nine);
        ServiceInstance[] before = routes[0];

        int moved = moved(before, routes[1], (from, to) -> from.equals(leaving), "moved though its instance stayed");

        assertEquals(count(before, leaving), moved, "every key of the leaving instance moved, and no other");
    }

    @Test
    void whenAnEleventhJoinsAtMostOneEleventhOfTheKeysPlusOnePercentMoveAllToIt() {
        List<ServiceInstance> eleven = Fleet.of(11);
        ServiceInstance joining = eleven.get(10);
        ServiceInstance[][] routes = routeBeforeAndAfter(Fleet.of(10), eleven);

        int moved = moved(routes[0], routes[1], (from, to) -> to.equals(joining), "moved between two instances that stayed");

        double share = moved / (double) KEYS;
        assertTrue(share <= 1.0 / 11 + 0.01, "moved " + share);
        assertTrue(share >= 1.0 / 11 - 0.01, "the newcomer took its share: " + share);
    }

    @Test
    void theBusiestOfTenInstancesHasAtMostTenPercentMoreKeysThanTheMean() {
        HashBalancer hash = Balancer.consistentHash();
        hash.accept(Fleet.of(10));

        Map<ServiceInstance, Integer> load = new HashMap<>();
        for (ServiceInstance owner : route(hash)) {
            load.merge(owner, 1, Integer::sum);
        }

        int busiest = Collections.max(load.values());
        assertEquals(10, load.size());
        assertTrue(busiest <= 1.1 * KEYS / 10, "busiest " + busiest + ", mean " + KEYS / 10);
    }

    @Test
    void theMappingIsTheSameWhateverOrderOrHistoryBuiltIt() {
        List<ServiceInstance> twelve = Fleet.of(12);
        HashBalancer direct = Balancer.consistentHash();
        direct.accept(twelve);
        HashBalancer stepByStep = Balancer.consistentHash();
        List<ServiceInstance> shuffled = new ArrayList<>(twelve);
        Collections.shuffle(shuffled, new java.util.Random(7));
        for (int n = 1; n <= shuffled.size(); n++) {
            stepByStep.accept(shuffled.subList(0, n));
        }
        stepByStep.accept(Fleet.of(20));
        stepByStep.accept(twelve);

        for (int k = 0; k < 100_000; k++) {
            assertEquals(direct.pick("user-" + k), stepByStep.pick("user-" + k), "user-" + k);
        }
    }

    /** Gateways of different versions must agree during a rolling upgrade: these values may never change. */
    @Test
    void theMappingIsPinnedAcrossVersions() {
        HashBalancer hash = Balancer.consistentHash();
        hash.accept(Fleet.of(10));

        StringBuilder picks = new StringBuilder();
        for (String user : List.of("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")) {
            picks.append(hash.pick(user).id(), 6, 9).append(' ');
        }
        for (long room = 1; room <= 4; room++) {
            picks.append(hash.pick(room).id(), 6, 9).append(' ');
        }

        HashBalancer weighted = Balancer.consistentHash();
        weighted.accept(Fleet.weighted(1, 2, 3, 5, 8));
        for (long user = 1_000; user < 1_008; user++) {
            picks.append(weighted.pick(user).id()).append(' ');
        }

        assertEquals("007 009 009 007 007 003 005 000 008 008 004 002 w2 w3 w4 w2 w4 w4 w4 w3", picks.toString().strip());
    }

    @Test
    void anInstanceOfTwiceTheWeightOwnsTwiceTheKeys() {
        List<ServiceInstance> list = Fleet.weighted(1, 2, 1, 4);
        HashBalancer hash = Balancer.consistentHash();
        hash.accept(list);

        long[] counts = new long[4];
        for (ServiceInstance owner : route(hash)) {
            counts[list.indexOf(owner)]++;
        }

        assertEquals(1.0 / 8, counts[0] / (double) KEYS, 0.005);
        assertEquals(2.0 / 8, counts[1] / (double) KEYS, 0.005);
        assertEquals(4.0 / 8, counts[3] / (double) KEYS, 0.005);
    }

    @Test
    void anEjectedInstancesKeysGoToTheirRunnersUpAndComeBackWithIt() {
        Fleet.Clock clock = new Fleet.Clock();
        List<ServiceInstance> ten = Fleet.of(10);
        HashBalancer hash = Balancer.consistentHash(BalancerOptions.defaults().withNanoClock(clock)
                .withOutlierEjection(OutlierEjection.defaults().withConsecutiveFailures(1)));
        hash.accept(ten);
        ServiceInstance[] before = route(hash);
        ServiceInstance failing = ten.get(6);

        hash.failed(failing);
        ServiceInstance[] during = route(hash);
        clock.advance(OutlierEjection.defaults().baseEjectionTime());
        ServiceInstance[] after = route(hash);

        List<ServiceInstance> nine = new ArrayList<>(ten);
        nine.remove(failing);
        HashBalancer withoutIt = Balancer.consistentHash();
        withoutIt.accept(nine);
        for (int k = 0; k < KEYS; k += 7) {
            assertEquals(before[k].equals(failing) ? withoutIt.pick("user-" + k) : before[k], during[k], "user-" + k);
        }
        assertEquals(List.of(before), List.of(after));
    }

    @Test
    void zonesAndSlowStartAreRefusedForConsistentHashing() {
        IllegalArgumentException zone = assertThrows(IllegalArgumentException.class,
                () -> Balancer.consistentHash(BalancerOptions.defaults().withZone("sh001")));
        IllegalArgumentException slow = assertThrows(IllegalArgumentException.class,
                () -> Balancer.consistentHash(BalancerOptions.defaults().withSlowStart(Duration.ofSeconds(5))));

        assertTrue(zone.getMessage().startsWith("zone "), zone.getMessage());
        assertTrue(slow.getMessage().startsWith("slowStart "), slow.getMessage());
    }

    /** Every key's instance with the first list, then with the second, through one balancer. */
    private static ServiceInstance[][] routeBeforeAndAfter(List<ServiceInstance> first, List<ServiceInstance> second) {
        HashBalancer hash = Balancer.consistentHash();
        hash.accept(first);
        ServiceInstance[] before = route(hash);
        hash.accept(second);
        return new ServiceInstance[][] {before, route(hash)};
    }

    /** How many keys changed instance, each of them checked against {@code allowed} (from, to). */
    private static int moved(ServiceInstance[] before, ServiceInstance[] after,
                             java.util.function.BiPredicate<ServiceInstance, ServiceInstance> allowed, String otherwise) {
        int moved = 0;
        for (int k = 0; k < KEYS; k++) {
            if (!before[k].equals(after[k])) {
                moved++;
                assertTrue(allowed.test(before[k], after[k]), "key user-" + k + " " + otherwise);
            }
        }
        return moved;
    }

    private static ServiceInstance[] route(HashBalancer hash) {
        ServiceInstance[] owners = new ServiceInstance[KEYS];
        for (int k = 0; k < KEYS; k++) {
            owners[k] = hash.pick("user-" + k);
        }
        return owners;
    }

    private static int count(ServiceInstance[] owners, ServiceInstance instance) {
        int n = 0;
        for (ServiceInstance owner : owners) {
            n += owner.equals(instance) ? 1 : 0;
        }
        return n;
    }
}
