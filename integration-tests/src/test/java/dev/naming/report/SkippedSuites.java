package dev.naming.report;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The end of a test run: one line per test class that skipped cases, with how many and why, read
 * from every module's Surefire reports written by this build. A run that skips a whole suite (the
 * real-Consul ones without Docker or an agent) then says so where it ends, instead of a bare count.
 *
 * <p>Run by integration-tests after its tests ({@code exec:java}):
 * {@code SkippedSuites ROOT_DIRECTORY BUILD_START}.
 */
public final class SkippedSuites {

    /** A reason longer than this is cut: the line is a pointer, the report holds the rest. */
    private static final int REASON_MAX = 160;
    /** Reasons shown per class; a class that skips for many (a fixture without most faults) gets a count of the rest. */
    private static final int REASONS_SHOWN = 2;

    private SkippedSuites() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        Instant since = args.length > 1 ? Instant.parse(args[1]).minusSeconds(1) : Instant.EPOCH;
        for (String line : summary(reports(root, since))) {
            System.out.println(line);
        }
    }

    /** The Surefire XML reports of every module under {@code root} written at or after {@code since}. */
    static List<Path> reports(Path root, Instant since) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> modules = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path module : modules) {
                Path dir = module.resolve("target/surefire-reports");
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                try (DirectoryStream<Path> xml = Files.newDirectoryStream(dir, "TEST-*.xml")) {
                    for (Path report : xml) {
                        if (!Files.getLastModifiedTime(report).toInstant().isBefore(since)) {
                            out.add(report);
                        }
                    }
                }
            }
        }
        return out;
    }

    /** One line per class with skipped cases, sorted by class, then one line of totals. */
    static List<String> summary(List<Path> reports) throws Exception {
        Map<String, int[]> counts = new TreeMap<>();           // class -> {skipped, cases}
        Map<String, Map<String, Integer>> reasons = new TreeMap<>();
        var factory = DocumentBuilderFactory.newInstance();
        for (Path report : reports) {
            NodeList cases = factory.newDocumentBuilder().parse(report.toFile()).getElementsByTagName("testcase");
            for (int i = 0; i < cases.getLength(); i++) {
                Element testcase = (Element) cases.item(i);
                String type = testcase.getAttribute("classname");
                String simple = type.substring(type.lastIndexOf('.') + 1);
                int[] c = counts.computeIfAbsent(simple, k -> new int[2]);
                c[1]++;
                NodeList skipped = testcase.getElementsByTagName("skipped");
                if (skipped.getLength() > 0) {
                    c[0]++;
                    String reason = reason((Element) skipped.item(0));
                    reasons.computeIfAbsent(simple, k -> new LinkedHashMap<>())
                            .merge(reason.isEmpty() ? "no reason given" : shorten(reason), 1, Integer::sum);
                }
            }
        }
        List<String> lines = new ArrayList<>();
        int skippedCases = 0;
        for (Map.Entry<String, int[]> e : counts.entrySet()) {
            int[] c = e.getValue();
            if (c[0] == 0) {
                continue;
            }
            skippedCases += c[0];
            Map<String, Integer> all = reasons.get(e.getKey());
            StringBuilder why = new StringBuilder();
            all.entrySet().stream().limit(REASONS_SHOWN).forEach(r -> why.append(why.length() == 0 ? "" : " | ")
                    .append(r.getKey()).append(r.getValue() > 1 && all.size() > 1 ? " (" + r.getValue() + ")" : ""));
            if (all.size() > REASONS_SHOWN) {
                why.append(" | ").append(all.size() - REASONS_SHOWN).append(" other reasons in its report");
            }
            lines.add("skipped: " + e.getKey() + ", " + (c[0] == c[1] ? "all " + c[1] : c[0] + " of " + c[1])
                    + " cases: " + why);
        }
        lines.add("skipped in all: " + skippedCases + " cases in " + (lines.size()) + " test classes"
                + (lines.isEmpty() ? "" : " (each listed above, with why)"));
        return lines;
    }

    /**
     * Why a case was skipped: the message of a disabled one, or the first line of the assumption
     * that aborted it (Surefire writes that only as the element's text, after the exception's name).
     */
    private static String reason(Element skipped) {
        String message = skipped.getAttribute("message").strip();
        if (!message.isEmpty()) {
            return message;
        }
        String text = skipped.getTextContent().strip();
        String first = text.lines().findFirst().orElse("");
        first = first.replaceFirst("^[\\w.$]+(Exception|Error):\\s*", "");
        return first.replaceFirst("^Assumption failed:\\s*", "");
    }

    private static String shorten(String reason) {
        String oneLine = reason.replaceAll("\\s+", " ");
        return oneLine.length() <= REASON_MAX ? oneLine : oneLine.substring(0, REASON_MAX - 1) + "…";
    }
}
