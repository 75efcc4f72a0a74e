package dev.naming.consul;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.SubscribeOptions;
import dev.naming.Subscription;
import dev.naming.consul.emulator.ConsulEmulator;
import dev.naming.consul.http.ConsulHttp;
import dev.naming.consul.emulator.Fault;
import dev.naming.consul.emulator.RecordedRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Consul's rules for blocking-query clients, as the watch keeps them, checked on the wire. */
class ConsulWatchTest {

    private static final String HEALTH = "/v1/health/service/";

    private ConsulEmulator emulator;
    private ConsulNaming naming;
    private final List<List<ServiceInstance>> lists = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        emulator = ConsulEmulator.start();
        naming = FastConsul.connect("consul://" + emulator.hostPort() + "?wait=2s");
    }

    @AfterEach
    void stop() {
        naming.close();
        emulator.close();
    }

    private static ServiceRegistration logic(String id) {
        return ServiceRegistration.builder().id(id).name("chat.logic").address("10.0.0.5").port(8000).build();
    }

    private List<String> lastIds() {
        return lists.isEmpty() ? List.of() : lists.get(lists.size() - 1).stream().map(ServiceInstance::id).toList();
    }

    private List<RecordedRequest> healthReads() {
        return emulator.requests(HEALTH);
    }

    @Test
    void firstReadDoesNotBlockAndLaterReadsSendTheLastIndex() {
        registerDirectly("logic-1");
        awaitVisible("logic-1");
        emulator.clearRequests();
        naming.subscribe("chat.logic", lists::add);
        await().atMost(Duration.ofSeconds(5)).until(() -> healthReads().size() >= 2);

        List<RecordedRequest> reads = healthReads();
        assertFalse(reads.get(0).hasParam("index"), reads.get(0).uri());
        assertEquals(String.valueOf(emulator.index("chat.logic")), reads.get(1).param("index"));
        assertEquals("2s", reads.get(1).param("wait"));
        assertTrue(reads.get(1).hasParam("passing"));
        assertEquals(List.of("logic-1"), lastIds());
    }

    @Test
    void indexIsResetWhenItGoesBackwards() {
        registerDirectly("logic-1");
        naming.subscribe("chat.logic", lists::add);
        await().atMost(Duration.ofSeconds(5)).until(() -> healthReads().size() >= 2);
        long high = emulator.index("chat.logic");
        emulator.clearRequests();

        emulator.indexGoesBackwards();

        await().atMost(Duration.ofSeconds(5)).until(() -> healthReads().size() >= 3);
        List<RecordedRequest> reads = healthReads();
        assertFalse(reads.get(0).hasParam("index"), "after a lower index the next read starts afresh: " + reads);
        long next = Long.parseLong(reads.get(1).param("index"));
        assertTrue(next >= 1 && next < high, "then blocks on the new, lower index: " + reads);
        registerDirectly("logic-2");
        await().atMost(Duration.ofSeconds(5)).until(() -> lastIds().equals(List.of("logic-1", "logic-2")));
    }

    @Test
    void afterAnAgentRestartTheWatchSeesARegistrationOnTheRestartedAgentPromptly() throws Exception {
        naming.close();
        naming = FastConsul.connect("consul://" + emulator.hostPort()); // default wait: 55 s
        registerDirectly("logic-1");
        naming.subscribe("chat.logic", lists::add);
        await().atMost(Duration.ofSeconds(5)).until(() -> lastIds().equals(List.of("logic-1"))
                && emulator.openBlockingQueries() == 1);
        long held = emulator.index("chat.logic");

        // the restarted agent counts from 1 again: a query still carrying `held` would wait out its 55 s
        emulator.restartAgent();
        registerDirectly("logic-2");
        assertTrue(emulator.index("chat.logic") < held, "the restarted agent's index is below the watch's");

        await().atMost(Duration.ofSeconds(5)).until(() -> lastIds().contains("logic-2"));
    }

    /**
     * Awaits health reads listing {@code id}: the agent syncs a registration to the catalog a
     * moment after the call returned (anti-entropy), so a watch started at once may first see none.
     */
    private void awaitVisible(String id) {
        await().atMost(Duration.ofSeconds(5)).until(() -> naming.find("chat.logic").stream()
                .anyMatch(i -> i.id().equals(id)));
    }

    /**
     * Registers on the agent without a keep-alive, as another process would: a {@code Naming} that
     * registers also watches its own service, which would add its reads to the ones under test.
     */
    private void registerDirectly(String id) {
        try {
            new AgentUpstream(emulator.hostPort()).register(id, "chat.logic");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void neverBlocksOnAnIndexBelowOne() {
        emulator.reportZeroIndex(true);
        naming.subscribe("chat.logic", lists::add);
        await().atMost(Duration.ofSeconds(5)).until(() -> healthReads().size() >= 3);

        for (RecordedRequest r : healthReads()) {
            if (r.hasParam("index")) {
                assertTrue(Long.parseLong(r.param("index")) >= 1, r.uri());
            }
        }
    }

    @Test
    void noHotLoopWhenTheAgentReturnsAtOnceWithAnUnmovedIndex() {
        registerDirectly("logic-1");
        emulator.ignoreWait(true);
        naming.subscribe("chat.logic", lists::add);
        await().atMost(Duration.ofSeconds(2)).until(() -> healthReads().size() >= 2);

        // 20 ms pacing, then a pause doubling up to 2 s: about ten reads in three seconds, not thousands
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> healthReads().size() <= 15);
    }

    @Test
    void watchMovesToTheNextAgentWhenOneCannotBeReached() {
        try (ConsulEmulator second = ConsulEmulator.start();
             ConsulNaming other = FastConsul.connect("consul://" + second.hostPort())) {
            other.register(logic("on-second"));
            naming.close();
            naming = FastConsul.connect("consul://" + emulator.hostPort() + "," + second.hostPort() + "?wait=2s");
            registerDirectly("on-first");
            awaitVisible("on-first");
            naming.subscribe("chat.logic", lists::add);
            await().atMost(Duration.ofSeconds(5)).until(() -> lastIds().equals(List.of("on-first")));

            emulator.setReachable(false);

            await().atMost(Duration.ofSeconds(5)).until(() -> lastIds().contains("on-second"));
            assertFalse(second.requests(HEALTH).isEmpty());
            assertTrue(lists.stream().noneMatch(List::isEmpty), "no empty list because of an error: " + lists);
        }
    }

    @Test
    void findAndRegisterFailOverToTheNextAgent() {
        try (ConsulEmulator second = ConsulEmulator.start()) {
            naming.close();
            naming = FastConsul.connect("consul://" + emulator.hostPort() + "," + second.hostPort());
            emulator.setReachable(false);

            naming.register(logic("logic-1"));

            assertEquals(List.of("logic-1"), second.serviceIds());
            // another Naming's find: the registering one answers from the watch of its own service
            try (ConsulNaming reader = FastConsul.connect("consul://" + emulator.hostPort() + "," + second.hostPort())) {
                await().atMost(Duration.ofSeconds(5)).until(() -> reader.find("chat.logic").stream()
                        .map(ServiceInstance::id).toList().equals(List.of("logic-1")));
            }
        }
    }

    @Test
    void closingTheLastSubscriptionEndsAWatchBlockedInAQueryAtOnce() {
        naming.close();
        naming = FastConsul.connect("consul://" + emulator.hostPort()); // default wait: 55 s
        registerDirectly("logic-1");
        Subscription s = naming.subscribe("chat.logic", lists::add);
        // the agent lists it once its catalog synced: wait for that list and the blocking query after it
        await().atMost(Duration.ofSeconds(5)).until(() -> lastIds().equals(List.of("logic-1"))
                && healthReads().size() >= 2 && "55s".equals(healthReads().get(healthReads().size() - 1).param("wait")));
        int reads = healthReads().size();

        long started = System.nanoTime();
        s.close();
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        assertTrue(tookMillis < 1000, "close took " + tookMillis + " ms");
        // the cancelled query was not answered, or its answer started no next query
        registerDirectly("logic-2");
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> healthReads().size() == reads);
        assertEquals(List.of("logic-1"), lastIds());
    }

    @Test
    void aListenerOnTheReplysThreadRunsThereAndOneThatBlocksThereHoldsOnlyItself() throws Exception {
        List<String> threads = new CopyOnWriteArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        naming.subscribe("chat.logic", SubscribeOptions.defaults().withExecutor(Runnable::run), list -> {
            threads.add(Thread.currentThread().getName());
            lists.add(list);
            if (list.size() == 2) {
                awaitQuietly(release);
            }
        });
        registerDirectly("logic-1");
        await().atMost(Duration.ofSeconds(5)).until(() -> lastIds().equals(List.of("logic-1")));
        registerDirectly("logic-2");
        await().atMost(Duration.ofSeconds(5)).until(() -> lastIds().size() == 2);
        try {
            assertTrue(threads.stream().allMatch(t -> t.startsWith(ConsulHttp.THREAD_NAME)),
                    "the HTTP client's thread that completed the reply: " + threads);

            // blocked on one of the client's threads: the others go on, for other services
            List<List<ServiceInstance>> gates = new CopyOnWriteArrayList<>();
            naming.subscribe("chat.gate", gates::add);
            naming.register(ServiceRegistration.builder().id("gate-1").name("chat.gate").address("10.0.0.6")
                    .port(9000).build());
            await().atMost(Duration.ofSeconds(5)).until(() -> !gates.isEmpty() && gates.get(gates.size() - 1).size() == 1);
            registerDirectly("logic-3");
            awaitVisible("logic-3");
            assertEquals(2, lastIds().size(), "the blocked listener is still in its call");
        } finally {
            release.countDown();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> lastIds().equals(List.of("logic-1", "logic-2", "logic-3")));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void closingTheNamingWhileQueriesAreBlockedLeavesNoThread() {
        List<String> before = FastConsul.threads("naming-consul-");
        naming.subscribe("a", lists::add);
        naming.subscribe("b", lists::add);
        naming.subscribe("b", lists::add);
        await().atMost(Duration.ofSeconds(5)).until(() -> healthReads().size() >= 4);
        List<String> added = new java.util.ArrayList<>(FastConsul.threads("naming-consul-"));
        added.removeAll(before);
        // the HTTP client's fixed pool and its scheduler (the dispatchers are the Naming's, on demand)
        added.removeIf(n -> n.contains("-dispatch-"));
        assertTrue(added.size() <= 9, "a fixed few threads per Naming: " + added);
        assertTrue(FastConsul.threads("naming-consul-").stream().allMatch(n ->
                Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(n)).allMatch(Thread::isDaemon)));

        long started = System.nanoTime();
        naming.close();
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(2).toNanos());
        await().atMost(Duration.ofSeconds(1)).until(() -> FastConsul.threads("naming-consul-").isEmpty());
    }

    @Test
    void errorsKeepTheLastListAndTheWatchRecovers() {
        registerDirectly("logic-1");
        awaitVisible("logic-1");
        naming.subscribe("chat.logic", lists::add);
        await().atMost(Duration.ofSeconds(5)).until(() -> lastIds().equals(List.of("logic-1")));

        for (Fault fault : List.of(Fault.TOO_MANY_REQUESTS, Fault.UNAVAILABLE, Fault.SERVER_ERROR, Fault.MALFORMED_JSON,
                Fault.CLOSE_CONNECTION)) {
            emulator.clearRequests();
            emulator.fault(fault, HEALTH);
            await().atMost(Duration.ofSeconds(5)).until(() -> healthReads().size() >= 2);
            emulator.fault(Fault.NONE);
        }
        registerDirectly("logic-2");

        await().atMost(Duration.ofSeconds(5)).until(() -> lastIds().equals(List.of("logic-1", "logic-2")));
        assertTrue(lists.stream().noneMatch(List::isEmpty), "no empty list because of an error: " + lists);
    }

    @Test
    void slowRepliesBeyondTheReadTimeoutCountAsErrors() {
        watchWithAShortReadTimeout();

        emulator.slowReplies(Duration.ofMillis(1600)); // over wait + wait/16 + the 200 ms margin
        emulator.clearRequests();
        await().atMost(Duration.ofSeconds(8)).until(() -> healthReads().size() >= 2);
        emulator.slowReplies(Duration.ZERO);
        assertEquals(List.of("logic-1"), lastIds());
    }

    @Test
    void aReplyWhoseBodyStallsCountsAsAnErrorAfterTheReadTimeout() {
        watchWithAShortReadTimeout();

        emulator.stallBodies(true);
        emulator.clearRequests();
        try {
            // each read gives up at its read timeout (about 1.3 s) and the watch asks again
            await().atMost(Duration.ofSeconds(8)).until(() -> healthReads().size() >= 3);
        } finally {
            emulator.stallBodies(false);
        }
        assertEquals(List.of("logic-1"), lastIds());
    }

    /** A watch of logic-1 whose blocking reads time out after about 1.3 s (wait 1 s + 200 ms margin). */
    private void watchWithAShortReadTimeout() {
        naming.close();
        naming = new ConsulNaming(FastConsul.config("consul://" + emulator.hostPort()
                + "?wait=1s&timeout=300ms&readMargin=200ms"));
        registerDirectly("logic-1");
        naming.subscribe("chat.logic", lists::add);
        await().atMost(Duration.ofSeconds(5)).until(() -> lastIds().equals(List.of("logic-1")));
    }
}
