package dev.naming.spi;

import dev.naming.ServiceInstance;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The observers of one {@code Naming}, told each event in turn: one that throws is logged (once
 * per observer, then at debug) and the others are still told, so a broken metrics binder never
 * breaks a watch or a registration.
 */
final class Observers implements NamingObserver {

    private static final Logger LOG = NamingLoggers.get(Observers.class);

    private final List<NamingObserver> observers = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<NamingObserver> complained = new CopyOnWriteArrayList<>();

    void add(NamingObserver observer) {
        observers.add(observer);
    }

    void remove(NamingObserver observer) {
        observers.remove(observer);
        complained.remove(observer);
    }

    /** Runs one call to the registry, timed for the observers when there are any. */
    <T> T timed(Operation operation, Supplier<T> call) {
        if (observers.isEmpty()) {
            return call.get();
        }
        long start = System.nanoTime();
        try {
            T result = call.get();
            call(operation, Duration.ofNanos(System.nanoTime() - start), null);
            return result;
        } catch (RuntimeException | Error e) {
            call(operation, Duration.ofNanos(System.nanoTime() - start), e);
            throw e;
        }
    }

    private void tell(Consumer<NamingObserver> event) {
        for (NamingObserver o : observers) {
            try {
                event.accept(o);
            } catch (RuntimeException e) {
                if (complained.addIfAbsent(o)) {
                    LOG.warn("naming observer {} threw; its events go on", o, e);
                } else {
                    LOG.debug("naming observer {} threw again: {}", o, e.toString());
                }
            }
        }
    }

    @Override
    public void subscriptions(String service, int count) {
        tell(o -> o.subscriptions(service, count));
    }

    @Override
    public void instances(String service, List<ServiceInstance> instances) {
        tell(o -> o.instances(service, instances));
    }

    @Override
    public void confirmed(String service, Instant at) {
        tell(o -> o.confirmed(service, at));
    }

    @Override
    public void watchFailed(String service, Throwable error) {
        tell(o -> o.watchFailed(service, error));
    }

    @Override
    public void delivered(String service) {
        tell(o -> o.delivered(service));
    }

    @Override
    public void call(Operation operation, Duration took, Throwable failure) {
        tell(o -> o.call(operation, took, failure));
    }

    @Override
    public void reregistered(String serviceId) {
        tell(o -> o.reregistered(serviceId));
    }

    @Override
    public void stateLossHold(String service, int held) {
        tell(o -> o.stateLossHold(service, held));
    }

    @Override
    public void registrations(int registered, int drained) {
        tell(o -> o.registrations(registered, drained));
    }
}
