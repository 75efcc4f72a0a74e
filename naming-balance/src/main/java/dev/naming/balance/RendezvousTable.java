package dev.naming.balance;

import dev.naming.ServiceInstance;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rendezvous (highest random weight) hashing, evaluated ahead of time for each of
 * {@value #SLOTS} slots: a key hashes to a slot, and the slot belongs to the instance that wins
 * the rendezvous for it. A pick is then one hash and one array read, whatever the number of
 * instances, while the ownership of each slot is still decided by rendezvous alone: a slot changes
 * hands only when its owner leaves (it goes to its runner-up) or a newcomer wins it. That is the
 * whole guarantee of consistent hashing with no approximation: when an instance leaves only its keys
 * move, and when one joins only the keys it takes move.
 *
 * <p>The table is kept between lists: an instance that joins is drawn against every slot once, and
 * the slots of one that leaves are drawn again among the others, so a change of one instance costs
 * one pass over the slots, not one per instance. Only the first list costs a pass per instance.
 * Not thread-safe: its balancer calls it under its lock.
 */
final class RendezvousTable {

    static final int BITS = 17;
    static final int SLOTS = 1 << BITS;

    /** One instance as the table placed it: a new weight makes it a new candidate. */
    record Candidate(Member member, long weight) {
    }

    /**
     * What picks read: each slot's instance, and the candidates it was drawn among (in the group's
     * order), for the runners-up of {@link Retry}.
     */
    record Placement(ServiceInstance[] bySlot, Candidate[] candidates) {
    }

    private final Candidate[] owners = new Candidate[SLOTS];
    private final Map<Member, Candidate> placed = new IdentityHashMap<>();

    /** The slot of a key's 64-bit hash. */
    static int slot(long keyHash) {
        return (int) (Hashing.mix(keyHash) >>> (64 - BITS));
    }

    /** Moves the table to {@code members} (of a group, in its order) with {@code weights}. */
    Placement update(Member[] members, long[] weights) {
        Candidate[] everyone = candidates(members, weights);
        Map<Member, Candidate> next = new IdentityHashMap<>();
        List<Candidate> joined = new ArrayList<>();
        for (int i = 0; i < members.length; i++) {
            Candidate before = placed.get(members[i]);
            if (before != null && before.weight() == weights[i]) {
                everyone[i] = before;
            } else {
                joined.add(everyone[i]);
            }
            next.put(members[i], everyone[i]);
        }
        Candidate[] newcomers = joined.toArray(Candidate[]::new);
        ServiceInstance[] bySlot = new ServiceInstance[SLOTS];
        for (int slot = 0; slot < SLOTS; slot++) {
            Candidate owner = owners[slot];
            // a slot whose owner left (or changed weight) is drawn again among everyone; the others
            // only meet the newcomers
            boolean stays = owner != null && next.get(owner.member()) == owner;
            owner = stays ? winner(owner, newcomers, slot) : winner(null, everyone, slot);
            owners[slot] = owner;
            bySlot[slot] = owner == null ? null : owner.member().instance;
        }
        placed.clear();
        placed.putAll(next);
        return new Placement(bySlot, everyone);
    }

    static Candidate[] candidates(Member[] members, long[] weights) {
        Candidate[] out = new Candidate[members.length];
        for (int i = 0; i < members.length; i++) {
            out[i] = new Candidate(members[i], weights[i]);
        }
        return out;
    }

    /** The best of {@code current} and {@code candidates} for {@code slot}; {@code null} if there is none. */
    static Candidate winner(Candidate current, Candidate[] candidates, int slot) {
        Candidate best = current;
        long bestDraw = best == null ? 0 : Hashing.draw(best.member().idHash, slot);
        for (Candidate c : candidates) {
            long draw = Hashing.draw(c.member().idHash, slot);
            if (best == null || beats(c, draw, best, bestDraw)) {
                best = c;
                bestDraw = draw;
            }
        }
        return best;
    }

    /**
     * The order of rendezvous: lower cost, then the higher draw, then the smaller id, so that the
     * winner never depends on the order instances are met in (a table updated step by step equals
     * one built at once, in every process).
     */
    private static boolean beats(Candidate a, long aDraw, Candidate b, long bDraw) {
        if (a.weight() != b.weight()) {
            double ca = Hashing.cost(aDraw, a.weight());
            double cb = Hashing.cost(bDraw, b.weight());
            if (ca != cb) {
                return ca < cb;
            }
        }
        int byDraw = Long.compareUnsigned(aDraw, bDraw);
        if (byDraw != 0) {
            return byDraw > 0;
        }
        return a.member().id.compareTo(b.member().id) < 0;
    }
}
