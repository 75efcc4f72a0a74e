package dev.naming.discovery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.spi.HostPort;
import dev.naming.spi.NamingLoggers;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * How a {@link ServiceRegistration} becomes a discovery instance and back.
 *
 * <ul>
 *   <li>service name ↔ {@code appid}; instance id ↔ {@code hostname};
 *   <li>{@code addrs} = {@code [protocol://address:port]};
 *   <li>{@code metadata} = the registration's meta, plus two reserved keys:
 *       {@value #TAGS_KEY} (the tags as a JSON array in a string, e.g. {@code ["gate","a"]}) and
 *       {@value #PROTOCOL_KEY}. A registration may not use them as meta keys.
 * </ul>
 *
 * Reading tolerates instances other clients registered: no {@value #TAGS_KEY} key (no tags), several
 * addresses or addresses joined by commas, unknown schemes. The address used is the first whose
 * scheme is the instance's {@value #PROTOCOL_KEY}, else the first one; without the key the protocol
 * is that address's scheme. An instance that cannot be read (no usable address, invalid id) is
 * skipped and logged at debug level.
 */
final class InstanceMapping {

    static final String TAGS_KEY = "tags";
    static final String PROTOCOL_KEY = "protocol";
    static final int STATUS_UP = 1;

    private static final Logger LOG = NamingLoggers.get(InstanceMapping.class);

    private InstanceMapping() {
    }

    /** The {@code register} form of {@code r}. */
    static FormBody registerForm(ServiceRegistration r, DiscoveryConfig config) {
        return new FormBody()
                .add("zone", config.zone())
                .add("env", config.env())
                .add("appid", r.name())
                .add("hostname", r.id())
                .add("status", Integer.toString(STATUS_UP))
                .add("addrs", r.instance().endpoint())
                .addIfPresent("region", config.region())
                .add("metadata", metadata(r));
    }

    /** The form naming one instance, for {@code renew} and {@code cancel}. */
    static FormBody instanceForm(ServiceRegistration r, DiscoveryConfig config) {
        return new FormBody()
                .add("zone", config.zone())
                .add("env", config.env())
                .add("appid", r.name())
                .add("hostname", r.id());
    }

    static String metadata(ServiceRegistration r) {
        ObjectNode meta = DiscoveryClient.JSON.createObjectNode();
        r.meta().forEach(meta::put);
        ArrayNode tags = DiscoveryClient.JSON.createArrayNode();
        r.tags().forEach(tags::add);
        meta.put(TAGS_KEY, tags.toString());
        meta.put(PROTOCOL_KEY, r.protocol());
        return meta.toString();
    }

    /** The up instances of an app info ({@code {"instances":{zone:[…]},"latest_timestamp":N}}). */
    static List<ServiceInstance> instances(String appid, JsonNode appInfo) {
        List<ServiceInstance> out = new ArrayList<>();
        JsonNode zones = appInfo.path("instances");
        for (Iterator<JsonNode> it = zones.elements(); it.hasNext(); ) {
            for (JsonNode instance : it.next()) {
                if (instance.path("status").asInt(STATUS_UP) == STATUS_UP) {
                    instance(appid, instance).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    static Optional<ServiceInstance> instance(String appid, JsonNode node) {
        String id = node.path("hostname").asText("");
        try {
            Map<String, String> meta = new LinkedHashMap<>();
            JsonNode metadata = node.path("metadata");
            for (Map.Entry<String, JsonNode> e : metadata.properties()) {
                JsonNode v = e.getValue();
                meta.put(e.getKey(), v.isValueNode() ? v.asText() : v.toString());
            }
            String protocol = meta.remove(PROTOCOL_KEY);
            List<String> tags = tags(meta.remove(TAGS_KEY));
            Endpoint endpoint = pick(addresses(node.path("addrs")), protocol);
            if (endpoint == null) {
                LOG.debug("discovery: instance '{}' of '{}' has no usable address, skipped", id, appid);
                return Optional.empty();
            }
            if (protocol == null || protocol.isBlank()) {
                protocol = endpoint.scheme();
            }
            meta.entrySet().removeIf(e -> e.getKey().isBlank() || hasControl(e.getKey()));
            return Optional.of(new ServiceInstance(id, appid, endpoint.host(), endpoint.port(), protocol, tags, meta));
        } catch (IllegalArgumentException e) {
            LOG.debug("discovery: instance '{}' of '{}' cannot be read, skipped: {}", id, appid, e.getMessage());
            return Optional.empty();
        }
    }

    static List<String> tags(String json) {
        if (json == null || json.isBlank()) {
            return List.of();
        }
        List<String> tags = new ArrayList<>();
        try {
            JsonNode array = DiscoveryClient.JSON.readTree(json);
            if (array != null && array.isArray()) {
                for (JsonNode t : array) {
                    String tag = t.asText("");
                    if (!tag.isBlank() && !hasControl(tag)) {
                        tags.add(tag);
                    }
                }
            }
        } catch (JsonProcessingException e) {
            LOG.debug("discovery: tags '{}' are not a JSON array, ignored", json);
        }
        return tags;
    }

    /** Every address, splitting values a replicating peer may have joined with commas. */
    static List<Endpoint> addresses(JsonNode addrs) {
        List<Endpoint> out = new ArrayList<>();
        List<String> raw = new ArrayList<>();
        if (addrs.isArray()) {
            addrs.forEach(a -> raw.add(a.asText("")));
        } else if (addrs.isTextual()) {
            raw.add(addrs.asText());
        }
        for (String value : raw) {
            for (String part : value.split(",")) {
                Endpoint e = Endpoint.parse(part.trim());
                if (e != null) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    static Endpoint pick(List<Endpoint> endpoints, String protocol) {
        if (protocol != null) {
            for (Endpoint e : endpoints) {
                if (e.scheme().equalsIgnoreCase(protocol)) {
                    return e;
                }
            }
        }
        return endpoints.isEmpty() ? null : endpoints.get(0);
    }

    private static boolean hasControl(String s) {
        return s.chars().anyMatch(Character::isISOControl);
    }

    /** One address: {@code scheme://host:port[/path]}; IPv6 hosts in brackets. */
    record Endpoint(String scheme, String host, int port) {

        static Endpoint parse(String addr) {
            int sep = addr.indexOf("://");
            if (sep <= 0) {
                return null;
            }
            String scheme = addr.substring(0, sep).toLowerCase(Locale.ROOT);
            if (!scheme.matches("[a-z][a-z0-9+.-]*")) {
                return null;
            }
            String rest = addr.substring(sep + 3);
            int end = rest.length();
            for (char c : new char[] {'/', '?', '#'}) {
                int i = rest.indexOf(c);
                if (i >= 0 && i < end) {
                    end = i;
                }
            }
            rest = rest.substring(0, end);
            int at = rest.lastIndexOf('@');
            if (at >= 0) {
                rest = rest.substring(at + 1);
            }
            try {
                HostPort hp = HostPort.parse("address", rest, 0);
                return new Endpoint(scheme, hp.host(), hp.port());
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }
}
