package dev.naming.balance;

import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Power of two choices on open requests, as SmallRye Stork's {@code power-of-two-choices} and
 * Envoy's {@code LEAST_REQUEST} balance: {@link Balancer#leastRequest} builds one.
 *
 * <p>Each pick draws two different instances at random (by weight, when weights differ) and leases
 * the one with fewer open leases for its weight — the lower {@code (open + 1) / weight}, plain open
 * leases when weights are equal; a tie goes to the first drawn. Two random choices instead of the
 * least loaded of all keep every gateway from rushing to the same idle instance at once, while
 * avoiding the busy ones nearly as well (Mitzenmacher's power of two choices).
 *
 * <p>The count of open leases is this balancer's, in this process: each gateway balances its own
 * requests, as each Envoy does.
 */
public final class LeastRequestBalancer extends Balancer {

    private static final long LOW_32 = 0xFFFFFFFFL;

    LeastRequestBalancer(BalancerOptions options) {
        super(options);
    }

    /**
     * Leases an instance: of two drawn at random, the one with fewer open leases. Takes no lock;
     * the lease is its one allocation, except in the pick that rebuilds the view after an ejection
     * ends or a slow-start step ({@link Balancer} says what that costs). End it with
     * {@link Lease#close()} or {@link Lease#failed()}.
     *
     * @throws NoInstanceException if the balancer has no instance: no list yet, or an empty one
     */
    public Lease pick() {
        Snapshot s = view();
        RandomGenerator random = randomSource();
        Group group = s.only != null ? s.only : s.group(random);
        int n = group.size();
        if (n == 0) {
            throw s.noInstance();
        }
        int chosen = n == 1 ? 0 : lesser(group, random);
        Member member = group.members[chosen];
        member.inFlight.increment();
        return new Lease(this, member, group.instances[chosen], true);
    }

    private static int lesser(Group group, RandomGenerator random) {
        int n = group.size();
        long r = random.nextLong();
        int a;
        int b;
        if (group.equalWeights) {
            // both from one random number: the second among the n - 1 others
            a = (int) (((r >>> 32) * n) >>> 32);
            b = (int) (((r & LOW_32) * (n - 1)) >>> 32);
            b += b >= a ? 1 : 0;
        } else {
            AliasTable table = (AliasTable) group.policy;
            a = table.sample(r);
            b = a;
            for (int i = 0; i < 4 && b == a; i++) {
                b = table.sample(random.nextLong());
            }
            if (b == a) {
                b = a + 1 == n ? 0 : a + 1;
            }
        }
        long loadA = (group.members[a].inFlight.get() + 1L) * group.weights[b];
        long loadB = (group.members[b].inFlight.get() + 1L) * group.weights[a];
        return loadB < loadA ? b : a;
    }

    @Override
    Object policy(Group group) {
        return AliasTable.of(group.weights, group.equalWeights);
    }

    @Override
    String policyName() {
        return "power of two choices";
    }

    @Override
    Lease retryLease(long keyHash, Set<String> tried) {
        if (tried.isEmpty()) {
            return pick();
        }
        Snapshot s = view();
        if (s.available.isEmpty()) {
            throw s.noInstance();
        }
        // a retry looks at every instance not tried: the least loaded of them, as least request would
        Group bestGroup = null;
        int best = -1;
        for (Group group : s.only != null ? new Group[] {s.only} : new Group[] {s.local, s.remote}) {
            for (int i = 0; i < group.size(); i++) {
                if (tried.contains(group.instances[i].id())) {
                    continue;
                }
                if (best < 0 || (group.members[i].inFlight.get() + 1L) * bestGroup.weights[best]
                        < (bestGroup.members[best].inFlight.get() + 1L) * group.weights[i]) {
                    bestGroup = group;
                    best = i;
                }
            }
        }
        if (best < 0) {
            return null;
        }
        Member member = bestGroup.members[best];
        member.inFlight.increment();
        return new Lease(this, member, bestGroup.instances[best], true);
    }
}
