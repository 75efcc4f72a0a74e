package dev.naming.cli;

import dev.naming.ServiceInstance;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The few JSON shapes the CLI prints, written by hand so that the CLI needs no JSON library of its
 * own. Strings are escaped per RFC 8259.
 */
final class Json {

    private Json() {
    }

    /** {@code [ {instance}, … ]} */
    static String instances(List<ServiceInstance> instances) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < instances.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            instance(sb, instances.get(i));
        }
        return sb.append(']').toString();
    }

    /**
     * One delivered list of a watch: {@code {"time":…,"service":…,"instances":[…]}}, plus
     * {@code "filtered":true} when the registry left instances out for lack of rights.
     */
    static String watchEvent(String time, String service, List<ServiceInstance> instances, boolean filtered) {
        StringBuilder sb = new StringBuilder("{\"time\":");
        string(sb, time);
        sb.append(",\"service\":");
        string(sb, service);
        sb.append(",\"instances\":").append(instances(instances));
        if (filtered) {
            sb.append(",\"filtered\":true");
        }
        return sb.append('}').toString();
    }

    /**
     * A change of a watch's registry: {@code {"time":…,"service":…,"registryReachable":…,"lastConfirmed":…}}
     * ({@code lastConfirmed} is {@code null} before the first list).
     */
    static String freshnessEvent(String time, String service, boolean reachable, String lastConfirmed) {
        StringBuilder sb = new StringBuilder("{\"time\":");
        string(sb, time);
        sb.append(",\"service\":");
        string(sb, service);
        sb.append(",\"registryReachable\":").append(reachable).append(",\"lastConfirmed\":");
        if (lastConfirmed == null) {
            sb.append("null");
        } else {
            string(sb, lastConfirmed);
        }
        return sb.append('}').toString();
    }

    private static void instance(StringBuilder sb, ServiceInstance i) {
        sb.append("{\"id\":");
        string(sb, i.id());
        sb.append(",\"name\":");
        string(sb, i.name());
        sb.append(",\"address\":");
        string(sb, i.address());
        sb.append(",\"port\":").append(i.port()).append(",\"protocol\":");
        string(sb, i.protocol());
        sb.append(",\"endpoint\":");
        string(sb, i.endpoint());
        sb.append(",\"tags\":[");
        for (Iterator<String> it = i.tags().iterator(); it.hasNext(); ) {
            string(sb, it.next());
            if (it.hasNext()) {
                sb.append(',');
            }
        }
        sb.append("],\"meta\":{");
        for (Iterator<Map.Entry<String, String>> it = i.meta().entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, String> e = it.next();
            string(sb, e.getKey());
            sb.append(':');
            string(sb, e.getValue());
            if (it.hasNext()) {
                sb.append(',');
            }
        }
        sb.append("}}");
    }

    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
