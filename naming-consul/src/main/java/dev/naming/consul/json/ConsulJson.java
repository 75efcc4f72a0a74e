package dev.naming.consul.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.naming.HealthCheck;
import dev.naming.ServiceRegistration;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.Map;

/**
 * The agent's JSON that is not a health list: the registration body, the keys of
 * {@code /v1/agent/services}. Read and written token by token with Jackson's core, the one parser
 * factory of the backend carrying its limits.
 */
public final class ConsulJson {

    /**
     * Every reply is parsed with these limits, beside the reply size limit: Consul's health entries
     * nest 4 deep (entry, Checks, check, Definition), strings are at most a check's output (4 KiB by
     * default in Consul; 1 MiB leaves room for a raised {@code check_output_max_size}), numbers are
     * indexes and ports.
     */
    public static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(32)
                    .maxStringLength(1 << 20)
                    .maxNameLength(4096)
                    .maxNumberLength(32)
                    .build())
            .build();

    private ConsulJson() {
    }

    /** The registration body (the protocol in Meta); a TTL check starts passing, so the instance is visible at once. */
    public static byte[] registration(ServiceRegistration r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("ID", r.id());
            g.writeStringField("Name", r.name());
            g.writeStringField("Address", r.address());
            g.writeNumberField("Port", r.port());
            String[] tags = r.tags().toArray(String[]::new);
            g.writeFieldName("Tags");
            g.writeArray(tags, 0, tags.length);
            Map<String, String> meta = new LinkedHashMap<>(r.meta());
            meta.put(ConsulInstances.PROTOCOL_META, r.protocol());
            g.writeObjectFieldStart("Meta");
            for (Map.Entry<String, String> e : meta.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            HealthCheck check = r.check();
            if (check.kind() != HealthCheck.Kind.NONE) {
                g.writeObjectFieldStart("Check");
                switch (check.kind()) {
                    case TTL -> {
                        g.writeStringField("TTL", goDuration(check.ttl()));
                        g.writeStringField("Status", "passing");
                    }
                    case HTTP, TCP -> {
                        g.writeStringField(check.kind() == HealthCheck.Kind.HTTP ? "HTTP" : "TCP", check.target());
                        g.writeStringField("Interval", goDuration(check.interval()));
                        g.writeStringField("Timeout", goDuration(check.timeout()));
                    }
                    default -> throw new IllegalStateException(check.kind().toString());
                }
                g.writeStringField("DeregisterCriticalServiceAfter", goDuration(r.deregisterCriticalAfter()));
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a memory stream does not fail
        }
        return out.toByteArray();
    }

    /**
     * The name ({@code Service}) under which the agent's {@code /v1/agent/services} reply holds the
     * service {@code id}, if it holds it.
     */
    public static Optional<String> serviceName(byte[] services, String id) throws IOException {
        try (JsonParser p = FACTORY.createParser(services)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("agent services reply is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                boolean wanted = p.currentName().equals(id);
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    throw new IOException("agent services reply: '" + p.currentName() + "' is not a JSON object");
                }
                if (!wanted) {
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    p.nextToken();
                    if (field.equals("Service")) {
                        return Optional.of(p.getValueAsString(""));
                    }
                    p.skipChildren();
                }
                return Optional.of("");
            }
            return Optional.empty();
        }
    }

    /** A duration as Go's {@code time.ParseDuration} reads it: whole seconds as {@code 15s}, else milliseconds. */
    public static String goDuration(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
    }
}
