/**
 * The conformance and fault suites of the naming contract, to run against any backend: extend
 * {@link dev.naming.tck.NamingConformanceSuite} and {@link dev.naming.tck.RegistryFaultSuite} with a
 * {@link dev.naming.tck.RegistryFixture} of your registry.
 */
module dev.naming.tck {
    requires transitive dev.naming.api;
    // a backend's test classes extend the suites, JUnit test classes: they are JUnit tests too
    requires transitive org.junit.jupiter.api;
    // the fault suite's parameterized case; nothing of it in a signature a backend sees
    requires org.junit.jupiter.params;

    // the log capture also reads java.util.logging, the library's fallback without an SLF4J provider
    requires java.logging;

    exports dev.naming.tck;
    // JUnit calls the suites' package-private test and lifecycle methods by reflection, whether it
    // runs as a named module or from the class path
    opens dev.naming.tck;
}
