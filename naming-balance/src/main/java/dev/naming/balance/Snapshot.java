package dev.naming.balance;

import dev.naming.ServiceInstance;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * What picks read: built under the balancer's lock when a list arrives, an instance is ejected or
 * comes back, or a slow-start step is due, then published through one volatile field and never
 * changed. A pick reads it without a lock.
 */
final class Snapshot {

    /** {@link #refreshAt} when nothing in the view depends on time. */
    static final long NEVER = Long.MAX_VALUE;
    /** {@link #localShare}'s unit: a share of 1, against 53 random bits. */
    static final long ALL = 1L << 53;

    final List<ServiceInstance> listed;
    final List<ServiceInstance> available;
    /** Every listed instance's state by id, ejected ones included: where reports find them. */
    final Map<String, Member> byId;
    /** The group of every pick, or {@code null} when picks are split between {@link #local} and {@link #remote}. */
    final Group only;
    final Group local;
    final Group remote;
    /** The local zone's share of the picks when they are split, in units of {@link #ALL}. */
    final long localShare;
    /** When the view must be built again (an ejection ends, a slow-start step), or {@link #NEVER}. */
    final long refreshAt;
    /** Why there is nothing to pick, for {@link NoInstanceException}. */
    final String emptyReason;

    Snapshot(List<ServiceInstance> listed, List<ServiceInstance> available, Map<String, Member> byId,
             Group only, Group local, Group remote, long localShare, long refreshAt, String emptyReason) {
        this.listed = listed;
        this.available = available;
        this.byId = byId;
        this.only = only;
        this.local = local;
        this.remote = remote;
        this.localShare = localShare;
        this.refreshAt = refreshAt;
        this.emptyReason = emptyReason;
    }

    /** The group a pick chooses from; an empty one when there is nothing to pick. */
    Group group(RandomGenerator random) {
        if (only != null) {
            return only;
        }
        return (random.nextLong() >>> 11) < localShare ? local : remote;
    }

    NoInstanceException noInstance() {
        return new NoInstanceException(emptyReason);
    }
}
