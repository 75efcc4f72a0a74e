package dev.naming.balance;

import dev.naming.ServiceInstance;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One call's hold on an instance, from {@link LeastRequestBalancer#pick()}: it counts as an open
 * request of that instance until it is ended, and power of two choices prefers instances with fewer.
 * End every lease, once — {@link #close()} when the call went well (try-with-resources does it),
 * {@link #failed()} when it did not, which also counts towards the instance's ejection:
 *
 * <pre>{@code
 * try (Lease lease = comets.pick()) {
 *     try {
 *         push(lease.instance(), message);
 *     } catch (IOException e) {
 *         lease.failed();         // ends it as a failure; the close() that follows does nothing
 *         throw e;
 *     }
 * }
 * }</pre>
 *
 * Ending it again does nothing. Thread-safe: a lease may be ended on another thread than the one
 * that took it (the thread that completes an asynchronous call).
 */
public final class Lease implements AutoCloseable {

    private static final AtomicIntegerFieldUpdater<Lease> ENDED = AtomicIntegerFieldUpdater.newUpdater(Lease.class, "ended");

    private final Balancer balancer;
    private final Member member;
    private final ServiceInstance instance;
    /** Whether it counts as an open request (leases of {@link Retry} through other balancers do not). */
    private final boolean counted;
    private volatile int ended;

    Lease(Balancer balancer, Member member, ServiceInstance instance, boolean counted) {
        this.balancer = balancer;
        this.member = member;
        this.instance = instance;
        this.counted = counted;
    }

    /** The instance to call. */
    public ServiceInstance instance() {
        return instance;
    }

    /** Whether it has not been ended yet. */
    public boolean isOpen() {
        return ended == 0;
    }

    /** Ends the lease as a failed call, which counts towards the instance's ejection. */
    public void failed() {
        if (end()) {
            balancer.reportFailure(member);
        }
    }

    /** Ends the lease as a call that went well, unless it was ended before. */
    @Override
    public void close() {
        if (end()) {
            balancer.reportSuccess(member);
        }
    }

    private boolean end() {
        if (!ENDED.compareAndSet(this, 0, 1)) {
            return false;
        }
        if (counted) {
            member.inFlight.decrement();
        }
        return true;
    }

    @Override
    public String toString() {
        return "Lease[" + instance.id() + (isOpen() ? ", open]" : ", ended]");
    }
}
