package dev.naming.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one benchmark run, written as {@code results.json} and a Markdown table: every
 * figure measured, every step run (done or failed, with its error, its time and the machine's load
 * average when it started and ended) and a few facts about the run.
 */
final class BenchResults {

    record Result(String backend, String metric, double value, String unit) {
    }

    /**
     * One step of one backend.
     *
     * @param error     {@code null} for a step that completed
     * @param loadStart the 1, 5 and 15 minute load averages when it started (empty where unknown)
     * @param loadEnd   the same when it ended
     */
    record Step(String backend, String step, double seconds, String error, double[] loadStart, double[] loadEnd) {
        boolean failed() {
            return error != null;
        }
    }

    private final List<Result> results = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private final Map<String, String> run = new LinkedHashMap<>();

    synchronized void add(String backend, String metric, double value, String unit) {
        Result r = new Result(backend, metric, value, unit);
        results.add(r);
        System.out.printf(Locale.ROOT, "%-20s %-48s %14s %s%n", backend, metric, format(value), unit);
    }

    synchronized void step(Step step) {
        steps.add(step);
    }

    /** A fact about the whole run (its commit, its settings), written at the head of both files. */
    synchronized void note(String key, String value) {
        run.put(key, value);
    }

    synchronized List<Result> all() {
        return List.copyOf(results);
    }

    synchronized List<Step> steps() {
        return List.copyOf(steps);
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

    /** The 1, 5 and 15 minute load averages from {@code /proc/loadavg}; empty where it cannot be read. */
    static double[] loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
        } catch (IOException | RuntimeException e) {
            return new double[0];
        }
    }

    static String formatLoad(double[] load) {
        if (load.length == 0) {
            return "unknown";
        }
        return String.format(Locale.ROOT, "%.2f %.2f %.2f", load[0], load[1], load[2]);
    }

    synchronized String json() {
        StringBuilder sb = new StringBuilder();
        sb.append("{\n  \"machine\": ").append(quote(machine())).append(",\n  \"java\": ").append(quote(java()))
                .append(",\n  \"run\": {");
        int n = 0;
        for (Map.Entry<String, String> e : run.entrySet()) {
            sb.append(n++ > 0 ? ", " : "").append(quote(e.getKey())).append(": ").append(quote(e.getValue()));
        }
        sb.append("},\n  \"steps\": [\n");
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            sb.append("    {\"backend\": ").append(quote(s.backend())).append(", \"step\": ").append(quote(s.step()))
                    .append(", \"status\": ").append(quote(s.failed() ? "failed" : "done"))
                    .append(", \"seconds\": ").append(format(s.seconds()))
                    .append(", \"loadStart\": ").append(array(s.loadStart()))
                    .append(", \"loadEnd\": ").append(array(s.loadEnd()));
            if (s.failed()) {
                sb.append(", \"error\": ").append(quote(s.error()));
            }
            sb.append('}').append(i + 1 < steps.size() ? ",\n" : "\n");
        }
        sb.append("  ],\n  \"results\": [\n");
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            sb.append("    {\"backend\": ").append(quote(r.backend())).append(", \"metric\": ").append(quote(r.metric()))
                    .append(", \"value\": ").append(number(r.value())).append(", \"unit\": ").append(quote(r.unit()))
                    .append('}').append(i + 1 < results.size() ? ",\n" : "\n");
        }
        return sb.append("  ]\n}\n").toString();
    }

    synchronized String table() {
        StringBuilder sb = new StringBuilder();
        sb.append("machine: ").append(machine()).append("  \njava: ").append(java()).append("  \n");
        run.forEach((k, v) -> sb.append(k).append(": ").append(v).append("  \n"));
        sb.append("\n| backend | step | status | seconds | load at start | load at end |\n"
                + "| --- | --- | --- | ---: | --- | --- |\n");
        for (Step s : steps) {
            sb.append("| ").append(s.backend()).append(" | ").append(s.step()).append(" | ")
                    .append(s.failed() ? "**failed**: " + s.error().replace("|", "\\|").replace("\n", " ") : "done")
                    .append(" | ").append(format(s.seconds())).append(" | ").append(formatLoad(s.loadStart()))
                    .append(" | ").append(formatLoad(s.loadEnd())).append(" |\n");
        }
        sb.append("\n| backend | metric | value | unit |\n| --- | --- | ---: | --- |\n");
        for (Result r : results) {
            sb.append("| ").append(r.backend()).append(" | ").append(r.metric()).append(" | ").append(format(r.value()))
                    .append(" | ").append(r.unit()).append(" |\n");
        }
        return sb.toString();
    }

    private static String array(double[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            sb.append(i > 0 ? ", " : "").append(number(values[i]));
        }
        return sb.append(']').toString();
    }

    /** A JSON number; NaN and infinities (a ratio of nothing) are written as null. */
    private static String number(double v) {
        return Double.isFinite(v) ? format(v) : "null";
    }

    private static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.valueOf((long) v);
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.1f" : "%.3f", v);
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
