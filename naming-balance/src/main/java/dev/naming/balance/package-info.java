/**
 * Balancers over a subscription: the listener of a subscription is a {@link dev.naming.balance.Balancer},
 * and its {@code pick} chooses an instance from the last list without a lock.
 *
 * <p>An IM gateway routes each user's messages to one logic server (consistent hashing: the same
 * server in every gateway), pushes to the comet node with the fewest open pushes (power of two
 * choices) in its own zone, and retries a push on another node:
 * <pre>{@code
 * Naming naming = Naming.connect();
 * HashBalancer logic = Balancer.consistentHash();
 * LeastRequestBalancer comets = Balancer.leastRequest(BalancerOptions.defaults()
 *         .withZone(System.getenv("ZONE"))             // instances registered with meta("zone", …)
 *         .withSlowStart(Duration.ofSeconds(30)));     // a new node ramps up over 30 s
 * naming.subscribe("chat.logic", SubscribeOptions.defaults().withWarmup(Duration.ofSeconds(2)), logic);
 * naming.subscribe("chat.comet", comets);
 *
 * ServiceInstance server = logic.pick(userId);
 * Retry retry = Retry.of(3, Duration.ofSeconds(1));
 * retry.call(comets, (node, timeLeft) -> push(node, message, timeLeft));
 * }</pre>
 *
 * <p>Anchors: nginx's smooth weighted round robin ({@link dev.naming.balance.WeightedBalancer}),
 * SmallRye Stork's and Envoy's least request with two choices
 * ({@link dev.naming.balance.LeastRequestBalancer}), rendezvous hashing
 * ({@link dev.naming.balance.HashBalancer}), Envoy's zone-aware routing and slow start
 * ({@link dev.naming.balance.BalancerOptions}), Envoy's outlier detection
 * ({@link dev.naming.balance.OutlierEjection}), go-kit's {@code lb.Retry}
 * ({@link dev.naming.balance.Retry}).
 */
package dev.naming.balance;
