package dev.naming.balance;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.naming.Naming;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.SubscribeOptions;
import dev.naming.Subscription;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A balancer as a subscription's listener, on the in-memory registry: the lists it picks from are the subscription's. */
class SubscriptionFeedTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);

    @Test
    void picksFollowTheSubscriptionsListsAsTheyChange() {
        try (Naming naming = Naming.connect("inmemory:")) {
            WeightedBalancer rr = Balancer.roundRobin();
            naming.register(logic("logic-1"));
            Subscription subscription = naming.subscribe("chat.logic", rr);
            await().atMost(DEADLINE).until(() -> rr.instances().size() == 1);

            naming.register(logic("logic-2"));
            await().atMost(DEADLINE).until(() -> rr.instances().size() == 2);
            List<String> picked = List.of(rr.pick().id(), rr.pick().id());
            naming.deregister("logic-1");
            await().atMost(DEADLINE).until(() -> rr.instances().size() == 1);

            assertEquals(List.of("logic-1", "logic-2"), picked.stream().sorted().toList());
            for (int i = 0; i < 100; i++) {
                assertEquals("logic-2", rr.pick().id());
            }
            assertEquals(naming.find("chat.logic"), rr.instances());
            subscription.close();
        }
    }

    @Test
    void aBalancerCanBeFedOnTheRegistrysOwnThreadAndHasNothingBeforeTheFirstList() {
        try (Naming naming = Naming.connect("inmemory:")) {
            HashBalancer hash = Balancer.consistentHash();
            NoInstanceException before = assertThrows(NoInstanceException.class, () -> hash.pick("user-1"));

            naming.subscribe("chat.logic", SubscribeOptions.defaults().withExecutor(Runnable::run), hash);
            await().atMost(DEADLINE).until(() -> hash.toString().contains("0 of 0"));
            NoInstanceException empty = assertThrows(NoInstanceException.class, () -> hash.pick("user-1"));
            naming.register(logic("logic-1"));
            naming.register(logic("logic-2"));
            await().atMost(DEADLINE).until(() -> hash.instances().size() == 2);

            assertEquals(hash.pick("user-1"), hash.pick("user-1"));
            assertNotEquals(before.getMessage(), empty.getMessage());
            assertEquals("no instance to pick: the last list was empty", empty.getMessage());
        }
    }

    private static ServiceRegistration logic(String id) {
        return ServiceRegistration.builder().id(id).name("chat.logic").address("10.0.0.5").port(8000).protocol("ws").build();
    }

    static ServiceInstance instance(String id) {
        return ServiceInstance.of(logic(id));
    }
}
