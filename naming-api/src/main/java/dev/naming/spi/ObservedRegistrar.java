package dev.naming.spi;

import dev.naming.ServiceRegistration;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * A backend's {@link Registrar} as the keep-alive and {@link AbstractNaming} call it: each call
 * timed for the observers, and a registration that follows a renewal answered
 * {@link Renewal#FORGOTTEN} told as a re-registration. Sits between the shared machinery and the
 * backend, so every backend reports the same events without a line of its own.
 */
final class ObservedRegistrar implements Registrar {

    private final Supplier<Registrar> backend;
    private final Observers observers;
    /** Ids whose last renewal was answered FORGOTTEN: their next successful register is a re-registration. */
    private final Set<String> forgotten = ConcurrentHashMap.newKeySet();

    ObservedRegistrar(Supplier<Registrar> backend, Observers observers) {
        this.backend = backend;
        this.observers = observers;
    }

    @Override
    public void register(ServiceRegistration registration, ServiceRegistration replaced) {
        observers.timed(NamingObserver.Operation.REGISTER, () -> {
            backend.get().register(registration, replaced);
            return null;
        });
        if (forgotten.remove(registration.id())) {
            observers.reregistered(registration.id());
        }
    }

    @Override
    public Renewal renew(ServiceRegistration registration) {
        Renewal renewal = observers.timed(NamingObserver.Operation.RENEW, () -> backend.get().renew(registration));
        if (renewal == Renewal.FORGOTTEN) {
            forgotten.add(registration.id());
        } else {
            forgotten.remove(registration.id());
        }
        return renewal;
    }

    @Override
    public void deregister(String serviceId, ServiceRegistration last) {
        forgotten.remove(serviceId);
        observers.timed(NamingObserver.Operation.DEREGISTER, () -> {
            backend.get().deregister(serviceId, last);
            return null;
        });
    }

    @Override
    public Duration renewInterval(ServiceRegistration registration) {
        return backend.get().renewInterval(registration);
    }

    @Override
    public void drain(String serviceName, String serviceId, boolean drained) {
        observers.timed(drained ? NamingObserver.Operation.DRAIN : NamingObserver.Operation.UNDRAIN, () -> {
            backend.get().drain(serviceName, serviceId, drained);
            return null;
        });
    }
}
