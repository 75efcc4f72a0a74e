package dev.naming.grpc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.Naming;
import dev.naming.ServiceRegistration;
import io.grpc.CallOptions;
import io.grpc.EquivalentAddressGroup;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The provider's set-up, its targets, its Naming ownership and the resolver contract's edges, in memory. */
class NamingNameResolverProviderTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private final String registry = "provider-" + UUID.randomUUID();
    private final String service = "chat.logic";
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    @AfterEach
    void close() throws Exception {
        System.clearProperty("naming.url");
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
    }

    // ---- set-up ---------------------------------------------------------------------------------------

    @Test
    void theServiceLoadedProviderTakesTheNamingSchemeButLeavesDnsTheDefault() {
        NameResolverRegistry registry = NameResolverRegistry.getDefaultRegistry();

        assertInstanceOf(NamingNameResolverProvider.class, registry.getProviderForScheme("naming"));
        assertEquals("dns", registry.getDefaultScheme());
    }

    @Test
    void aProviderOverAnApplicationsNamingRegisteredInTheDefaultRegistryWinsTheScheme() {
        NameResolverRegistry registry = NameResolverRegistry.getDefaultRegistry();
        NamingNameResolverProvider own = NamingNameResolverProvider.of(connect());
        registry.register(own);
        try {
            assertEquals(own, registry.getProviderForScheme("naming"));
            assertEquals("dns", registry.getDefaultScheme());
        } finally {
            registry.deregister(own);
        }
    }

    // ---- targets --------------------------------------------------------------------------------------

    @Test
    void malformedTargetsFailWhenTheChannelIsBuiltNamingThePart() {
        assertBuildFails("naming:///chat.logic?tags=gate", "unknown parameter 'tags'");
        assertBuildFails("naming://consul-host/chat.logic", "must have an empty authority");
        assertBuildFails("naming:///", "names no service");
        assertBuildFails("naming:///chat.logic?warmup=soon", "warmup must be a duration");
        assertBuildFails("naming:///chat.logic?protocol=", "protocol must not be blank");
    }

    @Test
    void theAuthorityIsTheServiceNameWithReservedCharactersEncoded() {
        assertEquals("chat.logic", channel("naming:///chat.logic", null).authority());
        assertEquals("chat%20logic%2Fv2", channel("naming:///chat%20logic%2Fv2", null).authority());
    }

    // ---- Naming ownership -----------------------------------------------------------------------------

    @Test
    void channelsOnOneUrlShareOneNamingClosedWithTheLastOfThem() throws Exception {
        EchoServer server = server("s");
        register(connect(), "s", server);
        System.setProperty("naming.url", "counting://" + registry);
        int before = CountingNaming.CREATED.size();

        ManagedChannel first = channel("naming:///" + service, null);
        ManagedChannel second = channel("naming:///" + service, null);
        assertEquals("s", EchoServer.who(first, DEADLINE));
        assertEquals("s", EchoServer.who(second, DEADLINE));
        List<CountingNaming> opened = CountingNaming.CREATED.subList(before, CountingNaming.CREATED.size());
        assertEquals(1, opened.size(), "one Naming per URL");
        CountingNaming shared = opened.get(0);
        assertEquals(2, shared.activeSubscriptions.get());

        first.shutdown().awaitTermination(5, TimeUnit.SECONDS);
        assertEquals(1, shared.activeSubscriptions.get());
        assertFalse(shared.closed.get(), "closed while a channel still uses it");

        second.shutdown().awaitTermination(5, TimeUnit.SECONDS);
        assertEquals(0, shared.activeSubscriptions.get());
        assertTrue(shared.closed.get(), "left open after the last channel shut down");
    }

    @Test
    void aChannelShutdownClosesItsSubscriptionButNeverTheApplicationsNaming() throws Exception {
        EchoServer server = server("s");
        register(connect(), "s", server);
        CountingNaming naming = new CountingNaming(connect());
        ManagedChannel channel = channel("naming:///" + service, NamingNameResolverProvider.of(naming));
        assertEquals("s", EchoServer.who(channel, DEADLINE));
        assertEquals(1, naming.activeSubscriptions.get());

        channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);

        assertEquals(0, naming.activeSubscriptions.get());
        assertFalse(naming.closed.get());
    }

    // ---- the resolver contract --------------------------------------------------------------------------

    @Test
    void refreshCostsTheRegistryNothing() throws Exception {
        EchoServer stays = server("stays");
        EchoServer dies = server("dies");
        Naming registrar = connect();
        register(registrar, "stays", stays);
        register(registrar, "dies", dies);
        CountingNaming naming = new CountingNaming(connect());
        ManagedChannel channel = channel("naming:///" + service, NamingNameResolverProvider.of(naming));
        for (int i = 0; i < 200 && (stays.served() == 0 || dies.served() == 0); i++) {
            EchoServer.who(channel, DEADLINE);
        }

        // a server that drops its connections makes round_robin ask the resolver to refresh
        dies.close();
        // an RPC caught on the closing connection may fail; then every RPC goes to the server that stays
        await().atMost(DEADLINE).ignoreExceptions().until(() -> {
            for (int i = 0; i < 20; i++) {
                if (!"stays".equals(EchoServer.who(channel, CallOptions.DEFAULT.withWaitForReady(), DEADLINE))) {
                    return false;
                }
            }
            return true;
        });

        assertEquals(1, naming.subscribes.get());
        assertEquals(0, naming.finds.get());
    }

    @Test
    void theLastDepartureIsDeliveredAsAnEmptyListNotAsAnError() throws Exception {
        EchoServer server = server("only");
        Naming registrar = connect();
        register(registrar, "only", server);
        Naming naming = connect();
        DeliveryLog log = new DeliveryLog(NamingNameResolverProvider.of(naming));
        // pick_first, grpc's default policy, fails RPCs at once when no address is left
        ManagedChannel channel = channel("naming:///" + service, log, false);
        assertEquals("only", EchoServer.who(channel, DEADLINE));

        registrar.deregister("only");
        StatusOr<List<EquivalentAddressGroup>> last = log.await(r -> !r.hasValue() || r.getValue().isEmpty(), DEADLINE);

        assertTrue(last.hasValue(), "delivered as an error: " + last);
        StatusRuntimeException failed = assertThrows(StatusRuntimeException.class,
                () -> EchoServer.who(channel, DEADLINE));
        assertEquals(Status.Code.UNAVAILABLE, failed.getStatus().getCode());

        register(registrar, "back", server);
        assertEquals("only", EchoServer.who(channel, CallOptions.DEFAULT.withWaitForReady(),
                DEADLINE));
    }

    /**
     * What docs/GRPC.md says grpc-java 1.85's round_robin does with an empty list, checked so that a
     * grpc upgrade that changes it shows here.
     */
    @Test
    void roundRobinKeepsItsReadyConnectionsThroughAnEmptyList() throws Exception {
        EchoServer server = server("only");
        Naming registrar = connect();
        register(registrar, "only", server);
        Naming naming = connect();
        DeliveryLog log = new DeliveryLog(NamingNameResolverProvider.of(naming));
        ManagedChannel channel = channel("naming:///" + service, log, true);
        assertEquals("only", EchoServer.who(channel, DEADLINE));

        registrar.deregister("only");
        log.await(r -> r.hasValue() && r.getValue().isEmpty(), DEADLINE);

        assertEquals("only", EchoServer.who(channel, DEADLINE));
    }

    @Test
    void aRegistryThatCannotBeOpenedFailsRpcsAndIsTriedAgainOnRefresh() throws Exception {
        EchoServer server = server("s");
        register(connect(), "s", server);
        System.setProperty("naming.url", "nosuchbackend://x");
        ManagedChannel channel = channel("naming:///" + service, null);

        StatusRuntimeException failed = assertThrows(StatusRuntimeException.class, () -> EchoServer.who(channel, DEADLINE));
        assertEquals(Status.Code.UNAVAILABLE, failed.getStatus().getCode());
        assertTrue(failed.getStatus().getDescription().contains("no naming provider for scheme 'nosuchbackend'"),
                failed.getStatus().getDescription());

        // the channel calls refresh() with backoff; with the URL fixed, the next one subscribes
        System.setProperty("naming.url", "inmemory://" + registry);
        await().atMost(DEADLINE).ignoreExceptions()
                .until(() -> "s".equals(EchoServer.who(channel, Duration.ofSeconds(1))));
    }

    // ---- helpers --------------------------------------------------------------------------------------

    private void assertBuildFails(String target, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> channel(target, null));
        assertTrue(e.getMessage().contains(message), () -> target + ": " + e.getMessage());
    }

    private Naming connect() {
        Naming naming = Naming.connect("inmemory://" + registry);
        resources.push(naming);
        return naming;
    }

    private EchoServer server(String name) {
        EchoServer server = EchoServer.start(name);
        resources.push(server);
        return server;
    }

    private void register(Naming registrar, String id, EchoServer server) {
        registrar.register(ServiceRegistration.builder().id(id).name(service).address("127.0.0.1")
                .port(server.port()).protocol("grpc").build());
    }

    private ManagedChannel channel(String target, io.grpc.NameResolverProvider provider) {
        return channel(target, provider, true);
    }

    /** A channel through {@code provider}, or through the default registry when it is null. */
    private ManagedChannel channel(String target, io.grpc.NameResolverProvider provider, boolean roundRobin) {
        ManagedChannelBuilder<?> builder;
        if (provider == null) {
            builder = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create());
        } else {
            NameResolverRegistry resolvers = new NameResolverRegistry();
            resolvers.register(provider);
            builder = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create(), resolvers);
        }
        if (roundRobin) {
            builder.defaultLoadBalancingPolicy("round_robin");
        }
        ManagedChannel channel = builder.build();
        resources.push(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return channel;
    }
}
