package dev.naming.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.naming.ServiceInstance;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlowStartTest {

    private static final Duration WINDOW = Duration.ofSeconds(20);

    private final Fleet.Clock clock = new Fleet.Clock();
    private final ServiceInstance old = Fleet.instance("a-old");
    private final ServiceInstance young = Fleet.instance("b-young");

    private WeightedBalancer balancer() {
        return Balancer.roundRobin(BalancerOptions.defaults().withNanoClock(clock).withSlowStart(WINDOW)
                .withOutlierEjection(OutlierEjection.defaults().withConsecutiveFailures(1)));
    }

    @Test
    void instancesOfTheFirstListStartAtFullWeight() {
        WeightedBalancer rr = balancer();
        rr.accept(List.of(old, young));

        assertEquals(0.5, shareOf(rr, young), 1e-9);
    }

    @Test
    void aNewInstanceStartsAtTenPercentOfItsWeightAndRampsToFullOverTheWindow() {
        WeightedBalancer rr = balancer();
        rr.accept(List.of(old));
        rr.accept(List.of(old, young));

        double atStart = shareOf(rr, young);
        clock.advance(WINDOW.dividedBy(2));
        double halfway = shareOf(rr, young);
        clock.advance(WINDOW.dividedBy(2).minusNanos(1));
        double justBefore = shareOf(rr, young);
        clock.advance(Duration.ofNanos(1));
        double after = shareOf(rr, young);

        assertEquals(0.1 / 1.1, atStart, 1e-9);
        assertEquals(0.5 / 1.5, halfway, 1e-9);
        assertEquals(0.95 / 1.95, justBefore, 1e-9);
        assertEquals(0.5, after, 1e-9);
    }

    @Test
    void anInstanceBackFromAnEjectionRampsUpAgain() {
        WeightedBalancer rr = balancer();
        rr.accept(List.of(old, young));

        rr.failed(young);
        clock.advance(OutlierEjection.defaults().baseEjectionTime());

        assertEquals(0.1 / 1.1, shareOf(rr, young), 1e-9);
    }

    @Test
    void anUpdateOfAnInstanceDoesNotStartItsSlowStartAgain() {
        WeightedBalancer rr = balancer();
        rr.accept(List.of(old, young));

        rr.accept(List.of(old, Fleet.instance("b-young", "version", "2")));

        assertEquals(0.5, shareOf(rr, young), 1e-9);
    }

    /** The share of {@code instance} over one whole cycle of the round robin at this moment. */
    private static double shareOf(WeightedBalancer rr, ServiceInstance instance) {
        int picks = 858 * 100; // a multiple of every cycle met here: 11, 3, 39 and 2 picks
        int hits = 0;
        for (int i = 0; i < picks; i++) {
            hits += rr.pick().id().equals(instance.id()) ? 1 : 0;
        }
        return hits / (double) picks;
    }
}
