package dev.naming.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.ServiceInstance;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetryTest {

    private final Fleet.Clock clock = new Fleet.Clock();
    private final BalancerOptions options = BalancerOptions.defaults().withNanoClock(clock);

    private WeightedBalancer roundRobin(int instances) {
        WeightedBalancer rr = Balancer.roundRobin(options);
        rr.accept(Fleet.of(instances));
        return rr;
    }

    @Test
    void eachAttemptGoesToAnotherInstanceUntilOneSucceeds() {
        WeightedBalancer random = Balancer.random(options.withRandom(new java.util.SplittableRandom(3)));
        random.accept(Fleet.of(5));
        List<String> tried = new ArrayList<>();

        String answer = Retry.of(4, Duration.ofSeconds(1)).call(random, (instance, timeLeft) -> {
            tried.add(instance.id());
            if (tried.size() < 4) {
                throw new IOException("refused");
            }
            return "ok from " + instance.id();
        });

        assertEquals(4, Set.copyOf(tried).size(), "four different instances: " + tried);
        assertEquals("ok from " + tried.get(3), answer);
    }

    @Test
    void afterTheLastAttemptItGivesUpWithTheLastFailureAsCauseAndTheEarlierOnesSuppressed() {
        WeightedBalancer rr = roundRobin(5);
        List<IOException> thrown = new ArrayList<>();

        RetryException e = assertThrows(RetryException.class, () -> Retry.of(3, Duration.ofSeconds(1)).call(rr, (instance, timeLeft) -> {
            thrown.add(new IOException("refused by " + instance.id()));
            throw thrown.get(thrown.size() - 1);
        }));

        assertEquals(3, e.attempts());
        assertSame(thrown.get(2), e.getCause());
        assertEquals(List.of(thrown.get(0), thrown.get(1)), List.of(e.getCause().getSuppressed()));
    }

    @Test
    void noAttemptStartsAfterTheDeadlineAndEachIsToldTheTimeLeft() {
        WeightedBalancer rr = roundRobin(5);
        List<Duration> timeLeft = new ArrayList<>();

        RetryException e = assertThrows(RetryException.class, () -> Retry.of(5, Duration.ofSeconds(1)).call(rr, (instance, left) -> {
            timeLeft.add(left);
            clock.advance(Duration.ofMillis(600));
            throw new IOException("slow");
        }));

        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofMillis(400)), timeLeft);
        assertTrue(e.getMessage().contains("deadline"), e.getMessage());
    }

    @Test
    void itStopsWhenEveryInstanceWasTried() {
        WeightedBalancer rr = roundRobin(2);
        List<String> tried = new ArrayList<>();

        RetryException e = assertThrows(RetryException.class, () -> Retry.of(5, Duration.ofSeconds(1)).call(rr, (instance, left) -> {
            tried.add(instance.id());
            throw new IOException("down");
        }));

        assertEquals(List.of("logic-000", "logic-001"), tried.stream().sorted().toList());
        assertEquals(2, e.attempts());
    }

    @Test
    void failedAttemptsCountTowardsEjection() {
        WeightedBalancer rr = Balancer.roundRobin(options.withOutlierEjection(OutlierEjection.defaults().withConsecutiveFailures(1)));
        List<ServiceInstance> list = Fleet.of(3);
        rr.accept(list);

        Retry.of(3, Duration.ofSeconds(1)).call(rr, (instance, left) -> {
            if (instance.equals(list.get(0))) {
                throw new IOException("down");
            }
            return instance;
        });

        assertFalse(rr.available().contains(list.get(0)));
    }

    @Test
    void anExceptionRetryOnRefusesEndsTheRetryAtOnce() {
        WeightedBalancer rr = roundRobin(3);
        Retry retry = Retry.of(3, Duration.ofSeconds(1)).withRetryOn(e -> e instanceof IOException);
        IllegalStateException business = new IllegalStateException("no such user");
        int[] attempts = {0};

        IllegalStateException unchecked = assertThrows(IllegalStateException.class, () -> retry.call(rr, (instance, left) -> {
            attempts[0]++;
            throw business;
        }));
        RetryException checked = assertThrows(RetryException.class, () -> retry.call(rr, (instance, left) -> {
            throw new java.util.concurrent.TimeoutException("not retried");
        }));

        assertSame(business, unchecked);
        assertEquals(1, attempts[0]);
        assertEquals(1, checked.attempts());
        assertTrue(checked.getCause() instanceof java.util.concurrent.TimeoutException);
    }

    @Test
    void byConsistentHashTheNextAttemptGoesToTheKeysRunnerUp() {
        HashBalancer hash = Balancer.consistentHash(options);
        List<ServiceInstance> list = Fleet.of(6);
        hash.accept(list);
        ServiceInstance owner = hash.pick("user-42");
        List<ServiceInstance> withoutOwner = new ArrayList<>(list);
        withoutOwner.remove(owner);
        HashBalancer after = Balancer.consistentHash();
        after.accept(withoutOwner);
        List<ServiceInstance> tried = new ArrayList<>();

        Retry.of(2, Duration.ofSeconds(1)).call(hash, "user-42", (instance, left) -> {
            tried.add(instance);
            if (tried.size() == 1) {
                throw new IOException("down");
            }
            return instance;
        });

        assertEquals(List.of(owner, after.pick("user-42")), tried);
    }

    @Test
    void leastRequestAttemptsEndTheirLeases() {
        LeastRequestBalancer p2c = Balancer.leastRequest(options.withOutlierEjection(OutlierEjection.off()));
        List<ServiceInstance> list = Fleet.of(2);
        p2c.accept(list);
        Retry retry = Retry.of(2, Duration.ofSeconds(1));

        for (int i = 0; i < 50; i++) {
            retry.call(p2c, (instance, left) -> {
                if (instance.equals(list.get(0))) {
                    throw new IOException("down");
                }
                return instance;
            });
        }

        // no lease left open: with none on either, two leases held at once land on both instances
        Lease first = p2c.pick();
        Lease second = p2c.pick();
        assertNotEquals(first.instance(), second.instance());
    }

    @Test
    void withNoInstanceAtAllTheBalancersExceptionIsThrown() {
        WeightedBalancer rr = Balancer.roundRobin(options);

        NoInstanceException e = assertThrows(NoInstanceException.class,
                () -> Retry.of(3, Duration.ofSeconds(1)).call(rr, (instance, left) -> instance));

        assertTrue(e.getMessage().contains("not received a list yet"), e.getMessage());
    }

    @Test
    void aHashBalancerNeedsAKeyAndBadRulesAreRefusedNamingTheField() {
        HashBalancer hash = Balancer.consistentHash();
        hash.accept(Fleet.of(2));

        OutlierEjectionTest.assertField("balancer", () -> Retry.of(2, Duration.ofSeconds(1)).call(hash, (i, left) -> i));
        OutlierEjectionTest.assertField("maxAttempts", () -> Retry.of(0, Duration.ofSeconds(1)));
        OutlierEjectionTest.assertField("timeout", () -> Retry.of(1, Duration.ZERO));
        OutlierEjectionTest.assertField("key", () -> Retry.of(1, Duration.ofSeconds(1)).call(hash, null, (i, left) -> i));
    }
}
