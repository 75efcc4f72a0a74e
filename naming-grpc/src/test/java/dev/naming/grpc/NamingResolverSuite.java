package dev.naming.grpc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.naming.Naming;
import dev.naming.NamingException;
import dev.naming.ServiceRegistration;
import io.grpc.EquivalentAddressGroup;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a gRPC channel on a {@code naming:} target does, against real gRPC servers on loopback and a
 * real channel balancing with {@code round_robin}, for any registry a subclass names. Every RPC loop
 * is bounded in count and time.
 */
public abstract class NamingResolverSuite {

    /** No loop in this suite makes more RPCs than this. */
    protected static final int MAX_RPCS = 2_000;
    private static final Duration RPC_DEADLINE = Duration.ofSeconds(5);

    protected final String service = "grpc-" + UUID.randomUUID().toString().substring(0, 8);
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private boolean outage;

    /** For one subclass per registry. */
    protected NamingResolverSuite() {
    }

    /** A URL {@code Naming.connect(url)} reaches the registry under test with. */
    protected abstract String registryUrl();

    /** Whether {@link #setReachable(boolean)} works. */
    protected boolean supportsOutage() {
        return false;
    }

    /** Makes the registry unreachable ({@code false}) or reachable again. */
    protected void setReachable(boolean reachable) {
        throw new UnsupportedOperationException("outage");
    }

    /** Watch requests (blocking queries, polls) the registry holds open right now, where it can count them. */
    protected OptionalInt openWatchRequests() {
        return OptionalInt.empty();
    }

    /** Upper bound for a registry change to reach a channel. */
    protected Duration deadline() {
        return Duration.ofSeconds(10);
    }

    /** Stops the registry, after the test's channels, servers and Namings are closed. */
    protected void stopRegistry() {
    }

    @AfterEach
    void closeResources() throws Exception {
        try {
            if (outage) {
                setReachable(true);
            }
            while (!resources.isEmpty()) {
                resources.pop().close();
            }
        } finally {
            stopRegistry();
        }
    }

    // ---- the behaviour ------------------------------------------------------------------------------

    @Test
    void rpcsReachEveryRegisteredServer() throws Exception {
        Naming registrar = connect();
        List<EchoServer> servers = List.of(server("a"), server("b"), server("c"));
        for (EchoServer s : servers) {
            register(registrar, s.name(), s, "grpc");
        }
        ManagedChannel channel = channel(connect(), new DeliveryLog(NamingNameResolverProvider.of(connect())), "");

        rpcsUntil(channel, () -> servers.stream().allMatch(s -> s.served() > 0));

        servers.forEach(s -> assertTrue(s.served() > 0, s + " got no RPC"));
    }

    @Test
    void aNewlyRegisteredServerGetsRpcs() throws Exception {
        Naming registrar = connect();
        EchoServer first = server("first");
        register(registrar, "first", first, "grpc");
        ManagedChannel channel = channel(connect(), null, "");
        assertEquals("first", EchoServer.who(channel, RPC_DEADLINE));

        EchoServer late = server("late");
        register(registrar, "late", late, "grpc");
        rpcsUntil(channel, () -> late.served() > 0);

        assertTrue(late.served() > 0, "the newly registered server got no RPC");
    }

    @Test
    void aDeregisteredServerGetsNoRpcOnceItsDepartureIsDelivered() throws Exception {
        Naming registrar = connect();
        EchoServer stays = server("stays");
        EchoServer leaves = server("leaves");
        register(registrar, "stays", stays, "grpc");
        register(registrar, "leaves", leaves, "grpc");
        Naming naming = connect();
        DeliveryLog log = new DeliveryLog(NamingNameResolverProvider.of(naming));
        ManagedChannel channel = channel(naming, log, "");
        rpcsUntil(channel, () -> stays.served() > 0 && leaves.served() > 0);

        registrar.deregister("leaves");
        log.awaitList(ids -> ids.equals(List.of("stays")), deadline());
        int servedBefore = leaves.served();
        for (int i = 0; i < 100; i++) {
            assertEquals("stays", EchoServer.who(channel, RPC_DEADLINE), "RPC " + i);
        }

        assertEquals(servedBefore, leaves.served(), "RPCs reached the deregistered server after its departure");
    }

    @Test
    void aRegistryOutageKeepsRpcsFlowingToTheLastServers() throws Exception {
        assumeTrue(supportsOutage(), "this registry cannot be made unreachable");
        Naming registrar = connect();
        EchoServer a = server("a");
        EchoServer b = server("b");
        register(registrar, "a", a, "grpc");
        register(registrar, "b", b, "grpc");
        ManagedChannel channel = channel(connect(), null, "");
        rpcsUntil(channel, () -> a.served() > 0 && b.served() > 0);

        unreachable();
        assertThrows(NamingException.class, () -> connect().find(service), "the registry still answers");
        int aBefore = a.served();
        int bBefore = b.served();
        // two seconds of RPCs while the registry is down: every one is answered, by both servers
        long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        int rpcs = 0;
        while (System.nanoTime() < end && rpcs < MAX_RPCS) {
            EchoServer.who(channel, RPC_DEADLINE);
            rpcs++;
        }

        assertTrue(rpcs >= 2, "too few RPCs to judge: " + rpcs);
        assertTrue(a.served() > aBefore && b.served() > bBefore, "a server lost its RPCs during the outage");
    }

    @Test
    void aWebSocketInstanceUnderTheSameNameIsNeverDialled() throws Exception {
        Naming registrar = connect();
        EchoServer grpc = server("grpc");
        register(registrar, "grpc", grpc, "grpc");
        try (AcceptCounter websocket = new AcceptCounter()) {
            registrar.register(ServiceRegistration.builder().id("ws").name(service).address("127.0.0.1")
                    .port(websocket.port()).protocol("ws").build());
            Naming naming = connect();
            DeliveryLog log = new DeliveryLog(NamingNameResolverProvider.of(naming));
            ManagedChannel channel = channel(naming, log, "");
            // the registry shows both; the channel was given the gRPC one only
            await().atMost(deadline()).until(() -> naming.find(service).size() == 2);
            for (int i = 0; i < 50; i++) {
                assertEquals("grpc", EchoServer.who(channel, RPC_DEADLINE));
            }

            assertEquals(List.of(List.of("grpc")), log.results().stream().map(r -> DeliveryLog.ids(r.getValue())).toList());
            assertEquals(0, websocket.accepted(), "the ws port was dialled");
        }
    }

    @Test
    void theProtocolParameterPicksAnotherProtocol() throws Exception {
        Naming registrar = connect();
        EchoServer grpc = server("grpc");
        EchoServer h2c = server("h2c");
        register(registrar, "grpc", grpc, "grpc");
        register(registrar, "h2c", h2c, "h2c");
        ManagedChannel channel = channel(connect(), null, "?protocol=h2c");

        for (int i = 0; i < 20; i++) {
            assertEquals("h2c", EchoServer.who(channel, RPC_DEADLINE));
        }
        assertEquals(0, grpc.served());
    }

    @Test
    void tagParametersSelectLikeFind() throws Exception {
        Naming registrar = connect();
        EchoServer gate = server("gate");
        EchoServer both = server("both");
        EchoServer other = server("other");
        register(registrar, "gate", gate, "grpc", "gate");
        register(registrar, "both", both, "grpc", "gate", "zone-a");
        register(registrar, "other", other, "grpc", "zone-a");
        Naming naming = connect();
        DeliveryLog log = new DeliveryLog(NamingNameResolverProvider.of(naming));
        channel(naming, log, "?tag=gate&tag=zone-a");

        assertEquals(List.of("both"), DeliveryLog.ids(log.awaitList(ids -> !ids.isEmpty(), deadline())));
    }

    @Test
    void aWarmupHoldsANewServerBackWhileTheOthersServe() throws Exception {
        Naming registrar = connect();
        EchoServer adult = server("adult");
        EchoServer young = server("young");
        register(registrar, "adult", adult, "grpc");
        Naming naming = connect();
        ManagedChannel channel = channel(naming, null, "?warmup=1h");
        assertEquals("adult", EchoServer.who(channel, RPC_DEADLINE));

        register(registrar, "young", young, "grpc");
        await().atMost(deadline()).until(() -> naming.find(service).size() == 2);
        for (int i = 0; i < 50; i++) {
            assertEquals("adult", EchoServer.who(channel, RPC_DEADLINE));
        }
        assertEquals(0, young.served());
    }

    @Test
    void everyAddressCarriesItsInstancesIdZoneMetaAndWeight() throws Exception {
        Naming registrar = connect();
        EchoServer s = server("s");
        registrar.register(ServiceRegistration.builder().id("logic-1").name(service).address("127.0.0.1")
                .port(s.port()).protocol("grpc").meta("zone", "sh001").meta("weight", "10").meta("color", "blue")
                .build());
        Naming naming = connect();
        DeliveryLog log = new DeliveryLog(NamingNameResolverProvider.of(naming));
        channel(naming, log, "");

        EquivalentAddressGroup group = log.awaitList(ids -> ids.equals(List.of("logic-1")), deadline()).get(0);
        assertEquals("logic-1", group.getAttributes().get(NamingAttributes.INSTANCE_ID));
        assertEquals("sh001", group.getAttributes().get(NamingAttributes.ZONE));
        assertEquals(10L, group.getAttributes().get(NamingAttributes.WEIGHT));
        assertEquals(Map.of("color", "blue", "weight", "10", "zone", "sh001"),
                group.getAttributes().get(NamingAttributes.META));
        assertEquals(s.port(), group.getAttributes().get(NamingAttributes.INSTANCE).port());
    }

    /**
     * A {@code Naming} shared by the application and its channels ({@code NamingNameResolverProvider.of}):
     * what the application subscribes, closes and subscribes again to the very service the channel
     * resolves never changes what the channel sees, which follows the registry.
     */
    @Test
    void theApplicationsSubscriptionsOnASharedNamingNeverChangeWhatTheChannelSees() throws Exception {
        Naming registrar = connect();
        EchoServer first = server("first");
        EchoServer late = server("late");
        register(registrar, "first", first, "grpc");
        Naming shared = connect();
        DeliveryLog log = new DeliveryLog(NamingNameResolverProvider.of(shared));
        ManagedChannel channel = channel(shared, log, "");
        assertEquals("first", EchoServer.who(channel, RPC_DEADLINE));

        // the application's own interest in the service: several subscriptions, opened and closed
        List<dev.naming.Subscription> mine = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            mine.add(shared.subscribe(service, list -> { }));
        }
        mine.add(shared.subscribe(service, dev.naming.SubscribeOptions.defaults().withTags("gate"), list -> { }));
        mine.remove(0).close();
        mine.forEach(dev.naming.Subscription::close);
        shared.subscribe(service, list -> { }).close();

        // the registry changes: the channel follows
        register(registrar, "late", late, "grpc");
        log.awaitList(ids -> ids.equals(List.of("first", "late")), deadline());
        rpcsUntil(channel, () -> late.served() > 0);
        assertTrue(late.served() > 0, "the newly registered server got no RPC");
        registrar.deregister("first");
        log.awaitList(ids -> ids.equals(List.of("late")), deadline());
        int firstServed = first.served();
        for (int i = 0; i < 50; i++) {
            assertEquals("late", EchoServer.who(channel, RPC_DEADLINE), "RPC " + i);
        }
        assertEquals(firstServed, first.served(), "RPCs reached the deregistered server");
    }

    @Test
    void channelsOnOneServiceShareOneWatchWhichEndsWithThem() throws Exception {
        assumeTrue(openWatchRequests().isPresent(), "this registry cannot count watch requests");
        Naming registrar = connect();
        EchoServer s = server("s");
        register(registrar, "s", s, "grpc");
        // the registrar watches its own service: one request open before any channel
        int registrars = 1;
        await().atMost(deadline()).until(() -> openWatchRequests().getAsInt() == registrars);
        Naming naming = connect();
        NameResolverRegistry resolvers = new NameResolverRegistry();
        resolvers.register(NamingNameResolverProvider.of(naming));
        List<ManagedChannel> channels = new java.util.ArrayList<>();
        String previous = System.setProperty("naming.url", registryUrl());
        try {
            for (int i = 0; i < 3; i++) {
                channels.add(roundRobin(Grpc.newChannelBuilder("naming:///" + service, InsecureChannelCredentials.create(),
                        resolvers)));
                channels.add(roundRobin(Grpc.newChannelBuilder("naming:///" + service,
                        InsecureChannelCredentials.create())));
            }
            for (ManagedChannel c : channels) {
                assertEquals("s", EchoServer.who(c, RPC_DEADLINE));
            }
            // six channels: one watch for the application's Naming, one for the Naming the URL opened
            assertEquals(registrars + 2, openWatchRequests().getAsInt());
        } finally {
            restore(previous);
            for (ManagedChannel c : channels) {
                c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }

        await().atMost(deadline()).until(() -> openWatchRequests().getAsInt() == registrars);
    }

    @Test
    void noLibraryThreadOutlivesAChannelThatOpenedItsOwnNaming() throws Exception {
        Naming registrar = connect();
        EchoServer s = server("s");
        register(registrar, "s", s, "grpc");
        Set<Thread> before = libraryThreads();
        String previous = System.setProperty("naming.url", registryUrl());
        ManagedChannel channel;
        try {
            channel = roundRobin(Grpc.newChannelBuilder("naming:///" + service, InsecureChannelCredentials.create()));
            assertEquals("s", EchoServer.who(channel, RPC_DEADLINE));
            assertTrue(!started(before).isEmpty(), "the channel's Naming runs no thread: the check would prove nothing");
        } finally {
            restore(previous);
        }

        channel.shutdown();
        assertTrue(channel.awaitTermination(5, TimeUnit.SECONDS));

        await().atMost(Duration.ofSeconds(5)).until(() -> started(before).isEmpty());
    }

    // ---- helpers ------------------------------------------------------------------------------------

    /** A new {@code Naming} on the registry, closed after the test. */
    protected Naming connect() {
        Naming naming = Naming.connect(registryUrl());
        resources.push(naming);
        return naming;
    }

    /** A started {@link EchoServer}, stopped after the test. */
    protected EchoServer server(String name) {
        EchoServer server = EchoServer.start(name);
        resources.push(server);
        return server;
    }

    /** Registers {@code server} as instance {@code id} of the suite's service. */
    protected void register(Naming registrar, String id, EchoServer server, String protocol, String... tags) {
        registrar.register(ServiceRegistration.builder().id(id).name(service).address("127.0.0.1").port(server.port())
                .protocol(protocol).tags(tags).build());
        // a registry may show a registration a moment after the call returned (Consul's anti-entropy):
        // the tests start from what the registry shows
        await().atMost(deadline()).until(() -> registrar.find(service).stream().anyMatch(i -> i.id().equals(id)));
    }

    /**
     * A {@code round_robin} channel on {@code naming:///SERVICE + query} through {@code naming}, its
     * provider wrapped in {@code log} when one is given, already resolving (a new channel is idle
     * until its first RPC); shut down after the test.
     */
    protected ManagedChannel channel(Naming naming, DeliveryLog log, String query) {
        NameResolverRegistry resolvers = new NameResolverRegistry();
        resolvers.register(log != null ? log : NamingNameResolverProvider.of(naming));
        ManagedChannel channel = roundRobin(Grpc.newChannelBuilder("naming:///" + service + query,
                InsecureChannelCredentials.create(), resolvers));
        channel.getState(true);
        return channel;
    }

    private ManagedChannel roundRobin(io.grpc.ManagedChannelBuilder<?> builder) {
        ManagedChannel channel = builder.defaultLoadBalancingPolicy("round_robin").build();
        resources.push(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return channel;
    }

    /** RPCs one after another until {@code done}, at most {@value #MAX_RPCS} and {@link #deadline()}. */
    protected void rpcsUntil(ManagedChannel channel, BooleanSupplier done) {
        long end = System.nanoTime() + deadline().toNanos();
        for (int i = 0; i < MAX_RPCS && System.nanoTime() < end && !done.getAsBoolean(); i++) {
            EchoServer.who(channel, RPC_DEADLINE);
        }
    }

    private void unreachable() {
        outage = true;
        setReachable(false);
    }

    private static void restore(String previousUrl) {
        if (previousUrl == null) {
            System.clearProperty("naming.url");
        } else {
            System.setProperty("naming.url", previousUrl);
        }
    }

    private static Set<Thread> libraryThreads() {
        Set<Thread> threads = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("naming-")) {
                threads.add(t);
            }
        }
        return threads;
    }

    private static List<String> started(Set<Thread> before) {
        Set<Thread> now = libraryThreads();
        now.removeAll(before);
        return now.stream().map(Thread::getName).sorted().toList();
    }

    /** A plain TCP listener on loopback that counts the connections it accepts. */
    static final class AcceptCounter implements AutoCloseable {
        private final ServerSocket socket;
        private final AtomicInteger accepted = new AtomicInteger();
        private final Thread acceptor;

        AcceptCounter() {
            try {
                socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (Socket ignored = socket.accept()) {
                        accepted.incrementAndGet();
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "test-accept-counter");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        @Override
        public void close() throws Exception {
            socket.close();
            acceptor.join(5_000);
        }
    }
}
