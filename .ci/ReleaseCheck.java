import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Checks what `mvn -Prelease verify` left against what Maven Central refuses a bundle without, so a
 * release is not the first time anyone looks: every published module's effective POM has name,
 * description, url, a license, scm and a developer; every published jar has its -sources.jar and
 * -javadoc.jar; every jar has .md5 and .sha1 files that match it.
 *
 * <p>Run by .ci/release-check: {@code java .ci/ReleaseCheck.java EFFECTIVE_POMS_XML}. Prints one line
 * per module, with every fault of a module that falls short, and exits 1 if any does.
 */
public class ReleaseCheck {

    public static void main(String[] args) throws Exception {
        var factory = DocumentBuilderFactory.newInstance();
        var doc = factory.newDocumentBuilder().parse(new File(args[0]));
        var projects = doc.getElementsByTagName("project");
        int failed = 0;
        int checked = 0;
        for (int i = 0; i < projects.getLength(); i++) {
            Element project = (Element) projects.item(i);
            String artifactId = child(project, "artifactId");
            String version = child(project, "version");
            String packaging = child(project, "packaging").isEmpty() ? "jar" : child(project, "packaging");
            List<String> faults = new ArrayList<>();
            if (isUnpublished(project)) {
                System.out.println("release check: " + artifactId + ": not published, not checked");
                continue;
            }
            for (String field : List.of("name", "description", "url")) {
                if (child(project, field).isBlank()) {
                    faults.add("no <" + field + ">");
                }
            }
            for (String path : List.of("licenses/license/name", "developers/developer/name", "scm/connection", "scm/url")) {
                if (at(project, path).isBlank()) {
                    faults.add("no <" + path + ">");
                }
            }
            if (packaging.equals("jar")) {
                Path target = Path.of(artifactId, "target");
                String base = artifactId + "-" + version;
                for (String classifier : List.of("", "-sources", "-javadoc")) {
                    Path jar = target.resolve(base + classifier + ".jar");
                    if (!Files.isRegularFile(jar)) {
                        faults.add("no " + jar);
                        continue;
                    }
                    checksum(jar, "MD5", ".md5", faults);
                    checksum(jar, "SHA-1", ".sha1", faults);
                }
            }
            checked++;
            if (faults.isEmpty()) {
                System.out.println("release check: " + artifactId + " (" + packaging + "): ok");
            } else {
                failed++;
                System.out.println("release check: " + artifactId + " (" + packaging + "): " + String.join("; ", faults));
            }
        }
        System.out.println("release check: " + (checked - failed) + " of " + checked + " published modules complete");
        System.exit(failed == 0 && checked > 0 ? 0 : 1);
    }

    /** A module that says it is not deployed (maven.deploy.skip) is not published. */
    private static boolean isUnpublished(Element project) {
        Element properties = element(project, "properties");
        return properties != null && child(properties, "maven.deploy.skip").equals("true");
    }

    private static void checksum(Path file, String algorithm, String suffix, List<String> faults) throws Exception {
        Path sum = file.resolveSibling(file.getFileName() + suffix);
        if (!Files.isRegularFile(sum)) {
            faults.add("no " + sum);
            return;
        }
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(Files.readAllBytes(file)));
        String written = Files.readString(sum).trim().split("\\s+")[0];
        if (!written.equalsIgnoreCase(expected)) {
            faults.add(sum + " does not match its file");
        }
    }

    /** The text at a slash-separated path of child elements, or "". */
    private static String at(Element from, String path) {
        Element e = from;
        for (String name : path.split("/")) {
            e = e == null ? null : element(e, name);
        }
        return e == null ? "" : e.getTextContent().trim();
    }

    private static Element element(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static String child(Element parent, String name) {
        Element e = element(parent, name);
        return e == null ? "" : e.getTextContent().trim();
    }
}
