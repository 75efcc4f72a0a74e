package dev.naming.balance;

import dev.naming.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Consistent hashing by key: a user, a room or a session goes to the same instance in every gateway
 * process for as long as that instance is listed. {@link Balancer#consistentHash} builds one.
 *
 * <p><b>Rendezvous, not Maglev.</b> Rendezvous (highest random weight) hashing gives each key to the
 * instance that draws highest for it, so when an instance leaves exactly its keys move (each to its
 * runner-up) and when one joins exactly the keys it wins move, about 1/N of them. Maglev gives
 * constant-time lookups and fine balance too, but fills its table by turns, so a change of one
 * instance also moves a few keys between instances that did not change (the Maglev paper accepts
 * that); a chat gateway that moves a user moves their session. Plain rendezvous costs a hash per
 * instance per pick, too slow at a gateway's message rate with a hundred servers; here it is
 * evaluated ahead of time for each of 131,072 slots: a pick hashes the key to a slot and reads its
 * owner, and the owners are still decided by rendezvous alone, so nothing of its guarantee is lost.
 * A list that adds or removes one instance costs one pass over the slots.
 *
 * <p>Weights count: an instance of twice the weight owns about twice the slots (weighted
 * rendezvous). The mapping is a pure function of the key and the instances' ids and weights: every
 * process, every version of this library, and a balancer fed the same list in any order agree.
 *
 * <p>An ejected instance's keys go to their runners-up while it is out and come back with it. Zone
 * preference and slow start do not apply (the builder refuses them): both would move keys with every
 * change of health or time.
 */
public final class HashBalancer extends Balancer {

    /** Guarded by the balancer's lock (policies are built under it). */
    private final RendezvousTable table = new RendezvousTable();

    HashBalancer(BalancerOptions options) {
        super(checked(options));
    }

    private static BalancerOptions checked(BalancerOptions options) {
        if (options != null && options.zone() != null) {
            throw new IllegalArgumentException("zone must not be set for consistent hashing: keys would move with every "
                    + "change of a zone's health");
        }
        if (options != null && !options.slowStart().equals(Duration.ZERO)) {
            throw new IllegalArgumentException("slowStart must be zero for consistent hashing: keys would move at every step");
        }
        return options;
    }

    /**
     * The instance for {@code key}: the same for the same key while the instances stay. The key
     * is hashed through {@link String#hashCode()}, which Java specifies, so {@code pick(key)} is
     * {@code pick((long) key.hashCode())}, locks and allocations included.
     *
     * @throws IllegalArgumentException if {@code key} is null
     * @throws NoInstanceException if the balancer has no instance: no list yet, or an empty one
     */
    public ServiceInstance pick(String key) {
        if (key == null) {
            throw new IllegalArgumentException("key must not be null");
        }
        return pick((long) key.hashCode());
    }

    /**
     * The instance for a numeric key (a user id, a room id). Takes no lock and allocates nothing,
     * except the pick that rebuilds the view after an ejection ends: it takes the lock if it is
     * free, passes over the 131,072 slots and allocates an array of them ({@link Balancer} says more).
     *
     * @throws NoInstanceException if the balancer has no instance: no list yet, or an empty one
     */
    public ServiceInstance pick(long key) {
        Snapshot s = view();
        if (s.only.size() == 0) {
            throw s.noInstance();
        }
        return ((RendezvousTable.Placement) s.only.policy).bySlot()[RendezvousTable.slot(key)];
    }

    @Override
    Object policy(Group group) {
        long[] weights = new long[group.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = group.members[i].weight;
        }
        return table.update(group.members, weights);
    }

    @Override
    String policyName() {
        return "consistent hashing (rendezvous)";
    }

    @Override
    Lease retryLease(long keyHash, Set<String> tried) {
        Snapshot s = view();
        Group group = s.only;
        if (group.size() == 0) {
            throw s.noInstance();
        }
        // the key's runners-up in rendezvous order: where its keys would go if the tried ones left
        RendezvousTable.Candidate[] all = ((RendezvousTable.Placement) group.policy).candidates();
        List<RendezvousTable.Candidate> others = new ArrayList<>();
        for (RendezvousTable.Candidate candidate : all) {
            if (!tried.contains(candidate.member().id)) {
                others.add(candidate);
            }
        }
        RendezvousTable.Candidate next = RendezvousTable.winner(null,
                others.toArray(RendezvousTable.Candidate[]::new), RendezvousTable.slot(keyHash));
        if (next == null) {
            return null;
        }
        // this view's instance, not next.member().instance: that field belongs to the lock and may
        // already hold a newer list's instance
        int index = List.of(all).indexOf(next);
        return new Lease(this, next.member(), group.instances[index], false);
    }
}
