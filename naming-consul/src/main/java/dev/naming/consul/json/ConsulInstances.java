package dev.naming.consul.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.spi.NamingLoggers;
import java.util.ArrayList;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;

/**
 * Turns entries of {@code /v1/health/service/:name} into {@link ServiceInstance}s, read from the
 * reply's bytes, for finds and watches alike.
 *
 * <p>Rules: the address is {@code Service.Address}, or {@code Node.Address} when that is empty;
 * the protocol is the {@value #PROTOCOL_META} meta entry (ours), {@code http} when absent or not a
 * scheme (services registered by others); that entry is not part of the instance's meta. An id seen
 * twice (the same service on two agents after a fail-over) is kept once. An entry that cannot form
 * a valid instance (no address, port 0) is skipped, never fatal to the whole list.
 */
public final class ConsulInstances {

    /** The Meta key in which this library stores the protocol. */
    public static final String PROTOCOL_META = "protocol";

    private static final Logger LOG = NamingLoggers.get(ConsulInstances.class);
    private static final Pattern PROTOCOL = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]{0,31}");

    private ConsulInstances() {
    }

    /**
     * Reads a health reply straight from its bytes, as a stream of tokens rather than a tree (a
     * watch parses every reply; this costs about half of {@code readTree} and a walk over the tree).
     * Fields other than those mapped are skipped; a null Meta value reads as "".
     *
     * @throws IOException           if {@code json} is not JSON, or breaks a limit of {@link ConsulJson#FACTORY}
     * @throws IllegalStateException if it is JSON but not a health reply
     */
    public static List<ServiceInstance> fromJson(String serviceName, byte[] json) throws IOException {
        try (JsonParser p = ConsulJson.FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new IllegalStateException("health reply is not a JSON array");
            }
            Map<String, ServiceInstance> out = new LinkedHashMap<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (p.currentToken() != JsonToken.START_OBJECT) {
                    throw new IllegalStateException("health entry without a Service object");
                }
                boolean hasService = false;
                String id = null, name = null, serviceAddress = null, nodeAddress = null;
                int port = 0;
                List<String> tags = new ArrayList<>();
                Map<String, String> meta = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    if (field.equals("Service") && value == JsonToken.START_OBJECT) {
                        hasService = true;
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String f = p.currentName();
                            JsonToken v = p.nextToken();
                            switch (f) {
                                case "ID" -> id = scalar(p, v);
                                case "Service" -> name = scalar(p, v);
                                case "Address" -> serviceAddress = scalar(p, v);
                                case "Port" -> port = v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_STRING
                                        || v == JsonToken.VALUE_NUMBER_FLOAT ? p.getValueAsInt(0) : skip(p, 0);
                                case "Tags" -> readTags(p, v, tags);
                                case "Meta" -> readMeta(p, v, meta);
                                default -> p.skipChildren();
                            }
                        }
                    } else if (field.equals("Node") && value == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String f = p.currentName();
                            JsonToken v = p.nextToken();
                            switch (f) {
                                case "Address" -> nodeAddress = scalar(p, v);
                                default -> p.skipChildren();
                            }
                        }
                    } else {
                        if (field.equals("Service")) {
                            hasService = false;
                        }
                        p.skipChildren();
                    }
                }
                if (!hasService) {
                    throw new IllegalStateException("health entry without a Service object");
                }
                ServiceInstance instance = instance(serviceName, id, name, serviceAddress, nodeAddress, port, tags, meta);
                if (instance != null) {
                    out.putIfAbsent(instance.id(), instance);
                }
            }
            return List.copyOf(out.values());
        }
    }

    /** A field's value as the tree's {@code asText()} gives it; {@code null} for JSON null; "" for a container. */
    private static String scalar(JsonParser p, JsonToken v) throws IOException {
        return v.isStructStart() ? skip(p, "") : p.getValueAsString(null);
    }

    private static <T> T skip(JsonParser p, T value) throws IOException {
        p.skipChildren();
        return value;
    }

    private static void readTags(JsonParser p, JsonToken v, List<String> tags) throws IOException {
        if (v != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() != JsonToken.END_ARRAY) {
            tags.add(Objects.requireNonNullElse(scalar(p, p.currentToken()), "null"));
        }
    }

    private static void readMeta(JsonParser p, JsonToken v, Map<String, String> meta) throws IOException {
        if (v != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            meta.put(key, Objects.requireNonNullElse(scalar(p, p.nextToken()), ""));
        }
    }

    /** The instance an entry stands for, or {@code null} (logged at debug) when it cannot be one. */
    private static ServiceInstance instance(String serviceName, String id, String name, String serviceAddress,
                                            String nodeAddress, int port, List<String> tags, Map<String, String> meta) {
        String address = serviceAddress == null || serviceAddress.isBlank() ? nodeAddress : serviceAddress;
        String protocol = meta.remove(PROTOCOL_META);
        protocol = protocol != null && PROTOCOL.matcher(protocol).matches() ? protocol : ServiceRegistration.DEFAULT_PROTOCOL;
        try {
            return new ServiceInstance(id, name == null ? serviceName : name, address, port, protocol, tags, meta);
        } catch (IllegalArgumentException e) {
            LOG.debug("consul: skipping an instance of '{}' that cannot be used: {}", serviceName, e.getMessage());
            return null;
        }
    }
}
