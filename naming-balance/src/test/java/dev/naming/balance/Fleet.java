package dev.naming.balance;

import dev.naming.ServiceInstance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Instances as a subscription would deliver them, and a clock a test moves by hand. */
final class Fleet {

    private Fleet() {
    }

    /** {@code chat.logic} instance {@code id} with the given meta ({@code "weight", "3", "zone", "a"}). */
    static ServiceInstance instance(String id, String... meta) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < meta.length; i += 2) {
            m.put(meta[i], meta[i + 1]);
        }
        return new ServiceInstance(id, "chat.logic", "10.0.0.1", 8000, "ws", List.of(), m);
    }

    /** {@code logic-0 … logic-(n-1)} (ids zero-padded, so that the list is sorted by id) with weight 1. */
    static List<ServiceInstance> of(int n) {
        List<ServiceInstance> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(instance(String.format("logic-%03d", i)));
        }
        return list;
    }

    /** One instance per weight, {@code w0 …}, weighing what is given. */
    static List<ServiceInstance> weighted(long... weights) {
        List<ServiceInstance> list = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            list.add(instance("w" + i, "weight", Long.toString(weights[i])));
        }
        return list;
    }

    /** How many of {@code picks} picks landed on each instance of {@code list}, in its order. */
    static long[] counts(List<ServiceInstance> list, int picks, java.util.function.Supplier<ServiceInstance> pick) {
        long[] counts = new long[list.size()];
        for (int i = 0; i < picks; i++) {
            counts[list.indexOf(pick.get())]++;
        }
        return counts;
    }

    /** A nanosecond clock that moves only when told. */
    static final class Clock implements LongSupplier {
        private final AtomicLong now = new AtomicLong(1_000_000_000L);

        @Override
        public long getAsLong() {
            return now.get();
        }

        void advance(java.time.Duration d) {
            now.addAndGet(d.toNanos());
        }
    }
}
