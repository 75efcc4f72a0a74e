package dev.naming;

import dev.naming.internal.Validation;
import java.util.List;
import java.util.Map;

/**
 * One instance of a service as a registry reports it: immutable, compared by value.
 *
 * @param id       unique id of the instance within the registry
 * @param name     the service's name
 * @param address  host name or IP the instance listens on
 * @param port     port, 1–65535
 * @param protocol how to speak to it ({@code http}, {@code ws}, {@code tcp} …)
 * @param tags     tags in registration order, no duplicates
 * @param meta     free key/value pairs, sorted by key
 */
public record ServiceInstance(String id, String name, String address, int port, String protocol,
                              List<String> tags, Map<String, String> meta) {

    /**
     * Checks every part, as a registration's are checked.
     *
     * @throws IllegalArgumentException naming the first invalid field
     */
    public ServiceInstance {
        Validation.serviceId(id);
        Validation.serviceName(name);
        Validation.address(address);
        Validation.port(port);
        Validation.protocol(protocol);
        tags = Validation.tags(tags);
        meta = Validation.meta(meta);
    }

    /** The instance as a registration would describe it, without its health check. */
    public static ServiceInstance of(ServiceRegistration registration) {
        return new ServiceInstance(registration.id(), registration.name(), registration.address(),
                registration.port(), registration.protocol(), registration.tags(), registration.meta());
    }

    /** {@code protocol://address:port}, with an IPv6 address in brackets. */
    public String endpoint() {
        String host = address.indexOf(':') >= 0 && !address.startsWith("[") ? "[" + address + "]" : address;
        return protocol + "://" + host + ":" + port;
    }

    /** Whether this instance carries every one of {@code required}. */
    public boolean hasTags(List<String> required) {
        return tags.containsAll(required);
    }
}
