package dev.naming.cli;

import dev.naming.ServiceInstance;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What changed between two lists of a service, by instance id: who joined, who left, and who is
 * still there with different details. Computed from the lists a subscription delivers, so that a
 * watcher can print changes rather than whole lists.
 *
 * @param joined  instances in the new list whose id was not in the old one
 * @param left    instances of the old list whose id is not in the new one
 * @param updated instances present in both whose details changed (new value)
 */
record ListChange(List<ServiceInstance> joined, List<ServiceInstance> left, List<ServiceInstance> updated) {

    static ListChange between(List<ServiceInstance> before, List<ServiceInstance> after) {
        Map<String, ServiceInstance> old = byId(before);
        Map<String, ServiceInstance> now = byId(after);
        List<ServiceInstance> joined = new ArrayList<>();
        List<ServiceInstance> updated = new ArrayList<>();
        for (ServiceInstance i : now.values()) {
            ServiceInstance was = old.get(i.id());
            if (was == null) {
                joined.add(i);
            } else if (!was.equals(i)) {
                updated.add(i);
            }
        }
        List<ServiceInstance> left = new ArrayList<>();
        for (ServiceInstance i : old.values()) {
            if (!now.containsKey(i.id())) {
                left.add(i);
            }
        }
        return new ListChange(List.copyOf(joined), List.copyOf(left), List.copyOf(updated));
    }

    boolean isEmpty() {
        return joined.isEmpty() && left.isEmpty() && updated.isEmpty();
    }

    /** {@code +a +b -c ~d}: joined, left, updated ids. */
    String summary() {
        List<String> parts = new ArrayList<>();
        joined.forEach(i -> parts.add("+" + i.id()));
        left.forEach(i -> parts.add("-" + i.id()));
        updated.forEach(i -> parts.add("~" + i.id()));
        return String.join(" ", parts);
    }

    private static Map<String, ServiceInstance> byId(List<ServiceInstance> instances) {
        Map<String, ServiceInstance> map = new LinkedHashMap<>();
        for (ServiceInstance i : instances) {
            map.put(i.id(), i);
        }
        return map;
    }
}
