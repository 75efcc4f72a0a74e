package dev.naming.bench;

import com.orbitz.consul.Consul;
import com.orbitz.consul.cache.ServiceHealthCache;
import com.orbitz.consul.option.QueryOptions;
import dev.naming.Naming;
import dev.naming.consul.AgentCertificate;
import dev.naming.consul.emulator.ConsulEmulator;
import dev.naming.discovery.emulator.DiscoveryCluster;
import dev.naming.inmemory.InMemoryFixture;
import dev.naming.tck.RegistryFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;

/** The registries a benchmark run measures. */
final class BenchBackends {

    /** A registry to measure. */
    record Backend(String name, Supplier<RegistryFixture> fixture) {
    }

    /**
     * Another client library's watch on the same registry, measured beside the library's in the
     * same run: it reports the ids of the instances it sees after each change.
     */
    interface PeerWatches {

        /** The peer's name in the results. */
        String name();

        /**
         * Starts watching {@code service}; {@code ids} gets each list it delivers.
         *
         * @param scheduler where the peer runs its pauses; {@code null} for its own default
         */
        AutoCloseable watch(String service, Consumer<Set<String>> ids, ScheduledExecutorService scheduler);

        /** Watches every one of {@code services} through one client; {@code firstList} gets each service's name once. */
        AutoCloseable watchAll(List<String> services, Consumer<String> firstList, ScheduledExecutorService scheduler);
    }

    /** A fixture that has a peer to measure beside the library. */
    interface WithPeer {
        PeerWatches peer();
    }

    /**
     * A fixture whose registry can also run in a JVM of its own, so that the benchmark's heap
     * figures are the clients' alone.
     */
    interface WithSeparateAgent {

        /** Starts the registry in another JVM, set up as this fixture's (TLS or not). */
        SeparateAgent startSeparateAgent() throws IOException, InterruptedException;

        /** The peer, pointed at {@code agent}. */
        PeerWatches peer(SeparateAgent agent) throws IOException;
    }

    /**
     * A fixture whose registry says when it wrote each blocking reply, and to which client: the
     * benchmark then splits a propagation into the registry's share and each client's.
     */
    interface WithReplyWrites {

        /** Starts telling {@code observer} of each blocking reply; {@code null} stops it. */
        void observeBlockingReplies(ConsulEmulator.ReplyObserver observer);

        /** Which client a request's {@code User-Agent} names: {@code "naming"}, {@code "peer"}, {@code "floor"} or {@code null}. */
        String client(String userAgent);

        /** Whether {@link #floor} has a client to give. */
        boolean hasFloor();

        /** The floor client ({@link dev.naming.consul.BlockingReadFloor}) watching {@code service}; only where {@link #hasFloor()}. */
        AutoCloseable floor(String service, java.util.function.Consumer<java.util.Set<String>> listener) throws IOException;
    }

    private BenchBackends() {
    }

    static List<Backend> all() {
        return List.of(
                new Backend("inmemory", () -> new InMemoryFixture("bench-" + UUID.randomUUID())),
                new Backend("discovery-emulator", DiscoveryBench::new),
                new Backend("consul-emulator", () -> new ConsulBench(false)),
                new Backend("consul-emulator-tls", () -> new ConsulBench(true)));
    }

    /**
     * One emulated Consul agent and the client's defaults (55 s blocking wait, 100 ms query pacing):
     * plain HTTP/1.1 or HTTPS with HTTP/2 (as an agent with TLS on), served by Jetty, which sends replies as
     * Go's server does (one write, no Nagle delay),
     * with a private certificate the client trusts through {@code truststore=}.
     */
    private static final class ConsulBench implements RegistryFixture, WithPeer, WithSeparateAgent, WithReplyWrites {
        private final AgentCertificate certificate;
        private final ConsulEmulator agent;

        ConsulBench(boolean tls) {
            if (tls) {
                try {
                    Path dir = Files.createTempDirectory("naming-bench-tls");
                    dir.toFile().deleteOnExit();
                    certificate = AgentCertificate.create(dir, "bench-" + UUID.randomUUID());
                } catch (IOException e) {
                    throw new IllegalStateException("cannot make the agent's certificate", e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                agent = ConsulEmulator.builder().tls(certificate.serverContext()).http2().start();
            } else {
                certificate = null;
                agent = ConsulEmulator.builder().jetty().start();
            }
        }

        @Override
        public Naming connect() {
            return Naming.connect("consul://" + agent.hostPort() + (certificate == null ? "" : "?" + certificate.trustParameters()));
        }

        @Override
        public OptionalInt serverPort() {
            return OptionalInt.of(agent.port());
        }

        @Override
        public void observeBlockingReplies(ConsulEmulator.ReplyObserver observer) {
            agent.observeBlockingReplies(observer);
        }

        @Override
        public String client(String userAgent) {
            // the library's watches go over its own HTTP/1.1 reads or java.net.http (TLS); consul-client's over OkHttp
            return userAgent.startsWith(dev.naming.consul.BlockingReadFloor.USER_AGENT) ? "floor"
                    : userAgent.startsWith("naming-consul") || userAgent.startsWith("Java-http-client") ? "naming"
                    : userAgent.startsWith("okhttp") ? "peer" : null;
        }

        @Override
        public boolean hasFloor() {
            // plain HTTP only: over TLS a floor would have to be an HTTP/2 client
            return certificate == null;
        }

        @Override
        public AutoCloseable floor(String service, java.util.function.Consumer<java.util.Set<String>> listener)
                throws IOException {
            if (!hasFloor()) {
                throw new IllegalStateException("no floor over TLS");
            }
            return new dev.naming.consul.BlockingReadFloor(agent.port(), service, listener);
        }

        @Override
        public SeparateAgent startSeparateAgent() throws IOException, InterruptedException {
            return SeparateAgent.start(certificate != null);
        }

        @Override
        public PeerWatches peer(SeparateAgent separate) throws IOException {
            SSLContext context = separate.clientContext();
            X509TrustManager trust = separate.trustManager();
            return peer(() -> client(separate.url(), context, trust));
        }

        @Override
        public PeerWatches peer() {
            return peer(() -> client(agent.url(), certificate == null ? null : certificate.clientContext(),
                    certificate == null ? null : certificate.trustManager()));
        }

        private PeerWatches peer(Supplier<Consul> clients) {
            return new PeerWatches() {
                @Override
                public String name() {
                    return "ServiceHealthCache";
                }

                @Override
                public AutoCloseable watch(String service, Consumer<Set<String>> ids, ScheduledExecutorService scheduler) {
                    return serviceHealthCache(clients.get(), service, ids, scheduler);
                }

                @Override
                public AutoCloseable watchAll(List<String> services, Consumer<String> firstList,
                                              ScheduledExecutorService scheduler) {
                    // one client for every cache, its leanest set-up: over TLS OkHttp multiplexes them on HTTP/2
                    Consul consul = clients.get();
                    List<ServiceHealthCache> caches = new java.util.ArrayList<>();
                    for (String service : services) {
                        ServiceHealthCache cache = ServiceHealthCache.newCache(consul.healthClient(), service, true, 55,
                                QueryOptions.BLANK, com.orbitz.consul.cache.ServiceHealthKey::fromServiceHealth, scheduler);
                        java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean();
                        cache.addListener(map -> {
                            if (first.compareAndSet(false, true)) {
                                firstList.accept(service);
                            }
                        });
                        cache.start();
                        caches.add(cache);
                    }
                    return () -> {
                        caches.forEach(ServiceHealthCache::stop);
                        consul.destroy();
                    };
                }
            };
        }

        /**
         * consul-client's own watch, {@code com.orbitz.consul.cache.ServiceHealthCache}, on passing
         * instances with the same 55 s wait as the library: blocking queries over OkHttp's async calls,
         * its listener called on the OkHttp thread that read the reply.
         */
        private static AutoCloseable serviceHealthCache(Consul consul, String service, Consumer<Set<String>> ids,
                                                        ScheduledExecutorService scheduler) {
            ServiceHealthCache cache = scheduler == null
                    ? ServiceHealthCache.newCache(consul.healthClient(), service, true, 55, QueryOptions.BLANK)
                    : ServiceHealthCache.newCache(consul.healthClient(), service, true, 55, QueryOptions.BLANK,
                            health -> com.orbitz.consul.cache.ServiceHealthKey.fromServiceHealth(health), scheduler);
            cache.addListener(map -> ids.accept(map.values().stream().map(h -> h.getService().getId())
                    .collect(Collectors.toUnmodifiableSet())));
            cache.start();
            return () -> {
                cache.stop();
                consul.destroy();
            };
        }

        private static Consul client(String url, SSLContext context, X509TrustManager trust) {
            Consul.Builder builder = Consul.builder().withUrl(url).withPing(false)
                    .withReadTimeoutMillis(Duration.ofSeconds(70).toMillis());
            if (context != null) {
                builder.withSslContext(context).withTrustManager(trust);
            }
            return builder.build();
        }

        @Override
        public void close() {
            agent.close();
        }
    }

    /**
     * One emulated discovery node with the server's own 30 s hold and the client's defaults
     * (renew 30 s): the settings of a production deployment, not the TCK's shortened ones.
     */
    private static final class DiscoveryBench implements RegistryFixture {
        private final DiscoveryCluster cluster = DiscoveryCluster.start(1).hold(Duration.ofSeconds(30))
                // as the Go server does after its read timeout: idle keep-alive connections of
                // closed clients go, so the connection count shows only live ones
                .idleTimeout(Duration.ofSeconds(2));

        @Override
        public Naming connect() {
            return Naming.connect("discovery://" + cluster.authority() + "?env=bench&zone=sh001&hostname=bench-host");
        }

        @Override
        public OptionalInt serverPort() {
            return OptionalInt.of(cluster.node(0).port());
        }

        @Override
        public void close() {
            cluster.close();
        }
    }
}
