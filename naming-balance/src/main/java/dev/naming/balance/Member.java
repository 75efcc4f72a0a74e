package dev.naming.balance;

import dev.naming.ServiceInstance;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a balancer keeps about one instance (by id) for as long as it is listed: its counters survive
 * the lists that update it, so open leases, failure runs and ejections are not lost when the
 * instance's meta changes. Fields without a note are guarded by the balancer's lock.
 */
final class Member {

    /** A slow-start mark: not ramping. */
    static final long FULL_WEIGHT = Long.MIN_VALUE;

    final String id;
    /** A hash of the id, the same in every process: consistent hashing must agree between gateways. */
    final long idHash;
    /** Open leases; read and written by every thread that picks. */
    final InFlight inFlight = new InFlight();
    /** Failures in a row; read and written by every thread that reports. */
    final AtomicInteger failures = new AtomicInteger();

    ServiceInstance instance;
    long weight;
    String zone;
    /** The bad weight last warned about, so that each instance is warned about once per value. */
    String warnedWeight;
    /** Read without the lock by reports, to ignore the outcomes of calls to an ejected instance. */
    volatile boolean ejected;
    long ejectedUntil;
    /** Ejections not yet forgiven: the multiplier of the next ejection's time. */
    int ejections;
    /** When it came back from its last ejection. */
    long backSince;
    /** When its slow start began, or {@link #FULL_WEIGHT}. */
    long rampStart = FULL_WEIGHT;

    Member(ServiceInstance instance) {
        this.id = instance.id();
        this.idHash = Hashing.stableHash(id);
        this.instance = instance;
    }

    @Override
    public String toString() {
        return id;
    }
}
