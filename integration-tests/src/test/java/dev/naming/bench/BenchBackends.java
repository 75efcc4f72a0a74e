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
     * An agent in another process, for the heap figures of the clients alone: with the agent in the
     * benchmark's JVM, every held blocking query's server-side state would count too.
     */
    interface OutsideAgent extends AutoCloseable {

        /** The URI a {@code Naming} connects to it with. */
        String namingUri();

        /** Its HTTP(S) port on 127.0.0.1, for counting connections to it. */
        int port();

        /** The peer, pointed at it. */
        PeerWatches peer() throws IOException;

        /** Stops it, if it was started for the measurement. */
        @Override
        void close();
    }

    /** A fixture that can give an agent outside this JVM, set up as its own (TLS or not). */
    interface WithOutsideAgent {

        /** The agent: started for the call (an emulator in a JVM of its own), or the fixture's own. */
        OutsideAgent outsideAgent() throws IOException, InterruptedException;

        /**
         * Whether the fixture's registry runs in this JVM: then the scaling step also measures the
         * whole JVM (the registry's side of each held query included); otherwise that would only
         * repeat the outside agent's figures.
         */
        boolean registryInThisJvm();
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

    /** The environment variable naming the real agent of the {@code consul-agent} backend (a {@code consul:} URI). */
    static final String AGENT_ENV = "NAMING_TEST_CONSUL";

    /**
     * Every backend: the in-process ones, and {@code consul-agent} (named {@code consul-agent-tls}
     * in the results when its URI says {@code tls=true}) when {@value #AGENT_ENV} names an agent.
     */
    static List<Backend> all() {
        List<Backend> backends = new java.util.ArrayList<>(List.of(
                new Backend("inmemory", () -> new InMemoryFixture("bench-" + UUID.randomUUID())),
                new Backend("discovery-emulator", DiscoveryBench::new),
                new Backend("consul-emulator", () -> new ConsulBench(false)),
                new Backend("consul-emulator-tls", () -> new ConsulBench(true))));
        String agent = System.getenv(AGENT_ENV);
        if (agent != null && !agent.isBlank()) {
            String uri = agent.trim();
            backends.add(new Backend(AgentBench.tls(uri) ? "consul-agent-tls" : "consul-agent", () -> new AgentBench(uri)));
        }
        return List.copyOf(backends);
    }

    /** Whether {@code selected} (a name given to {@code bench.backends}) picks {@code backend}. */
    static boolean selects(String selected, Backend backend) {
        return backend.name().equals(selected) || selected.equals("consul-agent") && backend.name().startsWith("consul-agent");
    }

    /** The names {@code bench.backends} accepts. */
    static List<String> names() {
        return List.of("inmemory", "discovery-emulator", "consul-emulator", "consul-emulator-tls", "consul-agent");
    }

    /**
     * consul-client's {@code ServiceHealthCache} as the peer, each watch or set of watches with a
     * client of {@code clients}.
     */
    private static PeerWatches serviceHealthCaches(Supplier<Consul> clients) {
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

    /** A consul-client on {@code url} (http or https), trusting {@code trust} when given, with {@code token} when given. */
    private static Consul consulClient(String url, SSLContext context, X509TrustManager trust, String token) {
        Consul.Builder builder = Consul.builder().withUrl(url).withPing(false)
                .withReadTimeoutMillis(Duration.ofSeconds(70).toMillis());
        if (context != null) {
            builder.withSslContext(context).withTrustManager(trust);
        }
        if (token != null) {
            builder.withAclToken(token);
        }
        return builder.build();
    }

    /**
     * One emulated Consul agent and the client's defaults (55 s blocking wait, 100 ms query pacing):
     * plain HTTP/1.1 or HTTPS with HTTP/2 (as an agent with TLS on), served by Jetty, which sends replies as
     * Go's server does (one write, no Nagle delay),
     * with a private certificate the client trusts through {@code truststore=}.
     */
    private static final class ConsulBench implements RegistryFixture, WithPeer, WithOutsideAgent, WithReplyWrites {
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
            // the library's requests go through Jetty's client with its own User-Agent; consul-client's over OkHttp
            return userAgent.startsWith(dev.naming.consul.BlockingReadFloor.USER_AGENT) ? "floor"
                    : userAgent.startsWith("naming-consul") ? "naming"
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
        public OutsideAgent outsideAgent() throws IOException, InterruptedException {
            SeparateAgent separate = SeparateAgent.start(certificate != null);
            return new OutsideAgent() {
                @Override
                public String namingUri() {
                    return separate.namingUri();
                }

                @Override
                public int port() {
                    return separate.port();
                }

                @Override
                public PeerWatches peer() throws IOException {
                    SSLContext context = separate.clientContext();
                    X509TrustManager trust = separate.trustManager();
                    return serviceHealthCaches(() -> consulClient(separate.url(), context, trust, null));
                }

                @Override
                public void close() {
                    separate.close();
                }
            };
        }

        @Override
        public boolean registryInThisJvm() {
            return true;
        }

        @Override
        public PeerWatches peer() {
            return serviceHealthCaches(() -> consulClient(agent.url(), certificate == null ? null : certificate.clientContext(),
                    certificate == null ? null : certificate.trustManager(), null));
        }

        @Override
        public void close() {
            agent.close();
        }
    }

    /**
     * A real Consul agent the benchmark did not start, named by {@value #AGENT_ENV} (a {@code consul:}
     * URI: {@code consul://127.0.0.1:8500}, or over TLS
     * {@code consul://127.0.0.1:8501?tls=true&truststore=…&truststorePassword=…}), with the client's
     * defaults as a user has them (55 s blocking wait, 100 ms pacing) unless the URI sets them. The
     * peer, consul-client's {@code ServiceHealthCache}, watches on the same agent, trusting the same
     * trust store over TLS and sending the same token. No reply-write times (the agent does not
     * report them), so no client's shares and no floor. The agent is already outside the JVM: its
     * scaling figures are the clients' alone.
     */
    static final class AgentBench implements RegistryFixture, WithPeer, WithOutsideAgent {
        private final String uri;
        private final boolean tls;
        private final String host;
        private final int port;
        private final String token;
        private final SSLContext context;
        private final X509TrustManager trust;

        AgentBench(String uri) {
            this.uri = uri;
            dev.naming.NamingUri parsed = dev.naming.NamingUri.parse(uri);
            if (!parsed.scheme().equals("consul")) {
                throw new IllegalArgumentException(AGENT_ENV + " must be a consul: URI, not " + uri);
            }
            this.tls = tls(uri);
            java.net.URI address = java.net.URI.create("http://" + (parsed.hosts().isEmpty() ? "127.0.0.1" : parsed.hosts().get(0)));
            this.host = address.getHost();
            this.port = address.getPort() >= 0 ? address.getPort() : tls ? 8501 : 8500;
            this.token = parsed.param("token").orElse(null);
            if (tls && parsed.param("truststore").isPresent()) {
                this.trust = trustManager(parsed.param("truststore").get(), parsed.param("truststorePassword").orElse(""));
                try {
                    this.context = SSLContext.getInstance("TLS");
                    this.context.init(null, new javax.net.ssl.TrustManager[] {trust}, null);
                } catch (java.security.GeneralSecurityException e) {
                    throw new IllegalStateException(e);
                }
            } else {
                this.trust = null;
                this.context = null;
            }
            // the agent answers and has a leader, asked without the library under measurement
            Consul probe = client();
            try {
                String leader = probe.statusClient().getLeader();
                if (leader == null || leader.isBlank()) {
                    throw new IllegalStateException("the agent at " + url() + " has no leader");
                }
            } catch (RuntimeException e) {
                throw new IllegalStateException("the agent of " + AGENT_ENV + " (" + url() + ") does not answer: " + e, e);
            } finally {
                probe.destroy();
            }
        }

        static boolean tls(String uri) {
            return dev.naming.NamingUri.parse(uri).booleanParam("tls").orElse(false);
        }

        private String url() {
            return (tls ? "https://" : "http://") + host + ":" + port;
        }

        private Consul client() {
            return consulClient(url(), context, trust, token);
        }

        private static X509TrustManager trustManager(String path, String password) {
            try {
                java.security.KeyStore store = java.security.KeyStore.getInstance(new java.io.File(path), password.toCharArray());
                javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(store);
                for (javax.net.ssl.TrustManager m : tmf.getTrustManagers()) {
                    if (m instanceof X509TrustManager x509) {
                        return x509;
                    }
                }
                throw new IllegalStateException("no X.509 trust manager for " + path);
            } catch (IOException | java.security.GeneralSecurityException e) {
                throw new IllegalStateException("cannot read the trust store " + path + ": " + e, e);
            }
        }

        @Override
        public Naming connect() {
            return Naming.connect(uri);
        }

        @Override
        public OptionalInt serverPort() {
            return OptionalInt.of(port);
        }

        @Override
        public PeerWatches peer() {
            return serviceHealthCaches(this::client);
        }

        @Override
        public OutsideAgent outsideAgent() {
            return new OutsideAgent() {
                @Override
                public String namingUri() {
                    return uri;
                }

                @Override
                public int port() {
                    return port;
                }

                @Override
                public PeerWatches peer() {
                    return AgentBench.this.peer();
                }

                @Override
                public void close() {
                    // not ours to stop
                }
            };
        }

        @Override
        public boolean registryInThisJvm() {
            return false;
        }

        @Override
        public void close() {
            // the agent outlives the run; every step deregistered what it registered
        }
    }

    /**
     * One emulated discovery node with the server's own 30 s hold and the client's defaults
     * (renew 30 s): the settings of a production deployment, not the TCK's shortened ones.
     */
    private static final class DiscoveryBench implements RegistryFixture {
        private final DiscoveryCluster cluster = DiscoveryCluster.start(1, "bench").hold(Duration.ofSeconds(30))
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
