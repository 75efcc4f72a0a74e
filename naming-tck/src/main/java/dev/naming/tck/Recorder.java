package dev.naming.tck;

import dev.naming.ServiceInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A subscription listener that remembers every list it was given, when, and whether two calls
 * ever ran at the same time. An optional reaction ({@link #then}) runs after recording, so a test
 * can make the listener throw or block without losing the record of the call.
 */
final class Recorder implements Consumer<List<ServiceInstance>> {

    /** One call of the listener. */
    record Delivery(List<ServiceInstance> instances, long atNanos) {
    }

    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private final AtomicInteger inside = new AtomicInteger();
    private final AtomicInteger mostInside = new AtomicInteger();
    private volatile Consumer<List<ServiceInstance>> reaction = list -> { };

    /** Runs {@code reaction} on every call, after the list is recorded. */
    Recorder then(Consumer<List<ServiceInstance>> reaction) {
        this.reaction = reaction;
        return this;
    }

    @Override
    public void accept(List<ServiceInstance> instances) {
        mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
        try {
            deliveries.add(new Delivery(instances, System.nanoTime()));
            reaction.accept(instances);
        } finally {
            inside.decrementAndGet();
        }
    }

    int count() {
        return deliveries.size();
    }

    List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    List<List<ServiceInstance>> lists() {
        List<List<ServiceInstance>> lists = new ArrayList<>(deliveries.size());
        deliveries.forEach(d -> lists.add(d.instances()));
        return lists;
    }

    /** The last list delivered, or {@code null} before the first call. */
    List<ServiceInstance> last() {
        Delivery d = lastDelivery();
        return d == null ? null : d.instances();
    }

    Delivery lastDelivery() {
        List<Delivery> all = deliveries();
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    /** The ids of the last list, or {@code null} before the first call. */
    List<String> lastIds() {
        List<ServiceInstance> last = last();
        return last == null ? null : ids(last);
    }

    /** The most calls that ran at the same time; 1 when calls never overlapped. */
    int mostConcurrentCalls() {
        return mostInside.get();
    }

    /** Whether two consecutive calls carried equal lists. */
    boolean repeatedAList() {
        List<List<ServiceInstance>> lists = lists();
        for (int i = 1; i < lists.size(); i++) {
            if (lists.get(i).equals(lists.get(i - 1))) {
                return true;
            }
        }
        return false;
    }

    static List<String> ids(List<ServiceInstance> instances) {
        List<String> ids = new ArrayList<>(instances.size());
        instances.forEach(i -> ids.add(i.id()));
        return ids;
    }

    @Override
    public String toString() {
        List<List<String>> ids = new ArrayList<>();
        lists().forEach(l -> ids.add(ids(l)));
        return "Recorder" + ids;
    }
}
