package dev.naming.grpc;

import dev.naming.ServiceInstance;
import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import java.util.Map;

/**
 * The attributes every {@link EquivalentAddressGroup} from a {@code naming:} target carries, read
 * from the registry's instance, so that load-balancing policies and interceptors can use them:
 * <pre>{@code
 * String zone = group.getAttributes().get(NamingAttributes.ZONE);         // null when not registered
 * Long weight = group.getAttributes().get(NamingAttributes.WEIGHT);
 * }</pre>
 */
public final class NamingAttributes {

    /** The instance as the registry reports it. */
    public static final Attributes.Key<ServiceInstance> INSTANCE = Attributes.Key.create("dev.naming.instance");

    /** The instance's id. */
    public static final Attributes.Key<String> INSTANCE_ID = Attributes.Key.create("dev.naming.instance-id");

    /** The instance's meta (sorted by key; empty when it has none). */
    public static final Attributes.Key<Map<String, String>> META = Attributes.Key.create("dev.naming.meta");

    /** The meta value {@value #ZONE_META_KEY}, when the instance has one. */
    public static final Attributes.Key<String> ZONE = Attributes.Key.create("dev.naming.zone");

    /** The meta value {@value #WEIGHT_META_KEY} as a positive number, when the instance has one. */
    public static final Attributes.Key<Long> WEIGHT = Attributes.Key.create("dev.naming.weight");

    /** The meta key {@link #ZONE} is read from. */
    public static final String ZONE_META_KEY = "zone";

    /** The meta key {@link #WEIGHT} is read from. */
    public static final String WEIGHT_META_KEY = "weight";

    private NamingAttributes() {
    }
}
