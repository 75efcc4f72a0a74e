package dev.naming.discovery;

import dev.naming.NamingException;
import dev.naming.ServiceRegistration;
import dev.naming.spi.Backoff;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this process's instances registered: {@code register} once, then {@code renew} every
 * renewal interval on the renew scheduler. A renew answered -404 (the node forgot the instance:
 * eviction, restart) registers it again at once. A failed round (transport error, -500, an
 * unexpected code) moves to the next node and is retried after a backoff with jitter instead of
 * waiting a whole interval. Discovery has no health checks: a registered, renewing instance with
 * status 1 is healthy, whatever {@code HealthCheck} the registration names ("renewal only").
 *
 * <p>Register, cancel and each renew hold one lock, so a renewal never resurrects an instance
 * that is being cancelled.
 */
final class DiscoveryRegistrar {

    private static final Logger LOG = LoggerFactory.getLogger(DiscoveryRegistrar.class);

    private final DiscoveryConfig config;
    private final DiscoveryClient client;
    private final ScheduledExecutorService scheduler;
    private final Backoff backoff;
    private final Object lock = new Object();
    private final Map<String, ServiceRegistration> registrations = new LinkedHashMap<>();
    private ScheduledFuture<?> nextRound;
    private boolean stopped;

    DiscoveryRegistrar(DiscoveryConfig config, DiscoveryClient client, ScheduledExecutorService scheduler) {
        this.config = config;
        this.client = client;
        this.scheduler = scheduler;
        this.backoff = new Backoff(config.retryMin(), config.retryMax());
    }

    /** Registers (or replaces) {@code r} on the first node that answers, then keeps renewing it. */
    void register(ServiceRegistration r) {
        synchronized (lock) {
            ServiceRegistration previous = registrations.get(r.id());
            if (previous != null && !previous.name().equals(r.name())) {
                // the id moved to another appid: the old (appid, hostname) record must go
                cancel(previous);
            }
            Reply reply = client.postOnAnyNode("register", InstanceMapping.registerForm(r, config));
            if (reply.code() != Reply.OK) {
                throw new NamingException("discovery refused to register '" + r.id() + "' of '" + r.name()
                        + "': code " + reply.code());
            }
            registrations.put(r.id(), r);
            if (nextRound == null && !stopped) {
                schedule(config.renewInterval());
            }
        }
    }

    /** Cancels {@code id}; unknown here or on the server (-404) is not an error. */
    void deregister(String id) {
        synchronized (lock) {
            ServiceRegistration r = registrations.remove(id);
            if (r != null) {
                cancel(r);
            }
        }
    }

    /** Stops renewing; registrations stay known so they can still be cancelled. */
    void stop() {
        synchronized (lock) {
            stopped = true;
            if (nextRound != null) {
                nextRound.cancel(false);
                nextRound = null;
            }
        }
    }

    /** One renewal round over every registration, on the renew scheduler. */
    void renewAll() {
        String node = client.nodes().current();
        Duration next = config.renewInterval();
        try {
            for (ServiceRegistration r : snapshot()) {
                synchronized (lock) {
                    if (stopped || registrations.get(r.id()) != r) {
                        continue;
                    }
                    renew(node, r);
                }
            }
            backoff.reset();
        } catch (NodeFailure e) {
            synchronized (lock) {
                if (stopped) {
                    return; // interrupted by close(): not the node's fault
                }
            }
            client.nodes().failed(node);
            next = backoff.next();
            LOG.warn("discovery: renewal failed, retrying in {} ms: {}", next.toMillis(), e.getMessage());
        }
        synchronized (lock) {
            nextRound = null;
            if (!stopped && !registrations.isEmpty()) {
                schedule(next);
            }
        }
    }

    private void renew(String node, ServiceRegistration r) {
        Reply reply = client.post(node, "renew", InstanceMapping.instanceForm(r, config));
        if (reply.code() == Reply.NOT_FOUND) {
            Reply again = client.post(node, "register", InstanceMapping.registerForm(r, config));
            if (again.code() != Reply.OK) {
                throw new NodeFailure(node + ": register of '" + r.id() + "' answered code " + again.code());
            }
            LOG.info("discovery: '{}' of '{}' was forgotten by {}, registered again", r.id(), r.name(), node);
        } else if (reply.code() != Reply.OK) {
            throw new NodeFailure(node + ": renew of '" + r.id() + "' answered code " + reply.code());
        }
    }

    private void cancel(ServiceRegistration r) {
        Reply reply = client.postOnAnyNode("cancel", InstanceMapping.instanceForm(r, config));
        if (reply.code() != Reply.OK && reply.code() != Reply.NOT_FOUND) {
            throw new NamingException("discovery refused to cancel '" + r.id() + "' of '" + r.name()
                    + "': code " + reply.code());
        }
    }

    private List<ServiceRegistration> snapshot() {
        synchronized (lock) {
            return List.copyOf(registrations.values());
        }
    }

    private void schedule(Duration delay) {
        try {
            nextRound = scheduler.schedule(this::renewAll, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            nextRound = null;
        }
    }
}
