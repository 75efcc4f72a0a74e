package dev.naming;

import dev.naming.internal.Validation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a process registers about one of its services: immutable, validated when built.
 *
 * <pre>{@code
 * ServiceRegistration.builder()
 *         .id("logic-1").name("chat.logic").address("10.0.0.5").port(8000)
 *         .protocol("ws").tags("gate", "zone-a").meta("weight", "10")
 *         .build();
 * }</pre>
 *
 * @param id                      unique id of the instance; a second registration with the same id updates it
 * @param name                    the service's name, shared by its instances
 * @param address                 host name or IP other processes connect to
 * @param port                    port, 1–65535
 * @param protocol                how to speak to it; default {@code http}
 * @param tags                    tags in order, duplicates removed
 * @param meta                    free key/value pairs
 * @param check                   how the registry tells it is healthy; default {@link HealthCheck#defaultTtl()}
 * @param deregisterCriticalAfter how long a failing instance stays registered before the registry
 *                                removes it; default 20 s (registries may apply a floor: Consul's is one minute)
 */
public record ServiceRegistration(String id, String name, String address, int port, String protocol,
                                  List<String> tags, Map<String, String> meta, HealthCheck check,
                                  Duration deregisterCriticalAfter) {

    /** The default protocol. */
    public static final String DEFAULT_PROTOCOL = "http";
    /** The default time a failing instance stays registered. */
    public static final Duration DEFAULT_DEREGISTER_CRITICAL_AFTER = Duration.ofSeconds(20);

    /**
     * Checks every part; {@link #builder()} is the easier way in.
     *
     * @throws IllegalArgumentException naming the first invalid field
     */
    public ServiceRegistration {
        Validation.serviceId(id);
        Validation.serviceName(name);
        Validation.address(address);
        Validation.port(port);
        Validation.protocol(protocol);
        tags = Validation.tags(tags);
        meta = Validation.meta(meta);
        Validation.notNull("check", check);
        Validation.positive("deregisterCriticalAfter", deregisterCriticalAfter);
    }

    /** A builder with the defaults: protocol {@code http}, TTL check of 15 s, deregister after 20 s. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this registration's values, to derive a changed copy. */
    public Builder toBuilder() {
        return new Builder().id(id).name(name).address(address).port(port).protocol(protocol)
                .tags(tags).meta(meta).check(check).deregisterCriticalAfter(deregisterCriticalAfter);
    }

    /** The instance this registration describes. */
    public ServiceInstance instance() {
        return ServiceInstance.of(this);
    }

    /** Builds a {@link ServiceRegistration}; {@link #build()} validates every field. */
    public static final class Builder {
        private String id;
        private String name;
        private String address;
        private int port;
        private String protocol = DEFAULT_PROTOCOL;
        private final List<String> tags = new ArrayList<>();
        private final Map<String, String> meta = new LinkedHashMap<>();
        private HealthCheck check = HealthCheck.defaultTtl();
        private Duration deregisterCriticalAfter = DEFAULT_DEREGISTER_CRITICAL_AFTER;

        private Builder() {
        }

        /** The instance id, unique in the registry: {@code logic-1}. Required. */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /** The service name shared by its instances: {@code chat.logic}. Required. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** The host name or IP clients connect to. Required. */
        public Builder address(String address) {
            this.address = address;
            return this;
        }

        /** The port clients connect to, 1-65535. Required. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** How clients speak to it ({@code http}, {@code ws}, {@code tcp} …); default {@code http}. */
        public Builder protocol(String protocol) {
            this.protocol = protocol;
            return this;
        }

        /** Replaces the tags. */
        public Builder tags(String... tags) {
            return tags(tags == null ? null : Arrays.asList(tags));
        }

        /** Replaces the tags. */
        public Builder tags(Collection<String> tags) {
            this.tags.clear();
            this.tags.addAll(Validation.notNull("tags", tags));
            return this;
        }

        /** Adds one meta entry. */
        public Builder meta(String key, String value) {
            this.meta.put(key, value);
            return this;
        }

        /** Replaces the meta entries. */
        public Builder meta(Map<String, String> meta) {
            this.meta.clear();
            this.meta.putAll(Validation.notNull("meta", meta));
            return this;
        }

        /** How the registry tells it is healthy; default a TTL check of {@link HealthCheck#DEFAULT_TTL}. */
        public Builder check(HealthCheck check) {
            this.check = check;
            return this;
        }

        /** How long a failing instance stays registered; default {@link #DEFAULT_DEREGISTER_CRITICAL_AFTER}. */
        public Builder deregisterCriticalAfter(Duration after) {
            this.deregisterCriticalAfter = after;
            return this;
        }

        /** @throws IllegalArgumentException naming the first invalid field */
        public ServiceRegistration build() {
            return new ServiceRegistration(id, name, address, port, protocol, tags, meta, check,
                    deregisterCriticalAfter);
        }
    }
}
