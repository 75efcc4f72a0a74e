package dev.naming.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.ServiceInstance;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OutlierEjectionTest {

    private static final Duration BASE = Duration.ofSeconds(30);

    private final Fleet.Clock clock = new Fleet.Clock();

    /** Round robin over {@code list}, ejecting as {@code ejection} says, timed by the test's clock. */
    private WeightedBalancer balancer(List<ServiceInstance> list, OutlierEjection ejection) {
        WeightedBalancer rr = Balancer.roundRobin(BalancerOptions.defaults().withNanoClock(clock).withOutlierEjection(ejection));
        rr.accept(list);
        return rr;
    }

    /** As above, ejecting after {@code failures} in a row. */
    private WeightedBalancer balancer(List<ServiceInstance> list, int failures) {
        return balancer(list, OutlierEjection.defaults().withConsecutiveFailures(failures));
    }

    @Test
    void consecutiveFailuresEjectAnInstanceAndASuccessStartsTheRunAgain() {
        List<ServiceInstance> list = Fleet.of(4);
        WeightedBalancer rr = balancer(list, 3);
        ServiceInstance bad = list.get(1);

        rr.failed(bad);
        rr.failed(bad);
        rr.succeeded(bad);
        rr.failed(bad);
        rr.failed(bad);
        assertTrue(rr.available().contains(bad), "two in a row, after a success");
        rr.failed(bad);

        assertFalse(rr.available().contains(bad));
        for (int i = 0; i < 100; i++) {
            assertNotEquals(bad, rr.pick());
        }
    }

    @Test
    void ejectionNeverExceedsTheConfiguredShare() {
        List<ServiceInstance> list = Fleet.of(10);
        WeightedBalancer rr = balancer(list, OutlierEjection.defaults().withConsecutiveFailures(1).withMaxEjectedShare(0.3));
        SplittableRandom random = new SplittableRandom(9);

        for (int i = 0; i < 10_000; i++) {
            rr.failed(list.get(random.nextInt(list.size())));
            if (i % 100 == 0) {
                clock.advance(Duration.ofSeconds(1 + random.nextInt(20)));
            }
            assertTrue(rr.available().size() >= 7, "at most 3 of 10 out: " + rr.available().size() + " available");
        }
    }

    @Test
    void theShareIsRoundedDownSoTheLastInstanceOfAFewIsNeverEjected() {
        List<ServiceInstance> list = Fleet.of(1);
        WeightedBalancer rr = balancer(list, OutlierEjection.defaults().withConsecutiveFailures(1).withMaxEjectedShare(0.9));

        rr.failed(list.get(0));

        assertEquals(list, rr.available());
    }

    @Test
    void anInstanceThatStopsFailingIsBackWhenItsEjectionTimeIsUp() {
        List<ServiceInstance> list = Fleet.of(3);
        WeightedBalancer rr = balancer(list, 1);
        ServiceInstance bad = list.get(2);

        rr.failed(bad);
        clock.advance(BASE.minusNanos(1));
        assertFalse(rr.available().contains(bad), "out for its whole ejection time");
        clock.advance(Duration.ofNanos(1));

        assertTrue(rr.available().contains(bad), "back at the end of it, by itself");
        assertTrue(java.util.stream.IntStream.range(0, 3).mapToObj(i -> rr.pick()).anyMatch(bad::equals));
    }

    @Test
    void repeatedEjectionsLastLongerUpToTheMaximum() {
        List<ServiceInstance> list = Fleet.of(2);
        WeightedBalancer rr = balancer(list, OutlierEjection.defaults().withConsecutiveFailures(1)
                .withEjectionTime(BASE, Duration.ofSeconds(70)));
        ServiceInstance bad = list.get(0);

        assertEquals(BASE, ejectionTime(rr, bad));
        assertEquals(Duration.ofSeconds(60), ejectionTime(rr, bad));
        assertEquals(Duration.ofSeconds(70), ejectionTime(rr, bad));
        assertEquals(Duration.ofSeconds(70), ejectionTime(rr, bad));
    }

    @Test
    void timeSpentBackWithoutEjectionIsForgivenOneBaseTimeAtATime() {
        List<ServiceInstance> list = Fleet.of(2);
        WeightedBalancer rr = balancer(list, 1);
        ServiceInstance bad = list.get(0);
        ejectionTime(rr, bad);
        ejectionTime(rr, bad);

        clock.advance(BASE);

        assertEquals(Duration.ofSeconds(60), ejectionTime(rr, bad), "the third ejection, less one forgiven: two");
    }

    @Test
    void reportsAboutAnEjectedOrUnknownInstanceAreIgnored() {
        List<ServiceInstance> list = Fleet.of(4);
        WeightedBalancer rr = balancer(list, 1);
        rr.failed(list.get(0));

        rr.failed(list.get(0));
        rr.failed(Fleet.instance("stranger"));
        clock.advance(BASE);

        assertEquals(list, rr.available());
    }

    @Test
    void offEjectsNothing() {
        List<ServiceInstance> list = Fleet.of(4);
        WeightedBalancer rr = balancer(list, OutlierEjection.off());

        for (int i = 0; i < 100; i++) {
            rr.failed(list.get(0));
        }

        assertEquals(list, rr.available());
    }

    @Test
    void badRulesAreRefusedNamingTheField() {
        assertField("consecutiveFailures", () -> OutlierEjection.defaults().withConsecutiveFailures(0));
        assertField("baseEjectionTime", () -> OutlierEjection.defaults().withEjectionTime(Duration.ZERO, BASE));
        assertField("maxEjectionTime", () -> OutlierEjection.defaults().withEjectionTime(BASE, Duration.ofSeconds(1)));
        assertField("maxEjectedShare", () -> OutlierEjection.defaults().withMaxEjectedShare(1));
        assertField("maxEjectedShare", () -> OutlierEjection.defaults().withMaxEjectedShare(Double.NaN));
    }

    static void assertField(String field, org.junit.jupiter.api.function.Executable bad) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad);
        assertTrue(e.getMessage().startsWith(field + " "), e.getMessage());
    }

    /** Ejects {@code bad} now and measures, second by second, how long it stays out. */
    private Duration ejectionTime(WeightedBalancer rr, ServiceInstance bad) {
        rr.failed(bad);
        assertFalse(rr.available().contains(bad));
        Duration out = Duration.ZERO;
        while (!rr.available().contains(bad)) {
            clock.advance(Duration.ofSeconds(1));
            out = out.plusSeconds(1);
        }
        return out;
    }
}
