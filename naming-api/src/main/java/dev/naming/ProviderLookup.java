package dev.naming;

import dev.naming.spi.NamingProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/** Finds the {@link NamingProvider} for a URI, the way {@code DriverManager} finds a JDBC driver. */
final class ProviderLookup {

    static final String URL_ENV = "NAMING_URL";
    static final String URL_PROPERTY = "naming.url";

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
        throw new NamingException("no naming provider for scheme '" + uri.scheme() + "'; on the classpath: "
                + describe() + " (add the backend jar, e.g. dev.naming:naming-" + uri.scheme() + ")");
    }

    Naming connectDefault() {
        String url = properties.apply(URL_PROPERTY);
        if (url == null || url.isBlank()) {
            url = env.apply(URL_ENV);
        }
        if (url != null && !url.isBlank()) {
            return connect(NamingUri.parse(url));
        }
        if (providers.size() == 1) {
            NamingProvider only = providers.get(0);
            return only.create(NamingUri.of(only.scheme()));
        }
        if (providers.isEmpty()) {
            throw new NamingException("no naming provider on the classpath: add a backend jar "
                    + "(naming-inmemory, naming-consul or naming-discovery)");
        }
        throw new NamingException("several naming providers on the classpath (" + describe() + ") and no "
                + URL_ENV + " environment variable or " + URL_PROPERTY + " system property to choose one");
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
