/**
 * The naming API: {@code dev.naming} for applications (register, find, watch), {@code dev.naming.spi}
 * for backends (the provider interface and the shared watch, keep-alive and parameter machinery).
 * Backends are found with {@link java.util.ServiceLoader}; log lines go to SLF4J when the application
 * has an SLF4J provider.
 */
module dev.naming.api {
    requires transitive org.slf4j;
    // without an SLF4J provider, lines go to java.util.logging (NamingLoggers)
    requires java.logging;

    exports dev.naming;
    exports dev.naming.spi;

    uses dev.naming.spi.NamingProvider;
    // NamingLoggers asks whether the application has an SLF4J provider
    uses org.slf4j.spi.SLF4JServiceProvider;
}
