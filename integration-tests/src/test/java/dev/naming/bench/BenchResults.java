package dev.naming.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The figures of one benchmark run, written as {@code results.json} and a Markdown table. */
final class BenchResults {

    record Result(String backend, String metric, double value, String unit) {
    }

    private final List<Result> results = new ArrayList<>();

    synchronized void add(String backend, String metric, double value, String unit) {
        Result r = new Result(backend, metric, value, unit);
        results.add(r);
        System.out.printf(Locale.ROOT, "%-20s %-48s %14s %s%n", backend, metric, format(value), unit);
    }

    synchronized List<Result> all() {
        return List.copyOf(results);
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("results.json"), json());
        Files.writeString(dir.resolve("results.md"), table());
    }

    static String machine() {
        String cpu = "unknown cpu";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (IOException | RuntimeException ignored) {
            // not Linux: the core count and memory still say enough
        }
        long memGiB = Math.round(((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize() / (1024.0 * 1024 * 1024));
        return Runtime.getRuntime().availableProcessors() + " cores, " + memGiB + " GiB, " + cpu + ", "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch");
    }

    static String java() {
        return System.getProperty("java.vendor") + " " + System.getProperty("java.version") + " ("
                + System.getProperty("java.vm.name") + ")";
    }

    private synchronized String json() {
        StringBuilder sb = new StringBuilder();
        sb.append("{\n  \"machine\": ").append(quote(machine())).append(",\n  \"java\": ").append(quote(java()))
                .append(",\n  \"results\": [\n");
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            sb.append("    {\"backend\": ").append(quote(r.backend())).append(", \"metric\": ").append(quote(r.metric()))
                    .append(", \"value\": ").append(format(r.value())).append(", \"unit\": ").append(quote(r.unit()))
                    .append('}').append(i + 1 < results.size() ? ",\n" : "\n");
        }
        return sb.append("  ]\n}\n").toString();
    }

    private synchronized String table() {
        StringBuilder sb = new StringBuilder("| backend | metric | value | unit |\n| --- | --- | ---: | --- |\n");
        for (Result r : results) {
            sb.append("| ").append(r.backend()).append(" | ").append(r.metric()).append(" | ").append(format(r.value()))
                    .append(" | ").append(r.unit()).append(" |\n");
        }
        return sb.toString();
    }

    private static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.valueOf((long) v);
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.1f" : "%.3f", v);
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
