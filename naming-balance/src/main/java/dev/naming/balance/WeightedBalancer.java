package dev.naming.balance;

import dev.naming.ServiceInstance;
import java.util.Set;

/**
 * Weighted round robin (nginx's smooth variant) or weighted random: {@link Balancer#roundRobin} and
 * {@link Balancer#random} build one.
 *
 * <p><b>Round robin</b> lays out one cycle of nginx's smooth weighted round robin per list (as long as
 * the weights' sum over their greatest common divisor, at most 65,536 picks: larger sums are scaled
 * down to fit, each weight kept within one pick of its share). Within a cycle each instance gets
 * exactly its weight's share, spread out: in any run of picks it gets at most its share of the
 * run, rounded up, plus one. Each thread walks the cycle on a counter of its own stripe (as Envoy gives each worker
 * thread its own round robin), so that picking threads do not contend for one counter; one thread
 * alone sees the exact smooth sequence.
 *
 * <p><b>Random</b> draws by weight from one random number per pick (Walker's alias method), from
 * {@code ThreadLocalRandom} unless the options name a generator.
 */
public final class WeightedBalancer extends Balancer {

    private final boolean roundRobin;

    WeightedBalancer(BalancerOptions options, boolean roundRobin) {
        super(options);
        this.roundRobin = roundRobin;
    }

    /**
     * The next instance. Takes no lock and allocates nothing, except the pick that rebuilds the
     * view after an ejection ends or a slow-start step ({@link Balancer} says what that costs).
     *
     * @throws NoInstanceException if the balancer has no instance: no list yet, or an empty one
     */
    public ServiceInstance pick() {
        Snapshot s = view();
        Group group = s.only != null ? s.only : s.group(randomSource());
        if (group.size() == 0) {
            throw s.noInstance();
        }
        return group.instances[index(group)];
    }

    private int index(Group group) {
        return roundRobin ? ((SmoothSequence) group.policy).next() : ((AliasTable) group.policy).sample(randomSource().nextLong());
    }

    @Override
    Object policy(Group group) {
        return roundRobin ? SmoothSequence.of(group.weights) : AliasTable.of(group.weights, group.equalWeights);
    }

    @Override
    String policyName() {
        return roundRobin ? "smooth weighted round robin" : "weighted random";
    }

    @Override
    Lease retryLease(long keyHash, Set<String> tried) {
        Snapshot s = view();
        if (s.available.isEmpty()) {
            throw s.noInstance();
        }
        // the policy's own choices first, as long as they find an instance not tried yet
        int tries = Math.min(64, 2 * s.available.size());
        for (int i = 0; i < tries; i++) {
            Group group = s.group(randomSource());
            int index = index(group);
            if (!tried.contains(group.instances[index].id())) {
                return new Lease(this, group.members[index], group.instances[index], false);
            }
        }
        for (ServiceInstance instance : s.available) {
            if (!tried.contains(instance.id())) {
                return new Lease(this, s.byId.get(instance.id()), instance, false);
            }
        }
        return null;
    }
}
