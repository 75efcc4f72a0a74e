package dev.naming.cli;

import dev.naming.ServiceInstance;
import dev.naming.balance.Balancer;
import dev.naming.balance.HashBalancer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How the demo's gateway routes its users to logic servers: by consistent hash of the user, through a
 * {@link HashBalancer} fed the gateway's lists, so that a user's session stays on one server. After
 * each list it says how many users moved and where: only those of a server that left, only towards
 * one that joined. Not thread-safe: {@link GatewayView} calls it under its lock.
 */
final class UserRouting {

    static final int USERS = 10_000;

    private final HashBalancer router = Balancer.consistentHash();
    private final String[] serverOf = new String[USERS];
    private final List<String> movements = new ArrayList<>();

    /** Routes every user by the gateway's new list and prints what moved. */
    void route(List<ServiceInstance> list, ListChange change, DemoClock clock) {
        router.accept(list);
        if (list.isEmpty()) {
            java.util.Arrays.fill(serverOf, null);
            return;
        }
        Map<String, Integer> perServer = new TreeMap<>();
        Set<String> from = new TreeSet<>();
        Set<String> to = new TreeSet<>();
        int moved = 0;
        int routedBefore = 0;
        for (int u = 0; u < USERS; u++) {
            String server = router.pick("user-" + u).id();
            String before = serverOf[u];
            if (before != null) {
                routedBefore++;
                if (!before.equals(server)) {
                    moved++;
                    from.add(before);
                    to.add(server);
                }
            }
            serverOf[u] = server;
            perServer.merge(server, 1, Integer::sum);
        }
        StringBuilder spread = new StringBuilder();
        perServer.forEach((server, users) -> spread.append(spread.length() == 0 ? "" : " · ")
                .append(server).append(' ').append(String.format(Locale.ROOT, "%,d", users)));
        if (routedBefore == 0) {
            clock.say("gateway", String.format(Locale.ROOT, "routes %,d users by consistent hash: %s", USERS, spread));
            return;
        }
        String movement = String.format(Locale.ROOT, "%,d of %,d users moved (%.1f %%)",
                moved, USERS, 100.0 * moved / USERS) + whereTo(change, from, to);
        movements.add(movement);
        clock.say("gateway", "consistent hash: " + movement);
        clock.say("gateway", "users per server: " + spread);
    }

    /** What moved at each change after the first routing, in order. */
    List<String> movements() {
        return List.copyOf(movements);
    }

    private static String whereTo(ListChange change, Set<String> from, Set<String> to) {
        if (change.joined().size() == 1 && to.equals(Set.of(change.joined().get(0).id()))) {
            return ", all to " + change.joined().get(0).id() + ", the newcomer; the others stayed put";
        }
        if (change.left().size() == 1 && from.equals(Set.of(change.left().get(0).id()))) {
            return ", all of them " + change.left().get(0).id() + "'s; the others stayed put";
        }
        return to.size() == 1 ? ", all to " + to.iterator().next() : "";
    }
}
