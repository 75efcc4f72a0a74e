package dev.naming.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.Naming;
import dev.naming.ServiceRegistration;
import dev.naming.consul.emulator.ConsulEmulator;
import dev.naming.discovery.emulator.DiscoveryCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code naming} command against the Consul and discovery emulators: register keeps an
 * instance alive, find and watch see it, deregister removes it.
 */
@Timeout(60)
class CliAgainstEmulatorsTest {

    private static final ConsulEmulator CONSUL = ConsulEmulator.start();
    private static final DiscoveryCluster DISCOVERY = DiscoveryCluster.start(1).hold(Duration.ofSeconds(1));

    static Stream<String> registries() {
        return Stream.of("consul://" + CONSUL.hostPort(),
                "discovery://" + DISCOVERY.authority() + "?env=cli&zone=sh001&hostname=cli-host");
    }

    @AfterAll
    static void stop() {
        CONSUL.close();
        DISCOVERY.close();
    }

    private record Result(int exit, String out, String err) {
    }

    private static Result naming(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = NamingCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(exit, out.toString(), err.toString());
    }

    @ParameterizedTest
    @MethodSource("registries")
    void registerFindWatchAndDeregisterWork(String registry) throws Exception {
        String service = "chat.logic." + (registry.startsWith("consul") ? "c" : "d");
        CompletableFuture<Result> registered = CompletableFuture.supplyAsync(() -> naming("register",
                "--registry", registry, "--id", "logic-1", "--name", service, "--address", "10.0.0.11",
                "--port", "8000", "--protocol", "ws", "--tag", "gate", "--meta", "weight=10", "--for", "4s"));

        await().atMost(Duration.ofSeconds(10)).until(() -> naming("find", service, "--registry", registry)
                .out().contains("logic-1"));
        Result find = naming("find", service, "--tag", "gate", "--json", "--registry", registry);
        assertEquals(0, find.exit(), find::toString);
        assertTrue(find.out().contains("\"endpoint\":\"ws://10.0.0.11:8000\"") && find.out().contains("\"weight\":\"10\""),
                find.out());

        Result watch = naming("watch", service, "--count", "1", "--timeout", "10s", "--registry", registry);
        assertEquals(0, watch.exit(), watch::toString);
        assertTrue(watch.out().contains("logic-1"), watch.out());

        Result done = registered.get(20, TimeUnit.SECONDS);
        assertEquals(0, done.exit(), done::toString);
        await().atMost(Duration.ofSeconds(10)).until(() -> naming("find", service, "--registry", registry)
                .out().isEmpty());

        Result deregister = naming("deregister", "logic-1", "--registry", registry);
        assertEquals(0, deregister.exit(), "deregister of a gone id is not an error: " + deregister);
    }

    @Test
    void aListTheTokenMayNotReadIsNeverPresentedAsAServiceWithoutInstances() throws Exception {
        try (ConsulEmulator consul = ConsulEmulator.start()) {
            consul.requireToken("cli-secret");
            consul.unprivilegedToken("cli-weak");
            java.net.http.HttpResponse<String> registered = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(consul.url() + "/v1/agent/service/register"))
                            .header("X-Consul-Token", "cli-secret")
                            .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(
                                    "{\"ID\":\"logic-1\",\"Name\":\"chat.logic\",\"Address\":\"10.0.0.5\",\"Port\":8000}"))
                            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, registered.statusCode(), registered.body());
            // a token without read rights (a request without any is never told that something was hidden)
            String registry = "consul://" + consul.hostPort() + "?token=cli-weak";
            // in the catalog once the agent has synced it (anti-entropy): only then is there anything to filter
            await().atMost(Duration.ofSeconds(5)).until(() -> java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(consul.url() + "/v1/health/service/chat.logic"))
                            .header("X-Consul-Token", "cli-secret").build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body().contains("logic-1"));

            Result find = naming("find", "chat.logic", "--registry", registry);
            assertEquals(0, find.exit(), find::toString);
            assertFalse(find.err().contains("no healthy instance"), find::toString);
            assertTrue(find.err().contains("left instances of 'chat.logic' out") && find.err().contains("token="),
                    find::toString);

            Result watch = naming("watch", "chat.logic", "--count", "1", "--timeout", "10s", "--registry", registry);
            assertEquals(0, watch.exit(), watch::toString);
            assertFalse(watch.out().contains("0 instances ("), watch::toString);
            assertTrue(watch.out().contains("filtered out by the registry's access control"), watch::toString);
            assertTrue(watch.err().contains("left instances of 'chat.logic' out"), watch::toString);

            Result json = naming("watch", "chat.logic", "--count", "1", "--json", "--registry", registry);
            assertTrue(json.out().contains("\"filtered\":true"), json::toString);
        }
    }

    private static String discovery(String parameters) {
        return "discovery://" + DISCOVERY.authority() + "?" + parameters;
    }

    private static ServiceRegistration instance(String id, String name) {
        return ServiceRegistration.builder().id(id).name(name).address("10.0.0.21").port(8000).build();
    }

    @Test
    void drainUnderAnotherServicesNameIsRefusedOnConsulAndDrainsNothing() {
        String registry = "consul://" + CONSUL.hostPort();
        try (Naming owner = Naming.connect(registry)) {
            owner.register(instance("logic-7", "chat.logic.named"));
            Result r = naming("drain", "chat.wrong", "logic-7", "--registry", registry);

            assertEquals(2, r.exit(), r::toString);
            assertEquals("naming: serviceName: 'logic-7' is registered under 'chat.logic.named', not 'chat.wrong'",
                    r.err().strip());
            assertEquals(1, owner.find("chat.logic.named").size(), "still in traffic");
        }
    }

    @Test
    void drainOnDiscoveryWithoutAZoneSaysTheZoneIsMissing() {
        Result r = naming("drain", "chat.logic", "logic-1", "--registry", discovery("env=cli"));

        assertEquals(2, r.exit(), r::toString);
        assertTrue(r.err().strip().startsWith("naming: zone is missing: draining on discovery needs the zone"), r::toString);
    }

    @Test
    void drainOnDiscoveryOfAnUnknownInstanceSaysWhichInstanceIsMissingWhere() {
        Result r = naming("drain", "chat.logic", "nobody", "--registry", discovery("env=cli&zone=sh001"));

        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().startsWith("naming: discovery has no instance 'nobody' of 'chat.logic' in zone 'sh001' and"
                + " env 'cli'"), r::toString);
    }

    @Test
    void deregisterOnDiscoveryRemovesAnInstanceAnotherProcessRegistered() {
        try (Naming other = Naming.connect(discovery("env=cli&zone=sh002&hostname=other-host"));
             Naming reader = Naming.connect(discovery("env=cli"))) {
            other.register(instance("go-d2", "chat.go"));
            assertEquals(1, reader.find("chat.go").size());

            Result r = naming("deregister", "go-d2", "--registry", discovery("env=cli&zone=sh001"));

            assertEquals(0, r.exit(), r::toString);
            assertEquals(List.of(), reader.find("chat.go"), "cancelled, though registered by another process and zone");
        }
    }

    @Test
    void anUnknownHostIsOneLineThatSaysSo() {
        Result r = naming("find", "chat.logic", "--registry", "discovery://nonexistent.invalid:7171?env=cli");

        assertEquals(1, r.exit(), r::toString);
        assertEquals(1, r.err().strip().lines().count(), r::toString);
        assertTrue(r.err().contains("unknown host"), r::toString);
    }
}
