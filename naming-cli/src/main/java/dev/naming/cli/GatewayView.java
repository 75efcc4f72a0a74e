package dev.naming.cli;

import dev.naming.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * What the demo's gateway has seen, fed by two subscriptions to the same service: one without
 * warm-up (what the registry holds) and one with (what the gateway routes to). The difference
 * between the two is what is warming. Every line printed here describes a list a subscription
 * really delivered, diffed against the one before.
 */
final class GatewayView {

    private final DemoClock clock;
    private final Duration warmup;
    private List<ServiceInstance> registry = List.of();
    private List<ServiceInstance> gateway = List.of();
    private int gatewayLists;
    private long lastGatewayList;
    private final Map<String, Double> appeared = new LinkedHashMap<>();
    private final Map<String, Double> warmedFor = new LinkedHashMap<>();
    private final UserRouting users = new UserRouting();

    GatewayView(DemoClock clock, Duration warmup) {
        this.clock = clock;
        this.warmup = warmup;
    }

    /** A list from the subscription without warm-up. */
    synchronized void registryList(List<ServiceInstance> list) {
        ListChange change = ListChange.between(registry, list);
        registry = list;
        List<String> routed = DemoCommand.ids(gateway);
        for (ServiceInstance i : change.joined()) {
            appeared.put(i.id(), clock.elapsed());
            if (!routed.contains(i.id())) {
                clock.say("registry", i.id() + " is registered -> warming: the gateway holds it back for "
                        + DemoCommand.seconds(warmup));
            }
        }
        for (ServiceInstance i : change.left()) {
            if (!routed.contains(i.id())) {
                clock.say("registry", i.id() + " left before the gateway saw it");
            }
        }
        notifyAll();
    }

    /** A list from the gateway's warm-up subscription. */
    synchronized void gatewayList(List<ServiceInstance> list) {
        ListChange change = ListChange.between(gateway, list);
        gateway = list;
        gatewayLists++;
        lastGatewayList = System.nanoTime();
        double now = clock.elapsed();
        for (ServiceInstance i : change.joined()) {
            Double since = appeared.get(i.id());
            String waited = since == null ? "" : String.format(" after warming %.2fs", now - since);
            if (since != null) {
                warmedFor.put(i.id(), now - since);
            }
            clock.say("gateway", i.id() + " is adult" + waited + ": the gateway now routes to it");
        }
        for (ServiceInstance i : change.updated()) {
            clock.say("gateway", i.id() + " updated: tags " + InstanceTable.tags(i.tags()) + ", meta "
                    + InstanceTable.meta(i.meta()));
        }
        for (ServiceInstance i : change.left()) {
            clock.say("gateway", i.id() + " left: dropped from the gateway's list at once");
        }
        users.route(list, change, clock);
        List<String> routed = DemoCommand.ids(list);
        List<String> warming = DemoCommand.ids(registry).stream().filter(id -> !routed.contains(id)).toList();
        clock.say("gateway", "list #" + gatewayLists + ": " + (list.isEmpty() ? "(empty)" : String.join(" ", routed))
                + (warming.isEmpty() ? "" : "   (still warming: " + String.join(" ", warming) + ")"));
        notifyAll();
    }

    /**
     * Waits until the gateway's latest list matches; returns {@link System#nanoTime()} of that list.
     *
     * @throws dev.naming.NamingException when it does not within {@code patience}
     */
    synchronized long awaitGateway(Predicate<List<ServiceInstance>> wanted, Duration patience, String what)
            throws InterruptedException {
        awaitState(() -> gatewayLists > 0 && wanted.test(gateway), patience, what);
        return lastGatewayList;
    }

    /** Waits until the registry-side subscription holds ids matching {@code wanted}. */
    synchronized void awaitRegistry(Predicate<List<String>> wanted, Duration patience, String what)
            throws InterruptedException {
        awaitState(() -> wanted.test(DemoCommand.ids(registry)), patience, what);
    }

    synchronized int gatewayLists() {
        return gatewayLists;
    }

    /** What moved between the servers at each change of the gateway's list, after the first routing. */
    synchronized List<String> userMovements() {
        return users.movements();
    }

    /** {@code logic-1 2.00s, …}: how long each server warmed before the gateway saw it. */
    synchronized String warmups() {
        List<String> parts = new ArrayList<>();
        warmedFor.forEach((id, s) -> parts.add(String.format("%s %.2fs", id, s)));
        return String.join(", ", parts);
    }

    private void awaitState(BooleanSupplier done, Duration patience, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!done.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw DemoCommand.tooLate(what, patience);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }
}
