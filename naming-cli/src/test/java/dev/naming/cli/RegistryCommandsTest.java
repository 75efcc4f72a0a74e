package dev.naming.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.Naming;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.inmemory.InMemoryRegistry;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** find, watch, register and deregister against an in-memory registry of this JVM. */
@Timeout(20)
class RegistryCommandsTest {

    private String registry;
    private Naming owner;

    @BeforeEach
    void uniqueRegistry() {
        registry = "inmemory://cli-" + UUID.randomUUID();
        owner = Naming.connect(registry);
    }

    @AfterEach
    void closeOwner() {
        owner.close();
    }

    @Test
    void findPrintsOneLinePerInstanceWithEveryTagSortedById() {
        owner.register(logic("logic-2", "gate", "zone-b"));
        owner.register(logic("logic-1", "gate", "zone-a"));
        owner.register(logic("logic-3", "zone-a"));

        Cli.Result r = Cli.run("find", "chat.logic", "--tag", "gate", "--registry", registry);

        assertEquals(0, r.exit(), r::toString);
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r::toString);
        assertTrue(lines.get(0).matches("logic-1\\s+ws://10\\.0\\.0\\.1:8000\\s+gate,zone-a\\s+weight=10"), lines.get(0));
        assertTrue(lines.get(1).startsWith("logic-2 "), lines.get(1));
    }

    @Test
    void findPrintsAJsonArrayWithJson() {
        owner.register(logic("logic-1", "gate"));

        Cli.Result r = Cli.run("find", "chat.logic", "--json", "--registry", registry);

        assertEquals(0, r.exit(), r::toString);
        assertEquals("[{\"id\":\"logic-1\",\"name\":\"chat.logic\",\"address\":\"10.0.0.1\",\"port\":8000,"
                + "\"protocol\":\"ws\",\"endpoint\":\"ws://10.0.0.1:8000\",\"tags\":[\"gate\"],"
                + "\"meta\":{\"weight\":\"10\"}}]", r.out().strip());
    }

    @Test
    void findOfAnUnknownServicePrintsNothingAndSucceeds() {
        Cli.Result r = Cli.run("find", "nobody", "--registry", registry);

        assertEquals(0, r.exit(), r::toString);
        assertEquals("", r.out());
        assertTrue(r.err().contains("no healthy instance of 'nobody'"), r::toString);
    }

    @Test
    void findUsesTheConfiguredRegistryWhenNoneIsGiven() {
        owner.register(logic("logic-1", "gate"));

        String before = System.setProperty("naming.url", registry);
        Cli.Result r;
        try {
            r = Cli.run("find", "chat.logic");
        } finally {
            if (before == null) {
                System.clearProperty("naming.url");
            } else {
                System.setProperty("naming.url", before);
            }
        }

        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().startsWith("logic-1 "), r::toString);
    }

    @Test
    void watchSaysWhenTheRegistryStopsAnsweringAndWhenItIsBack() {
        owner.register(logic("logic-1", "gate"));
        Cli.Running watch = Cli.start("watch", "chat.logic", "--timeout", "8s", "--registry", registry);
        await().atMost(Duration.ofSeconds(5)).until(() -> watch.lines().size() == 1);
        String cluster = registry.substring("inmemory://".length());

        InMemoryRegistry.named(cluster).setReachable(false);
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> watch.lines().stream()
                    .anyMatch(l -> l.contains("registry unreachable: keeping the list, last confirmed")));
        } finally {
            InMemoryRegistry.named(cluster).setReachable(true);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> watch.lines().stream()
                .anyMatch(l -> l.contains("registry answers again")));
    }

    @Test
    void drainTakesAnInstanceOutOfFindAndUndrainPutsItBack() {
        owner.register(logic("logic-1", "gate"));
        owner.register(logic("logic-2", "gate"));

        Cli.Result drained = Cli.run("drain", "chat.logic", "logic-1", "--registry", registry);
        assertEquals(0, drained.exit(), drained::toString);
        assertEquals("drained logic-1 (chat.logic)", drained.out().strip());
        assertEquals(List.of("logic-2"), owner.find("chat.logic").stream().map(ServiceInstance::id).toList());

        Cli.Result undrained = Cli.run("undrain", "chat.logic", "logic-1", "--registry", registry);
        assertEquals(0, undrained.exit(), undrained::toString);
        assertEquals(List.of("logic-1", "logic-2"),
                owner.find("chat.logic").stream().map(ServiceInstance::id).toList());
    }

    @Test
    void drainOfAnUnknownInstanceFailsWithExitCodeOne() {
        Cli.Result r = Cli.run("drain", "chat.logic", "nobody", "--registry", registry);
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("nobody"), r::toString);
    }

    @Test
    void registerWithADrainPeriodLeavesTrafficBeforeItDeregisters() throws Exception {
        Cli.Running register = Cli.start("register", "--id", "logic-9", "--name", "chat.logic", "--address",
                "10.0.0.9", "--port", "9000", "--for", "300ms", "--drain", "1s", "--registry", registry);
        await().atMost(Duration.ofSeconds(5)).until(() -> register.lines().stream()
                .anyMatch(l -> l.startsWith("draining logic-9")));
        assertTrue(register.lines().contains("draining logic-9 for 1s"), register.lines()::toString);
        assertEquals(List.of(), owner.find("chat.logic"), "drained: out of find while still registered");
        await().atMost(Duration.ofSeconds(5)).until(() -> register.lines().stream()
                .anyMatch(l -> l.startsWith("deregistered logic-9")));
    }

    @Test
    void watchPrintsTheCurrentListThenEachChangeAndStopsAfterCount() throws Exception {
        owner.register(logic("logic-1", "gate"));
        Cli.Running watch = Cli.start("watch", "chat.logic", "--count", "2", "--timeout", "10s", "--registry", registry);
        await().atMost(Duration.ofSeconds(5)).until(() -> watch.lines().size() == 1);

        owner.register(logic("logic-2", "gate"));

        Cli.Result r = watch.result();
        assertEquals(0, r.exit(), r::toString);
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r::toString);
        assertTrue(lines.get(0).contains("chat.logic  1 instance (first list): logic-1(ws://10.0.0.1:8000)"), lines.get(0));
        assertTrue(lines.get(1).contains("2 instances (+logic-2): logic-1(ws://10.0.0.1:8000) logic-2(ws://10.0.0.2:8000)"),
                lines.get(1));
    }

    @Test
    void watchStopsAtItsTimeoutAndPrintsJsonLines() {
        owner.register(logic("logic-1", "gate"));

        Cli.Result r = Cli.run("watch", "chat.logic", "--timeout", "500ms", "--json", "--registry", registry);

        assertEquals(0, r.exit(), r::toString);
        List<String> lines = r.out().lines().toList();
        assertEquals(1, lines.size(), r::toString);
        assertTrue(lines.get(0).startsWith("{\"time\":\""), lines.get(0));
        assertTrue(lines.get(0).contains("\"service\":\"chat.logic\",\"instances\":[{\"id\":\"logic-1\""), lines.get(0));
    }

    @Test
    void watchFailsWhenTheFirstListCannotBeReadInTime() {
        InMemoryRegistry down = InMemoryRegistry.named(registry.substring("inmemory://".length()));
        down.setReachable(false);
        try {
            Cli.Result r = Cli.run("watch", "chat.logic", "--timeout", "1s", "--registry", registry);

            assertEquals(1, r.exit(), r::toString);
            assertEquals("", r.out());
            assertEquals("naming: could not read the list of 'chat.logic' from " + registry + " within 1s: "
                    + "the registry is unreachable or does not answer", r.err().strip());
        } finally {
            down.setReachable(true);
        }
    }

    @Test
    void watchWithWarmupHoldsANewInstanceBackForTheWarmup() throws Exception {
        Cli.Running watch = Cli.start("watch", "chat.logic", "--warmup", "600ms", "--count", "2",
                "--timeout", "5s", "--registry", registry);
        await().atMost(Duration.ofSeconds(5)).until(() -> watch.lines().size() == 1);

        long registered = System.nanoTime();
        owner.register(logic("logic-1", "gate"));
        await().atMost(Duration.ofSeconds(5)).until(() -> watch.lines().size() == 2);
        Duration heldBack = Duration.ofNanos(System.nanoTime() - registered);

        Cli.Result r = watch.result();
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().lines().toList().get(0).contains("0 instances (first list): (none)"), r::toString);
        assertTrue(r.out().lines().toList().get(1).contains("1 instance (+logic-1)"), r::toString);
        assertTrue(heldBack.toMillis() >= 550, "delivered after " + heldBack.toMillis() + "ms");
    }

    @Test
    void registerStaysRegisteredForItsDurationThenDeregisters() throws Exception {
        CompletableFuture<Cli.Result> register = CompletableFuture.supplyAsync(() -> Cli.run("register",
                "--id", "cli-1", "--name", "chat.logic", "--address", "127.0.0.1", "--port", "9000",
                "--protocol", "ws", "--tag", "gate", "--meta", "weight=5", "--ttl", "2s", "--for", "1500ms",
                "--registry", registry), Cli::ownThread);

        await().atMost(Duration.ofSeconds(5)).until(() -> Cli.run("find", "chat.logic", "--registry", registry)
                .out().startsWith("cli-1 "));
        Cli.Result watch = Cli.run("watch", "chat.logic", "--count", "1", "--timeout", "5s", "--registry", registry);
        assertTrue(watch.out().contains("cli-1(ws://127.0.0.1:9000)"), watch::toString);

        Cli.Result r = register.get(10, TimeUnit.SECONDS);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().startsWith("registered cli-1 (chat.logic) ws://127.0.0.1:9000 tags=gate meta=weight=5 in "
                + registry), r::toString);
        assertTrue(r.out().contains("deregistered cli-1"), r::toString);
        assertEquals("", Cli.run("find", "chat.logic", "--registry", registry).out());
    }

    @Test
    void registerWhileTheRegistryIsDownSaysSoAndRegistersOnceItAnswers() throws Exception {
        InMemoryRegistry cluster = InMemoryRegistry.named(registry.substring("inmemory://".length()));
        cluster.setReachable(false);
        Cli.Running register;
        try {
            register = Cli.start("register", "--id", "cli-1", "--name", "chat.logic", "--address", "127.0.0.1",
                    "--port", "9000", "--for", "3s", "--registry", registry);
            await().atMost(Duration.ofSeconds(5)).until(() -> !register.lines().isEmpty());
            assertTrue(register.lines().get(0).startsWith("pending cli-1 (chat.logic) http://127.0.0.1:9000"),
                    register.lines()::toString);
            assertTrue(register.lines().get(0).contains("registered as soon as it answers"), register.lines()::toString);
        } finally {
            cluster.setReachable(true);
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> owner.find("chat.logic").size() == 1);
        assertEquals(0, register.result().exit());
    }

    @Test
    void deregisterRemovesTheInstanceFromTheRegistry() throws Exception {
        owner.register(logic("logic-1", "gate"));
        Cli.Running watch = Cli.start("watch", "chat.logic", "--count", "2", "--timeout", "10s", "--registry", registry);
        await().atMost(Duration.ofSeconds(5)).until(() -> watch.lines().size() == 1);
        // The owner is alive and registers logic-1 again at its next heartbeat (the contract: the
        // library re-registers what the registry forgot), which can supersede the departure before
        // the watch prints it: deregister again until the watch has printed one.
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(300)).until(() -> {
            Cli.Result r = Cli.run("deregister", "logic-1", "--registry", registry);
            assertEquals(0, r.exit(), r::toString);
            assertEquals("deregistered logic-1 (or it was not registered)", r.out().strip());
            return watch.lines().size() == 2;
        });

        Cli.Result r = watch.result();
        assertTrue(r.out().lines().toList().get(1).contains("0 instances (-logic-1): (none)"), r::toString);
    }

    @Test
    void deregisterOfAnUnknownIdSucceedsWithoutClaimingItWasRegistered() {
        Cli.Result r = Cli.run("deregister", "nobody", "--registry", registry);

        assertEquals(0, r.exit(), r::toString);
        assertEquals("deregistered nobody (or it was not registered)", r.out().strip());
    }

    private static ServiceRegistration logic(String id, String... tags) {
        int host = Integer.parseInt(id.substring(id.indexOf('-') + 1));
        return ServiceRegistration.builder().id(id).name("chat.logic").address("10.0.0." + host).port(8000)
                .protocol("ws").tags(tags).meta("weight", "10").build();
    }
}
