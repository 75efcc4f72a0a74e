package dev.naming.spi;

import static dev.naming.spi.RecordingRegistrar.registration;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.NamingException;
import dev.naming.RegistrationPendingException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The keep-alive on its own, against a registrar that records every call: which registration is
 * renewed when, what a removal sends, and how a write racing another is repaired.
 */
class KeepAliveRecordTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private final RecordingRegistrar registrar = new RecordingRegistrar();
    private final KeepAlive keepAlive = new KeepAlive("recorded", () -> registrar);

    @AfterEach
    void stop() {
        registrar.unreachable = false;
        keepAlive.stop();
    }

    /** Runs {@code action} on another thread, as another caller would, and waits for it. */
    private static void meanwhile(Runnable action) {
        Thread caller = new Thread(action);
        caller.start();
        try {
            caller.join(DEADLINE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertFalse(caller.isAlive(), "the other caller did not finish");
    }

    @Test
    void eachRegistrationIsRenewedAtItsOwnInterval() {
        registrar.intervals.put("fast", Duration.ofMillis(20));
        keepAlive.register(registration("fast"));
        keepAlive.register(registration("slow"));
        keepAlive.renewAllNow();
        await().atMost(DEADLINE).until(() -> registrar.count("renew slow") >= 1);
        long fast = registrar.count("renew fast");
        await().atMost(DEADLINE).until(() -> registrar.count("renew fast") >= fast + 3);
        assertEquals(1, registrar.count("renew slow"), "renewed again long before its interval");
    }

    @Test
    void theFirstAnswerAfterAnOutageRenewsEveryRegistrationNotOnlyTheProbedOne() {
        registrar.intervals.put("fast", Duration.ofMillis(20));
        keepAlive.register(registration("fast"));
        keepAlive.register(registration("slow"));
        registrar.unreachable = true;
        await().atMost(DEADLINE).until(() -> registrar.failed.size() >= 2);
        registrar.registry.clear(); // the registry restarted without its data
        registrar.unreachable = false;
        await().atMost(DEADLINE).until(() -> registrar.registry.keySet().equals(Set.of("fast", "slow")));
    }

    @Test
    void theRegistrationWhoseRenewalFailedIsProbedEvenWhenOthersFallDueMeanwhile() {
        registrar.intervals.put("b", Duration.ofMillis(30));
        registrar.intervals.put("a", Duration.ofMillis(60));
        keepAlive.register(registration("a"));
        keepAlive.register(registration("b"));
        registrar.unreachable = true;
        // the probes after the first come 50 ms to 1 s apart: a falls due before the third
        await().atMost(DEADLINE).until(() -> registrar.failed.size() >= 4);
        assertEquals(Set.of("renew b"), Set.copyOf(registrar.failed));
    }

    @Test
    void theEndOfAnOutageCostsOneRenewalPerRegistrationBesidesTheProbe() {
        keepAlive.register(registration("a"));
        keepAlive.register(registration("b"));
        registrar.unreachable = true;
        keepAlive.renewAllNow();
        await().atMost(DEADLINE).until(() -> registrar.failed.size() >= 2);
        registrar.unreachable = false;
        await().atMost(DEADLINE).until(() -> renewalsAnswered().size() >= 3);
        // a is probed (due first among equals), answers, and then everything is renewed once (the
        // probe's own registration last when the renewal of everything follows closely on another)
        assertEquals("renew a", renewalsAnswered().get(0));
        assertEquals(List.of("renew a", "renew b"), renewalsAnswered().subList(1, 3).stream().sorted().toList());
        await().during(KeepAlive.RENEW_ALL_SPACING.multipliedBy(2)).atMost(DEADLINE)
                .until(() -> renewalsAnswered().size() == 3);
    }

    @Test
    void aBurstOfSignsRenewsEverythingAtMostTwice() {
        keepAlive.register(registration("a"));
        long start = System.nanoTime();
        // a restarted registry: every watch reads again within a moment, each a sign (100 over 200 ms)
        for (int sign = 0; sign < 100 && System.nanoTime() - start < KeepAlive.RENEW_ALL_SPACING.toNanos(); sign++) {
            keepAlive.renewAllNow();
            LockSupport.parkNanos(KeepAlive.RENEW_ALL_SPACING.toNanos() / 100); // the pace of the signs, not a wait
        }
        await().atMost(DEADLINE).until(() -> registrar.count("renew a") >= 1);
        await().during(KeepAlive.RENEW_ALL_SPACING.multipliedBy(3)).atMost(DEADLINE)
                .until(() -> registrar.count("renew a") <= 2);
        assertTrue(registrar.count("renew a") >= 2, "the signs after the first renewal started were not covered");
    }

    private List<String> renewalsAnswered() {
        return registrar.answered.stream().filter(call -> call.startsWith("renew")).toList();
    }

    // ---- a registry that cannot be reached when register is called --------------------------------

    @Test
    void aRegistrationTheRegistryCannotTakeIsPendingAndLandsOnceItAnswers() {
        registrar.unreachable = true;
        RegistrationPendingException pending = assertThrows(RegistrationPendingException.class,
                () -> keepAlive.register(registration("a")));
        assertEquals("a", pending.serviceId());
        assertTrue(keepAlive.isRegistered("a"), "the pending registration is not the keep-alive's");
        await().atMost(DEADLINE).until(() -> registrar.failed.size() >= 3); // the keep-alive keeps trying
        registrar.unreachable = false;
        await().atMost(KeepAlive.PROBE_MAX.multipliedBy(2)).until(() -> registrar.registry.containsKey("a"));
        // registered, not renewed: the registry never had it
        assertEquals("register a@10.0.0.1 replacing -", registrar.answered.get(0));
    }

    @Test
    void aPendingUpdateReplacesWhatTheRegistryHoldsOnceItAnswers() {
        keepAlive.register(registration("a", "10.0.0.1"));
        registrar.unreachable = true;
        assertThrows(RegistrationPendingException.class, () -> keepAlive.register(registration("a", "10.0.0.2")));
        registrar.unreachable = false;
        await().atMost(DEADLINE).until(() -> registrar.registry.get("a").address().equals("10.0.0.2"));
        assertTrue(registrar.answered.contains("register a@10.0.0.2 replacing 10.0.0.1"), registrar.answered::toString);
    }

    @Test
    void aPendingRegistrationDeregisteredBeforeTheRegistryAnswersNeverLands() {
        registrar.unreachable = true;
        assertThrows(RegistrationPendingException.class, () -> keepAlive.register(registration("a")));
        assertThrows(NamingException.class, () -> keepAlive.deregister("a"));
        registrar.unreachable = false;
        // the marker is renewed every 20 ms: by its fifth renewal a probe of 'a' would have come
        registrar.intervals.put("marker", Duration.ofMillis(20));
        keepAlive.register(registration("marker"));
        await().atMost(DEADLINE).until(() -> registrar.count("renew marker") >= 5);
        assertFalse(registrar.registry.containsKey("a"));
        assertFalse(registrar.answered.stream().anyMatch(call -> call.startsWith("register a")), registrar.answered::toString);
    }

    @Test
    void aRegistrationTheRegistryRefusesIsNeitherKeptNorRetried() {
        registrar.refusingRegistrations = true;
        NamingException refused = assertThrows(NamingException.class, () -> keepAlive.register(registration("a")));
        assertFalse(refused instanceof RegistrationPendingException, refused::toString);
        assertFalse(keepAlive.isRegistered("a"));
        registrar.refusingRegistrations = false;
        registrar.intervals.put("marker", Duration.ofMillis(20));
        keepAlive.register(registration("marker"));
        await().atMost(DEADLINE).until(() -> registrar.count("renew marker") >= 5);
        assertEquals(1, registrar.calls.stream().filter(call -> call.startsWith("register a")).count(), "retried");
    }

    @Test
    void deregistrationSendsWhatWasLastRegisteredAndNothingForAnIdNeverRegistered() {
        keepAlive.register(registration("a", "10.0.0.1"));
        keepAlive.register(registration("a", "10.0.0.2"));
        keepAlive.deregister("a");
        keepAlive.deregister("other");
        assertEquals(List.of("register a@10.0.0.1 replacing -", "register a@10.0.0.2 replacing 10.0.0.1",
                "deregister a last=10.0.0.2", "deregister other last=-"), registrar.calls);
    }

    @Test
    void aRegistrationMadeWhileADeregistrationIsInFlightStaysRegistered() {
        keepAlive.register(registration("a", "10.0.0.1"));
        AtomicBoolean raced = new AtomicBoolean();
        registrar.inFlight = call -> {
            if (call.startsWith("deregister a") && raced.compareAndSet(false, true)) {
                meanwhile(() -> keepAlive.register(registration("a", "10.0.0.2")));
            }
        };
        keepAlive.deregister("a");
        assertTrue(raced.get());
        assertEquals("10.0.0.2", registrar.registry.get("a").address(), "the removal landed last: " + registrar.calls);
        assertTrue(keepAlive.isRegistered("a"));
        assertEquals("register a@10.0.0.2 replacing -", registrar.calls.get(registrar.calls.size() - 1));
    }

    @Test
    void anUpdateThatLandsBeforeAnOlderRegistrationIsWrittenAgain() {
        AtomicBoolean raced = new AtomicBoolean();
        registrar.inFlight = call -> {
            if (call.startsWith("register a@10.0.0.1") && raced.compareAndSet(false, true)) {
                meanwhile(() -> keepAlive.register(registration("a", "10.0.0.2")));
            }
        };
        keepAlive.register(registration("a", "10.0.0.1"));
        assertTrue(raced.get());
        assertEquals("10.0.0.2", registrar.registry.get("a").address(), "the older registration landed last");
        assertEquals("register a@10.0.0.2 replacing 10.0.0.1", registrar.calls.get(registrar.calls.size() - 1));
    }

    @Test
    void aRemovalThatFailsWhileRepairingARaceIsSentAgainByRemoveAll() {
        AtomicBoolean raced = new AtomicBoolean();
        registrar.inFlight = call -> {
            if (call.startsWith("register a") && raced.compareAndSet(false, true)) {
                meanwhile(() -> keepAlive.deregister("a"));
                registrar.failingDeregistrations.set(1); // the repair that follows fails
            }
        };
        keepAlive.register(registration("a"));
        assertTrue(registrar.registry.containsKey("a"), "the registration landed after the removal");
        assertEquals(1, registrar.failed.size());
        keepAlive.stop();
        keepAlive.removeAll();
        assertEquals(Map.of(), registrar.registry);
        assertEquals("deregister a last=10.0.0.1", registrar.calls.get(registrar.calls.size() - 1));
    }

    @Test
    void drainReachesTheRegistryAndSurvivesAnUpdateOfTheRegistration() {
        keepAlive.register(registration("a", "10.0.0.1"));
        keepAlive.drain("svc", "a", true);
        assertEquals(Set.of("a"), registrar.drained);
        keepAlive.register(registration("a", "10.0.0.2")); // the registry puts it back in traffic
        assertEquals(Set.of("a"), registrar.drained, "an update put a drained instance back in traffic");
        keepAlive.drain("svc", "a", false);
        assertEquals(Set.of(), registrar.drained);
    }

    @Test
    void removeAllRemovesAndForgetsEverythingRecorded() {
        keepAlive.register(registration("a"));
        keepAlive.register(registration("b"));
        registrar.failingDeregistrations.set(1);
        assertThrows(NamingException.class, () -> keepAlive.deregister("b"));
        assertTrue(keepAlive.isRegistered("a"));
        assertFalse(keepAlive.isRegistered("b"));
        keepAlive.stop();
        keepAlive.removeAll();
        assertEquals(Map.of(), registrar.registry);
        assertFalse(keepAlive.isRegistered("a"));
        assertEquals(List.of(), keepAlive.registrations());
        int calls = registrar.calls.size();
        keepAlive.removeAll();
        assertEquals(calls, registrar.calls.size(), "removed again: " + registrar.calls.subList(calls, registrar.calls.size()));
    }

    @Test
    void stopOnAnInterruptedThreadKeepsTheInterruptWhileARenewalIsStillInFlight() throws InterruptedException {
        CountDownLatch renewing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        registrar.inFlight = call -> {
            if (call.equals("renew a")) {
                renewing.countDown();
                awaitIgnoringInterrupts(release); // a request that does not notice the interrupt
            }
        };
        keepAlive.register(registration("a"));
        keepAlive.renewAllNow();
        assertTrue(renewing.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
        Thread.currentThread().interrupt();
        keepAlive.stop();
        boolean kept = Thread.interrupted();
        release.countDown();
        assertTrue(kept, "stop() swallowed the interrupt");
    }

    private static void awaitIgnoringInterrupts(CountDownLatch latch) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        boolean interrupted = false;
        while (latch.getCount() > 0 && System.nanoTime() < deadline) {
            try {
                latch.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void anInstanceMissingFromAReadWithinASecondOfItsRegistrationIsNotRenewedEarly() {
        keepAlive.register(registration("a"));
        keepAlive.renewSoon("a"); // the read may just lag behind the registration
        registrar.intervals.put("marker", Duration.ofMillis(1));
        keepAlive.register(registration("marker"));
        await().atMost(DEADLINE).until(() -> registrar.count("renew marker") >= 1);
        assertEquals(0, registrar.count("renew a"));
    }
}
