package dev.naming.discovery;

import dev.naming.NamingException;
import dev.naming.ServiceRegistration;
import dev.naming.spi.Registrar;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * Cancels the instance. One this {@code Naming} never registered (another process's, as
     * {@code naming deregister} asks) is looked up first: the server keys an instance by zone, env,
     * appid and hostname, and only the id is given, so {@code fetch/all} finds the appid and zone of
     * every instance of this env with that hostname, and each is cancelled. None found: nothing to do.
     */
    @Override
    public void deregister(String serviceId, ServiceRegistration last) {
        if (last != null) {
            cancel(last);
            return;
        }
        Reply all = client.getOnAnyNode("fetch/all", new FormBody().add("env", config.env()));
        if (all.code() == Reply.NOT_FOUND) {
            return;
        }
        if (all.code() != Reply.OK) {
            throw new NamingException("discovery: fetch/all, to find the appid of '" + serviceId + "', answered code "
                    + all.code());
        }
        for (JsonNode app : all.data() == null ? List.<JsonNode>of() : iterable(all.data())) {
            for (JsonNode instance : iterable(app)) {
                if (serviceId.equals(instance.path("hostname").asText()) && config.env().equals(instance.path("env").asText())) {
                    FormBody form = new FormBody().add("zone", instance.path("zone").asText()).add("env", config.env())
                            .add("appid", instance.path("appid").asText()).add("hostname", serviceId);
                    Reply reply = client.postOnAnyNode("cancel", form);
                    if (reply.code() != Reply.OK && reply.code() != Reply.NOT_FOUND) {
                        throw new NamingException("discovery refused to cancel '" + serviceId + "' of '"
                                + instance.path("appid").asText() + "': code " + reply.code());
                    }
                }
            }
        }
    }

    private static Iterable<JsonNode> iterable(JsonNode node) {
        List<JsonNode> out = new ArrayList<>();
        node.elements().forEachRemaining(out::add);
        return out;
    }

    @Override
    public Duration renewInterval(ServiceRegistration registration) {
        return config.renewInterval();
    }

    /**
     * {@code set} with status 2 (down) or 1 (up): reads ask for status 1, so a drained instance
     * leaves them while it stays registered and renewed. The server answers -400 for a hostname it
     * does not know.
     */
    @Override
    public void drain(String serviceName, String serviceId, boolean drained) {
        if (config.zone().isEmpty()) {
            // the server keys an instance by zone too: without it every drain answers -400
            throw new IllegalArgumentException("zone is missing: draining on discovery needs the zone the instance"
                    + " registered in, as the URI parameter zone= or " + DiscoveryConfig.ZONE_ENV);
        }
        FormBody form = new FormBody().add("zone", config.zone()).add("env", config.env())
                .add("appid", serviceName).add("hostname", serviceId)
                .add("status", Integer.toString(drained ? InstanceMapping.STATUS_DOWN : InstanceMapping.STATUS_UP));
        Reply reply = client.postOnAnyNode("set", form);
        if (reply.code() == Reply.BAD_REQUEST || reply.code() == Reply.NOT_FOUND) {
            throw new NamingException("discovery has no instance '" + serviceId + "' of '" + serviceName + "' in zone '"
                    + config.zone() + "' and env '" + config.env() + "' (code " + reply.code() + "): check the id, the"
                    + " service name, and the URI's zone= and env=, which must be the instance's own");
        }
        if (reply.code() != Reply.OK) {
            throw new NamingException("discovery refused to " + (drained ? "drain '" : "undrain '") + serviceId
                    + "' of '" + serviceName + "': code " + reply.code());
        }
    }

    private void cancel(ServiceRegistration r) {
        Reply reply = client.postOnAnyNode("cancel", InstanceMapping.instanceForm(r, config));
        if (reply.code() != Reply.OK && reply.code() != Reply.NOT_FOUND) {
            throw new NamingException("discovery refused to cancel '" + r.id() + "' of '" + r.name()
                    + "': code " + reply.code());
        }
    }
}
