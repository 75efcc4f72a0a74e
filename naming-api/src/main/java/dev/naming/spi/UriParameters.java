package dev.naming.spi;

import dev.naming.NamingUri;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The table of a backend's URI parameters. It is the one place they are declared: parsing
 * ({@link #read}), the error for an unknown parameter, redaction of secrets ({@link #redact})
 * and the README's table ({@link #markdownTable()}) all follow from it.
 */
public final class UriParameters {

    private final String scheme;
    private final Map<String, UriParameter<?>> byName = new LinkedHashMap<>();

    private UriParameters(String scheme, List<UriParameter<?>> parameters) {
        this.scheme = scheme;
        for (UriParameter<?> p : parameters) {
            if (byName.put(p.name(), p) != null) {
                throw new IllegalArgumentException("parameter '" + p.name() + "' declared twice");
            }
        }
    }

    /** The parameters of the backend with URI scheme {@code scheme}. */
    public static UriParameters of(String scheme, UriParameter<?>... parameters) {
        return new UriParameters(scheme, List.of(parameters));
    }

    /** Every parameter, in declaration order. */
    public List<UriParameter<?>> all() {
        return List.copyOf(byName.values());
    }

    /**
     * The values of {@code uri}: each parameter from the URI, else from its environment variable,
     * else its default.
     *
     * @param env the environment ({@code System::getenv}, or a map's {@code get} in tests)
     * @throws IllegalArgumentException for an unknown parameter (listing the known ones) or a malformed value
     */
    public Values read(NamingUri uri, UnaryOperator<String> env) {
        for (String name : uri.params().keySet()) {
            if (!byName.containsKey(name)) {
                throw new IllegalArgumentException(scheme + " uri: unknown parameter '" + name + "' (known: "
                        + String.join(", ", byName.keySet()) + ")");
            }
        }
        // every given value parsed now, once: a malformed one fails the connect, not a later call that reads it
        return new Values(uri, env);
    }

    /** {@code uri} as text with the value of every secret parameter shown as {@code ****}. */
    public String redact(NamingUri uri) {
        StringBuilder sb = new StringBuilder(uri.scheme()).append(':');
        if (!uri.authority().isEmpty()) {
            sb.append("//").append(uri.authority());
        }
        if (!uri.path().isEmpty()) {
            sb.append('/').append(uri.path());
        }
        String sep = "?";
        for (Map.Entry<String, String> e : uri.params().entrySet()) {
            UriParameter<?> p = byName.get(e.getKey());
            boolean secret = p == null ? NamingUri.isSecret(e.getKey()) : p.isSecret();
            sb.append(sep).append(e.getKey()).append('=').append(secret ? "****" : e.getValue());
            sep = "&";
        }
        return sb.toString();
    }

    /** The README's table: parameter, default, environment variable, what it does. */
    public String markdownTable() {
        StringBuilder sb = new StringBuilder("| parameter | default | environment | what it does |\n");
        sb.append("| --- | --- | --- | --- |\n");
        for (UriParameter<?> p : byName.values()) {
            sb.append("| `").append(p.name()).append("` | ")
                    .append(p.defaultText().isEmpty() ? "—" : p.defaultInWords() ? p.defaultText()
                            : "`" + p.defaultText() + "`").append(" | ")
                    .append(p.envVariable() == null ? "" : "`" + p.envVariable() + "`").append(" | ")
                    .append(p.isSecret() ? "secret: never printed; " : "")
                    .append(p.description()).append(" |\n");
        }
        return sb.toString();
    }

    /** The values of one URI. */
    public final class Values {
        /** The values the URI or the environment gave, parsed; a parameter given neither is absent. */
        private final Map<String, Object> given = new HashMap<>();

        private Values(NamingUri uri, UnaryOperator<String> env) {
            for (UriParameter<?> parameter : byName.values()) {
                Optional<String> fromUri = uri.param(parameter.name()).filter(v -> !v.isBlank());
                String fromEnv = parameter.envVariable() == null ? null : env.apply(parameter.envVariable());
                if (fromUri.isPresent()) {
                    given.put(parameter.name(), parameter.parse(parameter.name(), fromUri.get()));
                } else if (fromEnv != null && !fromEnv.isBlank()) {
                    given.put(parameter.name(), parameter.parse(parameter.envVariable(), fromEnv));
                }
            }
        }

        /** The value given in the URI or the environment, parsed; empty when neither gives one. */
        @SuppressWarnings("unchecked") // put under the parameter's own name by its own parser
        public <T> Optional<T> given(UriParameter<T> parameter) {
            check(parameter);
            return Optional.ofNullable((T) given.get(parameter.name()));
        }

        /** The value given, else the default (which may be {@code null}). */
        public <T> T get(UriParameter<T> parameter) {
            return given(parameter).orElse(parameter.defaultValue());
        }

        private void check(UriParameter<?> parameter) {
            if (byName.get(parameter.name()) != parameter) {
                throw new IllegalStateException("parameter '" + parameter.name() + "' is not in the table of "
                        + scheme);
            }
        }
    }

    @Override
    public String toString() {
        return scheme + " parameters " + new ArrayList<>(byName.keySet());
    }
}
