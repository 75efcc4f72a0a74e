package dev.naming.cli;

import dev.naming.ServiceInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Instances as text, one line each: {@code id  endpoint  tags  meta}, columns aligned so that a
 * reader can scan them and {@code awk} can split them. Empty tags or meta print as {@code -}.
 */
final class InstanceTable {

    private InstanceTable() {
    }

    static List<String> lines(List<ServiceInstance> instances) {
        List<String[]> rows = new ArrayList<>();
        for (ServiceInstance i : instances) {
            rows.add(new String[] {i.id(), i.endpoint(), tags(i.tags()), meta(i.meta())});
        }
        int[] width = new int[3];
        for (String[] row : rows) {
            for (int c = 0; c < width.length; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        List<String> lines = new ArrayList<>(rows.size());
        for (String[] row : rows) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < width.length; c++) {
                sb.append(row[c]).append(" ".repeat(width[c] - row[c].length() + 2));
            }
            lines.add(sb.append(row[3]).toString());
        }
        return lines;
    }

    static String tags(List<String> tags) {
        return tags.isEmpty() ? "-" : String.join(",", tags);
    }

    static String meta(Map<String, String> meta) {
        return meta.isEmpty() ? "-" : meta.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    /** {@code id(endpoint)} for each instance, or {@code (none)}: a whole list on one line. */
    static String inline(List<ServiceInstance> instances) {
        if (instances.isEmpty()) {
            return "(none)";
        }
        return instances.stream().map(i -> i.id() + "(" + i.endpoint() + ")").collect(Collectors.joining(" "));
    }
}
