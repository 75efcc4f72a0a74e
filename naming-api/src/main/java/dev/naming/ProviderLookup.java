package dev.naming;

import dev.naming.spi.NamingProvider;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/** Finds the {@link NamingProvider} for a URI, the way {@code DriverManager} finds a JDBC driver. */
final class ProviderLookup {

    static final String URL_ENV = "NAMING_URL";
    static final String URL_PROPERTY = "naming.url";
    /** The backends this project publishes, by scheme: named in errors, so that a hint names a real artifact. */
    private static final Map<String, String> BACKENDS = backendArtifacts();

    private final List<NamingProvider> providers;
    private final UnaryOperator<String> env;
    private final UnaryOperator<String> properties;

    ProviderLookup(List<NamingProvider> providers, UnaryOperator<String> env, UnaryOperator<String> properties) {
        this.providers = List.copyOf(providers);
        this.env = env;
        this.properties = properties;
    }

    static ProviderLookup system() {
        List<NamingProvider> found = new ArrayList<>();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        ServiceLoader.load(NamingProvider.class, loader == null ? Naming.class.getClassLoader() : loader)
                .forEach(found::add);
        if (found.isEmpty() && loader != Naming.class.getClassLoader()) {
            ServiceLoader.load(NamingProvider.class, Naming.class.getClassLoader()).forEach(found::add);
        }
        return new ProviderLookup(found, System::getenv, System::getProperty);
    }

    Naming connect(NamingUri uri) {
        for (NamingProvider provider : providers) {
            if (provider.scheme().equalsIgnoreCase(uri.scheme())) {
                return provider.create(uri);
            }
        }
        String artifact = BACKENDS.get(uri.scheme());
        throw new NamingException("no naming provider for scheme '" + uri.scheme() + "'; on the classpath: "
                + describe() + (artifact != null
                ? " (add the dependency dev.naming:" + artifact + ")"
                : " (this project's backends: " + backends() + ")"));
    }

    Naming connectDefault() {
        NamingUri configured = NamingUri.configured(env, properties).orElse(null);
        if (configured != null) {
            return connect(configured);
        }
        if (providers.size() == 1) {
            NamingProvider only = providers.get(0);
            return only.create(NamingUri.of(only.scheme()));
        }
        if (providers.isEmpty()) {
            throw new NamingException("no naming provider on the classpath: add a backend, one of " + backends());
        }
        throw new NamingException("several naming providers on the classpath (" + describe() + ") and no "
                + URL_PROPERTY + " system property or " + URL_ENV + " environment variable to choose one");
    }

    /** {@code dev.naming:naming-consul (consul:)}, … for messages. */
    private static String backends() {
        StringBuilder sb = new StringBuilder();
        BACKENDS.forEach((scheme, artifact) -> sb.append(sb.length() == 0 ? "" : ", ")
                .append("dev.naming:").append(artifact).append(" (").append(scheme).append(":)"));
        return sb.toString();
    }

    private static Map<String, String> backendArtifacts() {
        Map<String, String> backends = new LinkedHashMap<>();
        backends.put("inmemory", "naming-inmemory");
        backends.put("consul", "naming-consul");
        backends.put("discovery", "naming-discovery");
        return Collections.unmodifiableMap(backends);
    }

    private String describe() {
        if (providers.isEmpty()) {
            return "none";
        }
        TreeSet<String> schemes = new TreeSet<>();
        providers.forEach(p -> schemes.add(p.scheme() + " (" + p.getClass().getName() + ")"));
        return String.join(", ", schemes);
    }
}
