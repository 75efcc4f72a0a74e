package dev.naming.micrometer;

import dev.naming.Naming;
import dev.naming.ServiceInstance;
import dev.naming.spi.AbstractNaming;
import dev.naming.spi.NamingObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Micrometer meters for one {@link Naming}: what it watches, how fresh its lists are, what it
 * keeps registered, and how its registry answers.
 *
 * <pre>{@code
 * Naming naming = Naming.connect("consul://127.0.0.1:8500");
 * NamingMetrics metrics = new NamingMetrics(naming, Tags.of("registry", "consul-a"));
 * metrics.bindTo(meterRegistry);
 * }</pre>
 *
 * <table>
 *   <caption>Meters (every one also carries the tags given to the constructor)</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what it counts</th></tr>
 *   <tr><td>{@value #INSTANCES}</td><td>gauge</td><td>service</td>
 *       <td>instances in the list of a watched service (before subscriptions' tag filters and warm-ups)</td></tr>
 *   <tr><td>{@value #SUBSCRIPTIONS}</td><td>gauge</td><td>service</td><td>open subscriptions to it</td></tr>
 *   <tr><td>{@value #LIST_AGE}</td><td>time gauge (seconds)</td><td>service</td>
 *       <td>since the registry last confirmed its list (NaN before the first)</td></tr>
 *   <tr><td>{@value #DELIVERIES}</td><td>counter</td><td>service</td><td>listener calls with a new list</td></tr>
 *   <tr><td>{@value #STATE_LOSS_HOLDS}</td><td>counter</td><td>service</td>
 *       <td>times its removals were held back after the registry showed it lost its state</td></tr>
 *   <tr><td>{@value #REGISTRATIONS}</td><td>gauge</td><td></td><td>instances this {@code Naming} keeps registered</td></tr>
 *   <tr><td>{@value #REGISTRATIONS_DRAINED}</td><td>gauge</td><td></td><td>of those, drained</td></tr>
 *   <tr><td>{@value #REREGISTRATIONS}</td><td>counter</td><td></td>
 *       <td>own instances registered again because the registry had forgotten them</td></tr>
 *   <tr><td>{@value #REACHABLE}</td><td>gauge</td><td></td>
 *       <td>1 while the last read or renewal succeeded, 0 after one failed</td></tr>
 *   <tr><td>{@value #CALLS}</td><td>timer</td><td>operation, outcome</td>
 *       <td>calls to the registry: {@code find}, {@code register}, {@code renew}, {@code deregister},
 *           {@code drain}, {@code undrain}; outcome {@code success} or {@code failure}</td></tr>
 *   <tr><td>{@value #ERRORS}</td><td>counter</td><td>operation, exception</td>
 *       <td>failed calls, and failed watch reads (operation {@code watch}); exception is the simple
 *           class name of the deepest cause, e.g. {@code ConnectException}</td></tr>
 * </table>
 *
 * <p>The meters of a service appear when it is first subscribed and are removed when its last
 * subscription closes. {@link #close()} removes every meter and stops observing; the
 * {@code Naming} itself is not closed. Works with every backend built on
 * {@link AbstractNaming} (all of this project's).
 */
public final class NamingMetrics implements MeterBinder, AutoCloseable {

    /** Gauge: instances in the list of a watched service. */
    public static final String INSTANCES = "naming.instances";
    /** Gauge: open subscriptions to a service. */
    public static final String SUBSCRIPTIONS = "naming.subscriptions";
    /** Time gauge: since the registry last confirmed a service's list. */
    public static final String LIST_AGE = "naming.list.age";
    /** Counter: listener calls. */
    public static final String DELIVERIES = "naming.deliveries";
    /** Counter: state-loss holds of a service's removals. */
    public static final String STATE_LOSS_HOLDS = "naming.state.loss.holds";
    /** Gauge: own registrations. */
    public static final String REGISTRATIONS = "naming.registrations";
    /** Gauge: own registrations that are drained. */
    public static final String REGISTRATIONS_DRAINED = "naming.registrations.drained";
    /** Counter: own instances registered again after the registry forgot them. */
    public static final String REREGISTRATIONS = "naming.reregistrations";
    /** Gauge: 1 while the registry answers reads and renewals, 0 after a failure. */
    public static final String REACHABLE = "naming.registry.reachable";
    /** Timer: calls to the registry by operation and outcome. */
    public static final String CALLS = "naming.registry.calls";
    /** Counter: failed registry calls and watch reads by operation and exception. */
    public static final String ERRORS = "naming.registry.errors";

    /** Deeper than any real chain of wrapped exceptions. */
    static final int MAX_CAUSE_DEPTH = 32;

    private final AbstractNaming naming;
    private final Tags tags;
    private final Observer observer = new Observer();
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    /** The ids of the meters registered in each registry, removed by {@link #close()} and when a service goes. */
    private final Map<MeterRegistry, Set<Meter.Id>> registered = new ConcurrentHashMap<>();
    private final Map<String, ServiceState> services = new ConcurrentHashMap<>();
    private final AtomicInteger registrations = new AtomicInteger();
    private final AtomicInteger drained = new AtomicInteger();
    private final AtomicInteger reachable = new AtomicInteger(1);
    /**
     * Guards whether a service is watched together with its meters, so that a count cannot register
     * a meter of a service that just went. Not this binder's monitor: bindTo holds that while it calls
     * the {@code Naming}, whose locks the observer is called under (a watch's, for a state-loss hold),
     * so an observer taking it could deadlock. This one is never held while calling the {@code Naming}.
     */
    private final Object serviceLock = new Object();
    private boolean observing;

    /** Meters for {@code naming}, with no tags of their own. */
    public NamingMetrics(Naming naming) {
        this(naming, Tags.empty());
    }

    /**
     * Meters for {@code naming}, each carrying {@code tags} (e.g. which registry, when an
     * application holds several {@code Naming}s).
     *
     * @throws IllegalArgumentException if {@code naming} is null or not built on {@link AbstractNaming}
     */
    public NamingMetrics(Naming naming, Iterable<Tag> tags) {
        if (!(naming instanceof AbstractNaming observable)) {
            throw new IllegalArgumentException("naming: " + naming + " reports no events (it does not extend "
                    + AbstractNaming.class.getName() + ")");
        }
        this.naming = observable;
        this.tags = Tags.of(tags == null ? Tags.empty() : tags);
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        if (registries.contains(registry)) {
            return;
        }
        synchronized (serviceLock) {
            bindMeters(registry);
        }
        if (!observing) {
            observing = true;
            naming.addObserver(observer); // told the present state first: services appear here
        }
    }

    private void bindMeters(MeterRegistry registry) {
        registries.add(registry);
        keep(registry, Gauge.builder(REGISTRATIONS, registrations, AtomicInteger::get).tags(tags)
                .description("instances this naming client keeps registered").strongReference(true).register(registry));
        keep(registry, Gauge.builder(REGISTRATIONS_DRAINED, drained, AtomicInteger::get).tags(tags)
                .description("own registrations taken out of traffic").strongReference(true).register(registry));
        keep(registry, Gauge.builder(REACHABLE, reachable, AtomicInteger::get).tags(tags)
                .description("1 while the registry answers reads and renewals, 0 after one failed")
                .strongReference(true).register(registry));
        keep(registry, Counter.builder(REREGISTRATIONS).tags(tags)
                .description("own instances registered again because the registry had forgotten them").register(registry));
        services.forEach((service, state) -> serviceGauges(registry, service, state));
    }

    /** Stops observing the {@code Naming} and removes every meter this binder registered. */
    @Override
    public synchronized void close() {
        naming.removeObserver(observer);
        observing = false;
        synchronized (serviceLock) {
            registered.forEach((registry, ids) -> ids.forEach(registry::remove));
            registered.clear();
            registries.clear();
            services.clear();
        }
    }

    private void keep(MeterRegistry registry, Meter meter) {
        registered.computeIfAbsent(registry, r -> ConcurrentHashMap.newKeySet()).add(meter.getId());
    }

    /** The state of {@code service}: the one kept already if another call got there first, else a new one with its meters. */
    private ServiceState serviceAppeared(String service, int subscriptions) {
        synchronized (serviceLock) {
            ServiceState fresh = new ServiceState();
            fresh.subscriptions = subscriptions; // before its gauge exists, which must never read 0
            ServiceState kept = services.putIfAbsent(service, fresh);
            if (kept != null) {
                return kept;
            }
            registries.forEach(r -> serviceGauges(r, service, fresh));
            return fresh;
        }
    }

    private void serviceGauges(MeterRegistry registry, String service, ServiceState state) {
        Tags serviceTags = tags.and("service", service);
        keep(registry, Gauge.builder(INSTANCES, state, s -> s.instances).tags(serviceTags)
                .description("instances in the list of a watched service").strongReference(true).register(registry));
        keep(registry, Gauge.builder(SUBSCRIPTIONS, state, s -> s.subscriptions).tags(serviceTags)
                .description("open subscriptions to a service").strongReference(true).register(registry));
        keep(registry, TimeGauge.builder(LIST_AGE, state, TimeUnit.MILLISECONDS, ServiceState::ageMillis)
                .tags(serviceTags).description("time since the registry last confirmed a service's list")
                .strongReference(true).register(registry));
    }

    /** The last subscription closed: the service's meters go, so that a JVM watching many services over time keeps none. */
    private void serviceGone(String service) {
        synchronized (serviceLock) {
            if (services.remove(service) == null) {
                return;
            }
            registered.forEach((registry, ids) -> ids.removeIf(id -> {
                if (service.equals(id.getTag("service"))) {
                    registry.remove(id);
                    return true;
                }
                return false;
            }));
        }
    }

    /** Counts for {@code service} only while it is watched. */
    private void countForService(String name, String service) {
        synchronized (serviceLock) {
            if (services.containsKey(service)) {
                count(name, Tags.of("service", service));
            }
        }
    }

    private void count(String name, Tags meterTags) {
        for (MeterRegistry registry : registries) {
            Counter counter = Counter.builder(name).tags(tags).tags(meterTags).register(registry);
            keep(registry, counter);
            counter.increment();
        }
    }

    /**
     * The simple class name of the deepest cause, looking at most {@value #MAX_CAUSE_DEPTH} causes
     * down: {@code initCause} refuses only a throwable as its own cause, so a chain may loop (A → B → A).
     */
    static String deepestCause(Throwable error) {
        Throwable deepest = error;
        for (int depth = 0; depth < MAX_CAUSE_DEPTH; depth++) {
            Throwable cause = deepest.getCause();
            if (cause == null || cause == deepest) {
                break;
            }
            deepest = cause;
        }
        return deepest.getClass().getSimpleName();
    }

    /** What the gauges of one watched service read. */
    private static final class ServiceState {
        volatile int instances;
        volatile int subscriptions;
        volatile Instant confirmed;

        double ageMillis() {
            Instant at = confirmed;
            return at == null ? Double.NaN : Duration.between(at, Instant.now()).toMillis();
        }
    }

    /** The events, turned into the state the gauges read and into counts. */
    private final class Observer implements NamingObserver {

        @Override
        public void subscriptions(String service, int count) {
            if (count == 0) {
                serviceGone(service);
                return;
            }
            ServiceState state = services.get(service);
            if (state == null) {
                state = serviceAppeared(service, count);
            }
            state.subscriptions = count;
        }

        @Override
        public void instances(String service, List<ServiceInstance> instances) {
            ServiceState state = services.get(service);
            if (state != null) {
                state.instances = instances.size();
            }
        }

        @Override
        public void confirmed(String service, Instant at) {
            reachable.set(1);
            ServiceState state = services.get(service);
            if (state != null) {
                state.confirmed = at;
            }
        }

        @Override
        public void watchFailed(String service, Throwable error) {
            reachable.set(0);
            count(ERRORS, Tags.of("operation", "watch", "exception", deepestCause(error)));
        }

        @Override
        public void delivered(String service) {
            countForService(DELIVERIES, service);
        }

        @Override
        public void call(Operation operation, Duration took, Throwable failure) {
            if (operation == Operation.FIND || operation == Operation.RENEW) {
                reachable.set(failure == null ? 1 : 0); // reads and renewals: the registry's pulse
            }
            Tags callTags = Tags.of("operation", operation.tag(), "outcome", failure == null ? "success" : "failure");
            for (MeterRegistry registry : registries) {
                Timer timer = Timer.builder(CALLS).tags(tags).tags(callTags)
                        .description("calls to the registry").register(registry);
                keep(registry, timer);
                timer.record(took);
            }
            if (failure != null) {
                count(ERRORS, Tags.of("operation", operation.tag(), "exception", deepestCause(failure)));
            }
        }

        @Override
        public void reregistered(String serviceId) {
            count(REREGISTRATIONS, Tags.empty());
        }

        @Override
        public void stateLossHold(String service, int held) {
            countForService(STATE_LOSS_HOLDS, service);
        }

        @Override
        public void registrations(int registered, int drainedNow) {
            registrations.set(registered);
            drained.set(drainedNow);
        }
    }
}
