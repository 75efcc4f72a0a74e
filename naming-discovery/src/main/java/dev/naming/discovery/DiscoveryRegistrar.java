package dev.naming.discovery;

import dev.naming.NamingException;
import dev.naming.ServiceRegistration;
import dev.naming.spi.Registrar;
import java.time.Duration;

/**
 * Discovery's registration calls, made when the shared keep-alive asks: {@code register},
 * {@code renew} (every renewal interval; -404 means the node forgot the instance, so the
 * keep-alive registers it again) and {@code cancel}, each on the first node that answers.
 * Discovery has no health checks: a registered, renewing instance with status 1 is healthy,
 * whatever {@code HealthCheck} the registration names ("renewal only").
 */
final class DiscoveryRegistrar implements Registrar {

    private final DiscoveryConfig config;
    private final DiscoveryClient client;

    DiscoveryRegistrar(DiscoveryConfig config, DiscoveryClient client) {
        this.config = config;
        this.client = client;
    }

    @Override
    public void register(ServiceRegistration r, ServiceRegistration replaced) {
        if (replaced != null && !replaced.name().equals(r.name())) {
            // an instance is keyed by (appid, hostname): the id moved to another appid, the old record must go
            cancel(replaced);
        }
        Reply reply = client.postOnAnyNode("register", InstanceMapping.registerForm(r, config));
        if (reply.code() != Reply.OK) {
            throw new NamingException("discovery refused to register '" + r.id() + "' of '" + r.name()
                    + "': code " + reply.code());
        }
    }

    @Override
    public Renewal renew(ServiceRegistration r) {
        Reply reply = client.postOnAnyNode("renew", InstanceMapping.instanceForm(r, config));
        if (reply.code() == Reply.NOT_FOUND) {
            return Renewal.FORGOTTEN;
        }
        if (reply.code() != Reply.OK) {
            throw new NamingException("discovery: renew of '" + r.id() + "' answered code " + reply.code());
        }
        return Renewal.ALIVE;
    }

    /** Cancels the instance; without its last registration the appid is unknown and nothing is sent. */
    @Override
    public void deregister(String serviceId, ServiceRegistration last) {
        if (last != null) {
            cancel(last);
        }
    }

    @Override
    public Duration renewInterval(ServiceRegistration registration) {
        return config.renewInterval();
    }

    private void cancel(ServiceRegistration r) {
        Reply reply = client.postOnAnyNode("cancel", InstanceMapping.instanceForm(r, config));
        if (reply.code() != Reply.OK && reply.code() != Reply.NOT_FOUND) {
            throw new NamingException("discovery refused to cancel '" + r.id() + "' of '" + r.name()
                    + "': code " + reply.code());
        }
    }
}
