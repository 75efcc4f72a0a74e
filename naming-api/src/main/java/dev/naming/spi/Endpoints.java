package dev.naming.spi;

import dev.naming.NamingException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;

/**
 * The servers of one registry a {@code Naming} may talk to (Consul agents, discovery nodes), in
 * fail-over order, and the one it talks to now. {@link #call} sends a request to the current
 * one and, when it fails in a way another server may not (unreachable, overloaded, a server
 * error), to each other one once; the first that answers becomes current. Loops that retry
 * (watches, the keep-alive) pace themselves with {@link Backoff} and move on with
 * {@link #failed}. Thread-safe.
 *
 * @param <E> how a backend names a server
 */
public final class Endpoints<E> {

    private static final Logger LOG = NamingLoggers.get(Endpoints.class);

    private final String backend;
    private List<E> endpoints;
    private int index;

    /**
     * @param backend   the backend's name, for messages
     * @param endpoints the servers in fail-over order; at least one
     */
    public Endpoints(String backend, List<E> endpoints) {
        this.backend = backend;
        if (endpoints == null || endpoints.isEmpty()) {
            throw new IllegalArgumentException(backend + ": at least one server is needed");
        }
        this.endpoints = List.copyOf(endpoints);
    }

    /** The server the next request goes to. */
    public synchronized E current() {
        return endpoints.get(index);
    }

    /** Every server, in fail-over order. */
    public synchronized List<E> all() {
        return endpoints;
    }

    public synchronized int size() {
        return endpoints.size();
    }

    /** {@code endpoint} failed: if it is still the current one, the next becomes current. */
    public synchronized void failed(E endpoint) {
        if (endpoints.get(index).equals(endpoint) && endpoints.size() > 1) {
            index = (index + 1) % endpoints.size();
            LOG.info("{}: {} failed, switching to {}", backend, endpoint, endpoints.get(index));
        }
    }

    /** Makes {@code endpoint} current, if it is one of the servers. */
    public synchronized void use(E endpoint) {
        int i = endpoints.indexOf(endpoint);
        if (i >= 0 && i != index) {
            LOG.info("{}: now using {} (was {})", backend, endpoint, endpoints.get(index));
            index = i;
        }
    }

    /**
     * Replaces the list (a server reported the cluster's members); the current server stays
     * current if the new list has it, else the first becomes current. An empty list is ignored.
     */
    public synchronized void replace(List<E> next) {
        if (next.isEmpty() || next.equals(endpoints)) {
            return;
        }
        E current = endpoints.get(index);
        endpoints = List.copyOf(next);
        index = Math.max(endpoints.indexOf(current), 0);
        LOG.debug("{}: servers are now {} (current {})", backend, endpoints, endpoints.get(index));
    }

    /**
     * Runs {@code call} against the current server, then against each other one once while it
     * fails with an error {@code failOver} accepts; the first server that answers becomes current.
     *
     * @param what     the request, for messages
     * @param failOver whether another server may do better than the one that threw this
     * @throws RegistryUnreachableException when every server failed (the last error as its cause)
     * @throws RuntimeException the error {@code failOver} refused, as thrown
     */
    public <T> T call(String what, Function<E, T> call, Predicate<RuntimeException> failOver) {
        List<E> order;
        int start;
        synchronized (this) {
            order = endpoints;
            start = index;
        }
        RuntimeException last = null;
        List<E> tried = new ArrayList<>(order.size());
        for (int i = 0; i < order.size(); i++) {
            E endpoint = order.get((start + i) % order.size());
            tried.add(endpoint);
            try {
                T result = call.apply(endpoint);
                if (i > 0) {
                    use(endpoint);
                }
                return result;
            } catch (RuntimeException e) {
                if (!failOver.test(e)) {
                    throw e;
                }
                LOG.debug("{}: {} failed at {}: {}", backend, what, endpoint, e.toString());
                last = e;
            }
        }
        throw new RegistryUnreachableException(backend + ": " + what + " failed at every server " + tried + ": "
                + last.getMessage(), last);
    }

    @Override
    public synchronized String toString() {
        return endpoints.toString();
    }
}
