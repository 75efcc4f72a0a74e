package dev.naming.balance;

import dev.naming.ServiceInstance;
import dev.naming.SubscribeOptions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Picks an instance of a service for traffic the library does not carry itself (WebSocket or TCP
 * connections, pushes): fed by a subscription, it is the subscription's listener.
 *
 * <pre>{@code
 * // an IM gateway: logic servers by consistent hash of the user, comet nodes by least requests
 * HashBalancer logic = Balancer.consistentHash();
 * LeastRequestBalancer comets = Balancer.leastRequest(BalancerOptions.defaults().withZone("sh001"));
 * naming.subscribe("chat.logic", SubscribeOptions.defaults().withTags("gate"), logic);
 * naming.subscribe("chat.comet", comets);
 *
 * ServiceInstance server = logic.pick(userId);              // the same server for a user, in every gateway
 * try (Lease lease = comets.pick()) {                       // fewer open leases win
 *     try {
 *         push(lease.instance(), message);
 *     } catch (IOException e) {
 *         lease.failed();                                   // five in a row eject the node for a while
 *     }
 * }
 * }</pre>
 *
 * <p>The policies, and the systems they follow:
 * <ul>
 *   <li>{@link #roundRobin} — nginx's smooth weighted round robin: weights 5, 1, 1 give
 *       {@code a a b a c a a}, no burst to the heaviest;
 *   <li>{@link #random} — weighted random (Nacos' {@code selectOneHealthyInstance}, go-kit's
 *       {@code NewRandom}), in constant time by Walker's alias method;
 *   <li>{@link #leastRequest} — power of two choices on open requests (SmallRye Stork's
 *       {@code power-of-two-choices}, Envoy's {@code LEAST_REQUEST}): {@link LeastRequestBalancer#pick()}
 *       returns a {@link Lease} that the caller ends;
 *   <li>{@link #consistentHash} — rendezvous hashing by key, so that a user or a room sticks to one
 *       server and only the keys of an instance that joins or leaves move ({@link HashBalancer}
 *       says why rendezvous and not Maglev).
 * </ul>
 * and what {@link BalancerOptions} adds to them: zone preference (Envoy's zone-aware routing), slow
 * start (Envoy's slow start mode) and outlier ejection (Envoy's outlier detection). {@link Retry}
 * calls through a balancer as go-kit's {@code lb.Retry} does.
 *
 * <p><b>Weights</b> come from the instance's meta {@code weight} (as bilibili/discovery's and kratos'
 * instances carry it): a whole number from 1 to 1,000,000, white space around it ignored. Without
 * one an instance weighs 1; a value that is not such a number counts as 1 too, with one warning per
 * instance (and again if it changes to another bad value).
 *
 * <p><b>Picks and lists.</b> Each list the subscription delivers is turned into an immutable view
 * that picks read through one volatile field: a pick takes no lock and allocates nothing
 * ({@link LeastRequestBalancer}'s lease aside), except the one pick that rebuilds the view (below).
 * The list is taken as the subscription delivers it, so its guarantees carry over: calls never
 * overlap and keep their order, and a list superseded while the listener was busy is skipped. Feed
 * one balancer from one subscription; it may run on any {@link SubscribeOptions#withExecutor executor},
 * the registry's reading thread included, as building the view is quick: one pass over the
 * instances for random and least request; for round robin one pass over the instances per position
 * of its cycle (at most 65,536 positions, an array of as many ints); for consistent hashing one
 * pass over its 131,072 slots per instance that joined or left, and a new array of the slots.
 *
 * <p>What depends on time (an ejection ending, a slow-start step) is applied by the first pick after
 * it is due, so a balancer starts no thread and needs no closing. That pick rebuilds the view on
 * its own thread, at the cost just given: it takes the lock if no other thread holds it (it never
 * waits for it; picks that find it held go on with the view they have) and allocates the new view.
 *
 * <p>Reports of failed and successful calls ({@link #failed}, {@link #succeeded}, or by ending a
 * lease) feed outlier ejection. Implementations are thread-safe.
 */
public abstract sealed class Balancer implements Consumer<List<ServiceInstance>>
        permits WeightedBalancer, LeastRequestBalancer, HashBalancer {

    private final BalancerOptions options;
    private final RandomGenerator fixedRandom;
    private final LongSupplier clock;
    private final OutlierEjection ejection;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}. */
    private final Roster roster;
    private volatile Snapshot snapshot;

    Balancer(BalancerOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        this.options = options;
        this.fixedRandom = options.random();
        this.clock = options.nanoClock();
        this.ejection = options.outlierEjection();
        this.roster = new Roster(options);
        // no list yet: the view is empty, and no policy is asked to build anything
        this.snapshot = roster.snapshot(clock.getAsLong(), this);
    }

    /** Smooth weighted round robin with the default options. */
    public static WeightedBalancer roundRobin() {
        return roundRobin(BalancerOptions.defaults());
    }

    /** Smooth weighted round robin (nginx's), with zone preference, slow start and ejection as {@code options} say. */
    public static WeightedBalancer roundRobin(BalancerOptions options) {
        return new WeightedBalancer(options, true);
    }

    /** Weighted random with the default options. */
    public static WeightedBalancer random() {
        return random(BalancerOptions.defaults());
    }

    /** Weighted random, with zone preference, slow start and ejection as {@code options} say. */
    public static WeightedBalancer random(BalancerOptions options) {
        return new WeightedBalancer(options, false);
    }

    /** Power of two choices on open leases, with the default options. */
    public static LeastRequestBalancer leastRequest() {
        return leastRequest(BalancerOptions.defaults());
    }

    /** Power of two choices on open leases, with zone preference, slow start and ejection as {@code options} say. */
    public static LeastRequestBalancer leastRequest(BalancerOptions options) {
        return new LeastRequestBalancer(options);
    }

    /** Consistent hashing by key (rendezvous), with the default options. */
    public static HashBalancer consistentHash() {
        return consistentHash(BalancerOptions.defaults());
    }

    /**
     * Consistent hashing by key (rendezvous), with ejection as {@code options} say.
     *
     * @throws IllegalArgumentException if {@code options} name a zone or a slow start: keys would
     *     move between instances whenever a zone's health or a weight changed, which sticky routing
     *     exists to avoid
     */
    public static HashBalancer consistentHash(BalancerOptions options) {
        return new HashBalancer(options);
    }

    /**
     * Takes the subscription's new list (sorted by id, as subscriptions deliver it): the next pick
     * chooses among its instances. Instances keep their open leases, failure counts and ejections
     * across lists by id.
     *
     * @throws IllegalArgumentException if {@code instances} is or contains {@code null}
     */
    @Override
    public final void accept(List<ServiceInstance> instances) {
        if (instances == null) {
            throw new IllegalArgumentException("instances must not be null");
        }
        lock.lock();
        try {
            long now = clock.getAsLong();
            roster.update(instances, now);
            snapshot = roster.snapshot(now, this);
        } finally {
            lock.unlock();
        }
    }

    /** The last list received, as the subscription delivered it; empty before the first. */
    public final List<ServiceInstance> instances() {
        return snapshot.listed;
    }

    /** The instances a pick may return now: the last list less the ejected instances, in its order. */
    public final List<ServiceInstance> available() {
        return view().available;
    }

    /**
     * Reports that a call to {@code instance} failed: after {@link OutlierEjection#consecutiveFailures()}
     * in a row it is ejected. Reports about an instance no longer listed, or already ejected, are ignored.
     */
    public final void failed(ServiceInstance instance) {
        Member member = member(instance);
        if (member != null) {
            reportFailure(member);
        }
    }

    /** Reports that a call to {@code instance} succeeded: its run of failures starts again from zero. */
    public final void succeeded(ServiceInstance instance) {
        Member member = member(instance);
        if (member != null) {
            reportSuccess(member);
        }
    }

    /** The options this balancer was built with. */
    public final BalancerOptions options() {
        return options;
    }

    @Override
    public String toString() {
        Snapshot s = snapshot;
        return getClass().getSimpleName() + "[" + policyName() + ", " + s.available.size() + " of "
                + s.listed.size() + " instances available]";
    }

    abstract String policyName();

    /** What the policy builds for a group of instances, under the lock (never for an empty group). */
    abstract Object policy(Group group);

    /**
     * An instance for an attempt of {@link Retry}, not one of {@code tried} while another is available;
     * {@code null} when every available instance was tried.
     *
     * @throws NoInstanceException when nothing is available at all
     */
    abstract Lease retryLease(long keyHash, Set<String> tried);

    /** The current view, built again first if something in it was due to change by now. */
    final Snapshot view() {
        Snapshot s = snapshot;
        if (s.refreshAt != Snapshot.NEVER && clock.getAsLong() - s.refreshAt >= 0) {
            return refresh();
        }
        return s;
    }

    /** The random source of this pick: the options' one, else the calling thread's. */
    final RandomGenerator randomSource() {
        return fixedRandom != null ? fixedRandom : ThreadLocalRandom.current();
    }

    final void reportFailure(Member member) {
        if (!ejection.enabled() || member.ejected) {
            return;
        }
        // a pick never waits for the lock, and neither does a report: a busy lock means the view is
        // being built, and the next failure tries again
        if (member.failures.incrementAndGet() >= ejection.consecutiveFailures() && lock.tryLock()) {
            try {
                long now = clock.getAsLong();
                if (roster.eject(member, now)) {
                    snapshot = roster.snapshot(now, this);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    final void reportSuccess(Member member) {
        // read first: a success must not write a cache line every picking thread reads
        if (member.failures.get() != 0) {
            member.failures.set(0);
        }
    }

    private Member member(ServiceInstance instance) {
        if (instance == null) {
            throw new IllegalArgumentException("instance must not be null");
        }
        return snapshot.byId.get(instance.id());
    }

    private Snapshot refresh() {
        // one picking thread builds the view; the others go on with the one they have
        if (lock.tryLock()) {
            try {
                long now = clock.getAsLong();
                Snapshot s = snapshot;
                if (s.refreshAt != Snapshot.NEVER && now - s.refreshAt >= 0) {
                    snapshot = roster.snapshot(now, this);
                }
            } finally {
                lock.unlock();
            }
        }
        return snapshot;
    }
}
