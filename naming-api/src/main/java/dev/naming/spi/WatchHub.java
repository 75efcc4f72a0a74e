package dev.naming.spi;

import dev.naming.ServiceInstance;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;

/**
 * The per-service cache between one backend watch and its subscribers: it sorts each snapshot by
 * id, drops one equal to the last, keeps the last good list through failures and hands each new
 * list to every subscriber.
 */
final class WatchHub implements WatchSink {

    private static final Logger LOG = NamingLoggers.get(WatchHub.class);
    static final Comparator<ServiceInstance> BY_ID =
            Comparator.comparing(ServiceInstance::id).thenComparing(ServiceInstance::address)
                    .thenComparingInt(ServiceInstance::port);

    private final String service;
    private final List<HubSubscription> subscribers = new CopyOnWriteArrayList<>();
    private volatile List<ServiceInstance> current;
    private boolean failing;
    private ServiceWatch watch;

    WatchHub(String service) {
        this.service = service;
    }

    String service() {
        return service;
    }

    /** The last good list, or {@code null} before the first successful read. */
    List<ServiceInstance> current() {
        return current;
    }

    @Override
    public synchronized void snapshot(List<ServiceInstance> instances) {
        List<ServiceInstance> sorted = sorted(instances);
        if (failing) {
            failing = false;
            LOG.info("watch of '{}': registry answers again ({} instances)", service, sorted.size());
        }
        if (sorted.equals(current)) {
            return;
        }
        current = sorted;
        for (HubSubscription s : subscribers) {
            s.offer(sorted);
        }
    }

    @Override
    public synchronized void failure(Throwable error) {
        if (!failing) {
            failing = true;
            LOG.warn("watch of '{}': registry unreachable, keeping the last list ({}): {}", service,
                    current == null ? "none yet" : current.size() + " instances", describe(error));
        } else {
            LOG.debug("watch of '{}': still failing: {}", service, describe(error));
        }
    }

    synchronized void add(HubSubscription subscription) {
        subscribers.add(subscription);
        if (current != null) {
            subscription.offer(current);
        }
    }

    /** Removes a subscription; {@code true} when none is left. */
    synchronized boolean remove(HubSubscription subscription) {
        subscribers.remove(subscription);
        return subscribers.isEmpty();
    }

    synchronized List<HubSubscription> subscribers() {
        return List.copyOf(subscribers);
    }

    void watch(ServiceWatch watch) {
        this.watch = watch;
    }

    void stop() {
        ServiceWatch w = watch;
        if (w != null) {
            w.close();
        }
        for (HubSubscription s : subscribers) {
            s.deactivate();
        }
    }

    static List<ServiceInstance> sorted(List<ServiceInstance> instances) {
        List<ServiceInstance> copy = new ArrayList<>(instances);
        copy.sort(BY_ID);
        return List.copyOf(copy);
    }

    static List<ServiceInstance> withTags(List<ServiceInstance> instances, List<String> tags) {
        if (tags.isEmpty()) {
            return instances;
        }
        List<ServiceInstance> out = new ArrayList<>(instances.size());
        for (ServiceInstance i : instances) {
            if (i.hasTags(tags)) {
                out.add(i);
            }
        }
        return List.copyOf(out);
    }

    private static String describe(Throwable error) {
        String message = error.getMessage();
        return message == null ? error.getClass().getSimpleName() : error.getClass().getSimpleName() + ": " + message;
    }
}
