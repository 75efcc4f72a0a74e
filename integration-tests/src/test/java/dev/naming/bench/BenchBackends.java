package dev.naming.bench;

import dev.naming.Naming;
import dev.naming.consul.emulator.ConsulEmulator;
import dev.naming.discovery.emulator.DiscoveryCluster;
import dev.naming.inmemory.InMemoryFixture;
import dev.naming.tck.RegistryFixture;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.function.Supplier;

/** The registries a benchmark run measures. */
final class BenchBackends {

    /** A registry to measure. */
    record Backend(String name, Supplier<RegistryFixture> fixture) {
    }

    private BenchBackends() {
    }

    static List<Backend> all() {
        return List.of(
                new Backend("inmemory", () -> new InMemoryFixture("bench-" + UUID.randomUUID())),
                new Backend("discovery-emulator", DiscoveryBench::new),
                new Backend("consul-emulator", ConsulBench::new));
    }

    /** One emulated Consul agent, and the client's defaults (55 s blocking wait, 100 ms query pacing). */
    private static final class ConsulBench implements RegistryFixture {
        private final ConsulEmulator agent = ConsulEmulator.start();

        @Override
        public Naming connect() {
            return Naming.connect("consul://" + agent.hostPort());
        }

        @Override
        public OptionalInt serverPort() {
            return OptionalInt.of(agent.port());
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
