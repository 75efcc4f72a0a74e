package dev.naming.bench;

import dev.naming.Naming;
import dev.naming.tck.RegistryFixture;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.function.Supplier;

/** The registries a benchmark run measures. */
final class BenchBackends {

    /** A registry to measure; {@code port} is where its server listens, when it has one. */
    record Backend(String name, Supplier<RegistryFixture> fixture, OptionalInt port) {
    }

    private BenchBackends() {
    }

    static List<Backend> all() {
        return List.of(new Backend("inmemory", () -> {
            String uri = "inmemory://bench-" + UUID.randomUUID();
            return new RegistryFixture() {
                @Override
                public Naming connect() {
                    return Naming.connect(uri);
                }

                @Override
                public void close() {
                }
            };
        }, OptionalInt.empty()));
    }
}
