package dev.naming.grpc;

import dev.naming.ServiceInstance;
import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns a subscription's instances into the address groups a channel balances over. */
final class InstanceAddresses {

    private static final Logger LOG = LoggerFactory.getLogger(InstanceAddresses.class);

    private InstanceAddresses() {
    }

    /**
     * One group per instance registered with {@code protocol}, in the list's order (sorted by id),
     * each with the {@link NamingAttributes} of its instance. An address that is a host name is
     * resolved here, on the thread the subscription's listener runs on and never on the channel's; an
     * instance whose host does not resolve is left out with a warning.
     */
    static List<EquivalentAddressGroup> groups(List<ServiceInstance> instances, String protocol) {
        List<EquivalentAddressGroup> groups = new ArrayList<>(instances.size());
        for (ServiceInstance instance : instances) {
            if (!instance.protocol().equalsIgnoreCase(protocol)) {
                continue;
            }
            InetSocketAddress address = socketAddress(instance);
            if (address.isUnresolved()) {
                LOG.warn("naming resolver: instance '{}' of '{}' left out: host '{}' does not resolve",
                        instance.id(), instance.name(), instance.address());
                continue;
            }
            groups.add(new EquivalentAddressGroup(address, attributes(instance)));
        }
        return List.copyOf(groups);
    }

    static Attributes attributes(ServiceInstance instance) {
        Map<String, String> meta = instance.meta();
        Attributes.Builder attributes = Attributes.newBuilder()
                .set(NamingAttributes.INSTANCE, instance)
                .set(NamingAttributes.INSTANCE_ID, instance.id())
                .set(NamingAttributes.META, meta);
        String zone = meta.get(NamingAttributes.ZONE_META_KEY);
        if (zone != null && !zone.isBlank()) {
            attributes.set(NamingAttributes.ZONE, zone);
        }
        Long weight = weight(meta.get(NamingAttributes.WEIGHT_META_KEY));
        if (weight != null) {
            attributes.set(NamingAttributes.WEIGHT, weight);
        }
        return attributes.build();
    }

    /** A positive whole number, or {@code null} for anything else (a policy then uses its default). */
    static Long weight(String value) {
        if (value == null) {
            return null;
        }
        try {
            long weight = Long.parseLong(value.trim());
            return weight > 0 ? weight : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static InetSocketAddress socketAddress(ServiceInstance instance) {
        String host = instance.address();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        // an IP literal is parsed without a lookup; a host name is looked up now
        return new InetSocketAddress(host, instance.port());
    }
}
