package dev.naming.bench;

import dev.naming.tck.InMemoryFixture;
import dev.naming.tck.RegistryFixture;
import java.util.List;
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
        return List.of(new Backend("inmemory", () -> new InMemoryFixture("bench-" + UUID.randomUUID())));
    }
}
