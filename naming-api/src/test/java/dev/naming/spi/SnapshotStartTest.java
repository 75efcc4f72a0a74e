package dev.naming.spi;

import static dev.naming.spi.ScriptedNaming.instance;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.ServiceInstance;
import dev.naming.Subscription;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code Naming} with {@code snapshot=}: it keeps the registry's lists on disk, and a later one
 * whose first read fails, or is not answered in time, starts from them.
 */
class SnapshotStartTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private static final Duration LONG = Duration.ofHours(1);

    @TempDir
    Path dir;
    private final List<ScriptedNaming> opened = new ArrayList<>();
    private final List<List<String>> received = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(ScriptedNaming::close);
    }

    private ScriptedNaming open(Duration grace) {
        ScriptedNaming naming = new ScriptedNaming(grace, dir);
        opened.add(naming);
        return naming;
    }

    private static List<String> ids(List<ServiceInstance> list) {
        return list.stream().map(ServiceInstance::id).toList();
    }

    /** A first process saw a and b, confirmed at the returned instant, and ended. */
    private Instant anEarlierProcessSaw(String... ids) {
        ScriptedNaming earlier = open(Duration.ZERO);
        Subscription s = earlier.subscribe("svc", list -> { });
        List<ServiceInstance> list = new ArrayList<>();
        for (String id : ids) {
            list.add(instance(id));
        }
        earlier.sinks.get("svc").snapshot(list);
        Instant confirmed = s.lastConfirmed().orElseThrow();
        earlier.close();
        return confirmed;
    }

    @Test
    void aFirstReadThatFailsDeliversTheStoredListThenTheRegistrysOwn() {
        Instant confirmed = anEarlierProcessSaw("a", "b");
        ScriptedNaming naming = open(Duration.ZERO);
        Subscription s = naming.subscribe("svc", list -> received.add(ids(list)));
        naming.sinks.get("svc").failure(new RegistryUnreachableException("connection refused"));

        await().atMost(DEADLINE).until(() -> received.equals(List.of(List.of("a", "b"))));
        assertEquals(confirmed, s.lastConfirmed().orElseThrow(), "lastConfirmed is when the registry confirmed it");
        assertFalse(s.registryReachable());
        assertEquals(List.of("a", "b"), ids(naming.find("svc")));

        naming.sinks.get("svc").snapshot(List.of(instance("a"), instance("c")));
        await().atMost(DEADLINE).until(() -> received.equals(List.of(List.of("a", "b"), List.of("a", "c"))));
        assertTrue(s.registryReachable());
        assertTrue(s.lastConfirmed().orElseThrow().isAfter(confirmed));
    }

    @Test
    void aFirstReadUnansweredWithinTheBoundDeliversTheStoredList() {
        anEarlierProcessSaw("a", "b");
        ScriptedNaming naming = open(Duration.ZERO);
        long start = System.nanoTime();
        Subscription s = naming.subscribe("svc", list -> received.add(ids(list)));
        // the registry neither answers nor fails: a frozen agent, a network that drops packets
        await().atMost(DEADLINE).until(() -> received.equals(List.of(List.of("a", "b"))));
        assertTrue(System.nanoTime() - start >= Snapshots.FIRST_READ_BOUND.toNanos(), "not before the bound");
        assertFalse(s.registryReachable());

        // the registry answers at last, without having failed: its list replaces the stored one at once
        naming.sinks.get("svc").snapshot(List.of(instance("b"), instance("c")));
        await().atMost(DEADLINE).until(() -> received.equals(List.of(List.of("a", "b"), List.of("b", "c"))));
        assertTrue(s.registryReachable());
    }

    @Test
    void aRegistryThatAnswersInTimeIsAllThatIsDelivered() throws Exception {
        anEarlierProcessSaw("a", "b");
        ScriptedNaming naming = open(Duration.ZERO);
        naming.subscribe("svc", list -> received.add(ids(list)));
        naming.sinks.get("svc").snapshot(List.of(instance("c")));
        Thread.sleep(Snapshots.FIRST_READ_BOUND.toMillis() * 2); // past the bound: nothing more may come
        naming.sinks.get("svc").failure(new RegistryUnreachableException("later outage"));
        assertEquals(0, naming.snapshotStore().loads.get(), "the stored list was asked for");
        assertEquals(List.of(List.of("c")), received);
    }

    @Test
    void removalsTheRegistrysFirstListBringsAreHeldAfterAnOutageAtStart() {
        anEarlierProcessSaw("a", "b");
        ScriptedNaming naming = open(LONG);
        naming.subscribe("svc", list -> received.add(ids(list)));
        WatchSink sink = naming.sinks.get("svc");
        sink.failure(new RegistryUnreachableException("connection refused"));
        await().atMost(DEADLINE).until(() -> received.equals(List.of(List.of("a", "b"))));

        // the registry restarted meanwhile: its first list lacks what its owners have not registered again
        sink.snapshot(List.of(instance("c")));
        await().atMost(DEADLINE).until(() -> received.equals(List.of(List.of("a", "b"), List.of("a", "b", "c"))));
        sink.snapshot(List.of(instance("a"), instance("b"), instance("c")));
        sink.snapshot(List.of(instance("a"), instance("c")));
        // b came back, so the hold ended: b's later departure is a real one
        await().atMost(DEADLINE).until(() -> received.get(received.size() - 1).equals(List.of("a", "c")));
    }

    @Test
    void theRegistrysListsAndConfirmationsAreStored() {
        ScriptedNaming naming = open(Duration.ZERO);
        Subscription s = naming.subscribe("svc", list -> { });
        naming.sinks.get("svc").snapshot(List.of(instance("a")));
        Snapshots store = naming.snapshotStore();
        await().atMost(DEADLINE).until(() -> store.writes.get() == 1);
        assertEquals(List.of("a"), ids(store.read("svc").instances()));

        naming.sinks.get("svc").unchanged();
        Instant confirmedAgain = s.lastConfirmed().orElseThrow();
        naming.close(); // a confirmation alone waits a minute; close writes it
        assertEquals(2, store.writes.get());
        assertEquals(confirmedAgain, store.read("svc").confirmed());
    }

    @Test
    void aDamagedFileLeavesTheSubscriptionWaitingForTheRegistry() throws Exception {
        anEarlierProcessSaw("a", "b");
        ScriptedNaming probe = open(Duration.ZERO);
        Path file = probe.snapshotStore().file("svc");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));

        ScriptedNaming naming = open(Duration.ZERO);
        try (LogCapture log = new LogCapture()) {
            naming.subscribe("svc", list -> received.add(ids(list)));
            naming.sinks.get("svc").failure(new RegistryUnreachableException("connection refused"));
            await().atMost(DEADLINE).until(() -> !log.lines("ignoring the snapshot of 'svc'").isEmpty());
            naming.sinks.get("svc").snapshot(List.of(instance("c")));
            await().atMost(DEADLINE).until(() -> received.equals(List.of(List.of("c"))));
            assertEquals(1, log.lines("ignoring the snapshot of 'svc'").size());
        }
    }

    @Test
    void withoutTheParameterThereIsNoStore() {
        ScriptedNaming naming = new ScriptedNaming(Duration.ZERO);
        opened.add(naming);
        assertNull(naming.snapshotStore());
    }
}
