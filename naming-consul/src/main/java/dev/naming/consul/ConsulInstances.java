package dev.naming.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.orbitz.consul.model.health.ServiceHealth;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.spi.InputChecks;
import dev.naming.spi.NamingLoggers;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;

/**
 * Turns entries of {@code /v1/health/service/:name} into {@link ServiceInstance}s, whether they
 * were parsed by consul-client (finds) or read as JSON trees (watches), so both paths agree.
 *
 * <p>Rules: the address is {@code Service.Address}, or {@code Node.Address} when that is empty;
 * the protocol is the {@value #PROTOCOL_META} meta entry (ours), {@code http} when absent or not a
 * scheme (services registered by others); that entry is not part of the instance's meta. An id seen
 * twice (the same service on two agents after a fail-over) is kept once. An entry that cannot form
 * a valid instance (no address, port 0) is skipped, never fatal to the whole list.
 */
final class ConsulInstances {

    /** The Meta key in which this library stores the protocol. */
    static final String PROTOCOL_META = "protocol";

    private static final Logger LOG = NamingLoggers.get(ConsulInstances.class);

    private ConsulInstances() {
    }

    static List<ServiceInstance> fromClient(String serviceName, List<ServiceHealth> entries) {
        Builder out = new Builder(serviceName);
        for (ServiceHealth entry : entries) {
            var service = entry.getService();
            var node = entry.getNode();
            out.add(service.getId(), service.getService(), service.getAddress(), node == null ? null : node.getAddress(),
                    service.getPort(), service.getTags(), service.getMeta());
        }
        return out.list();
    }

    /** @throws IllegalStateException if {@code array} is not a health reply */
    static List<ServiceInstance> fromJson(String serviceName, JsonNode array) {
        if (array == null || !array.isArray()) {
            throw new IllegalStateException("health reply is not a JSON array");
        }
        Builder out = new Builder(serviceName);
        for (JsonNode entry : array) {
            JsonNode service = entry.path("Service");
            JsonNode node = entry.path("Node");
            if (!service.isObject()) {
                throw new IllegalStateException("health entry without a Service object");
            }
            List<String> tags = new ArrayList<>();
            for (JsonNode t : service.path("Tags")) {
                tags.add(t.asText());
            }
            Map<String, String> meta = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> f : service.path("Meta").properties()) {
                meta.put(f.getKey(), f.getValue().isNull() ? "" : f.getValue().asText());
            }
            out.add(text(service, "ID"), text(service, "Service"), text(service, "Address"), text(node, "Address"),
                    service.path("Port").asInt(0), tags, meta);
        }
        return out.list();
    }

    /** The Meta Consul stores for a registration: the user's entries plus {@value #PROTOCOL_META}. */
    static Map<String, String> metaOf(ServiceRegistration registration) {
        Map<String, String> meta = new LinkedHashMap<>(registration.meta());
        meta.put(PROTOCOL_META, registration.protocol());
        return meta;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isMissingNode() || v.isNull() ? null : v.asText();
    }

    private static final class Builder {
        private final String serviceName;
        private final List<ServiceInstance> instances = new ArrayList<>();
        private final Set<String> ids = new HashSet<>();

        Builder(String serviceName) {
            this.serviceName = serviceName;
        }

        void add(String id, String name, String serviceAddress, String nodeAddress, int port, List<String> tags,
                 Map<String, String> meta) {
            String address = serviceAddress == null || serviceAddress.isBlank() ? nodeAddress : serviceAddress;
            Map<String, String> userMeta = new LinkedHashMap<>(meta == null ? Map.of() : meta);
            String protocol = userMeta.remove(PROTOCOL_META);
            if (protocol == null || !protocol.matches("[A-Za-z][A-Za-z0-9+.-]{0,31}")) {
                protocol = ServiceRegistration.DEFAULT_PROTOCOL;
            }
            try {
                InputChecks.serviceId(id);
                if (!ids.add(id)) {
                    return;
                }
                instances.add(new ServiceInstance(id, name == null ? serviceName : name, address, port, protocol,
                        tags == null ? List.of() : tags, userMeta));
            } catch (IllegalArgumentException e) {
                LOG.debug("consul: skipping an instance of '{}' that cannot be used: {}", serviceName, e.getMessage());
            }
        }

        List<ServiceInstance> list() {
            return List.copyOf(instances);
        }
    }
}
